import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatDuration, parseDuration } from "../../../lib/mod.ts";

describe("parseDuration()", () => {
  test.each([
    ["PT3M", 180_000],
    ["PT1H30M", 5_400_000],
    ["P1D", 86_400_000],
    ["P1W", 604_800_000],
    ["PT0.5S", 500],
    ["pt10m", 600_000],
    ["PT0S", 0],
    [1500, 1500],
  ])("reads %j as %i ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each(["3m", "P", "PT", "P1DT", "PT-1S", "", "1H"])("rejects %j with a RangeError saying what is expected", (input) => {
    expect(() => parseDuration(input)).toThrow(/expected an ISO 8601 duration like "PT3M"/);
  });

  test.each([-1, Number.NaN, Infinity])("rejects %d ms", (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError);
  });
});

describe("formatDuration()", () => {
  test.each([
    [0, "PT0S"],
    [180_000, "PT3M"],
    [5_400_000, "PT1H30M"],
    [86_400_000, "PT24H"],
    [1_500, "PT1.5S"],
  ])("formats %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("round-trips through parseDuration (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
