import { describe, expect, it } from "vitest";
import { ratio, summarize } from "../../bench/stats.ts";
import { LineChecker } from "../../bench/line_check.ts";

describe("summarize()", () => {
  it("reports min, median and max of an odd number of runs", () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
  });

  it("takes the mean of the two middle runs for an even number", () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
  });

  it("leaves out runs that could not measure the metric", () => {
    expect(summarize([undefined, 5, Number.NaN, Number.POSITIVE_INFINITY])).toEqual({ n: 1, min: 5, median: 5, max: 5 });
  });

  it("returns undefined when no run measured anything", () => {
    expect(summarize([undefined, Number.NaN])).toBeUndefined();
  });
});

describe("ratio()", () => {
  it("divides medians", () => {
    expect(ratio(summarize([2]), summarize([4, 4, 8]))).toBe(0.5);
  });

  it("is undefined without a baseline or with a zero baseline", () => {
    expect(ratio(summarize([2]), undefined)).toBeUndefined();
    expect(ratio(summarize([2]), summarize([0]))).toBeUndefined();
  });
});

describe("LineChecker", () => {
  it("counts a complete sequence as nothing lost", () => {
    const c = new LineChecker(1000);
    for (let i = 1; i <= 1000; i++) c.add(String(i));
    expect(c.result()).toEqual({ expected: 1000, collected: 1000, distinct: 1000, lost: 0, duplicated: 0, foreign: 0, gaps: [], duplicates: [], foreignLines: [] });
  });

  it("tells lost, duplicated and foreign lines apart", () => {
    const c = new LineChecker(5);
    for (const l of ["1", "2", "2", "5", "pod \"x\" deleted", "0", "6", "01", ""]) c.add(l);
    expect(c.result()).toEqual({ expected: 5, collected: 9, distinct: 3, lost: 2, duplicated: 1, foreign: 5, gaps: [[3, 4]], duplicates: ["2"], foreignLines: ['pod "x" deleted', "0", "6", "01", ""] });
  });

  it("splits chunks of text on newlines and hands back the partial last line", () => {
    const c = new LineChecker(3);
    const rest = c.addText("1\r\n2\n3");
    expect(rest).toBe("3");
    c.add(rest);
    expect(c.result().lost).toBe(0);
  });

  it("lists the runs of lost lines, head and tail included", () => {
    const c = new LineChecker(10);
    for (const l of ["3", "4", "6", "7", "8"]) c.add(l);
    expect(c.result().gaps).toEqual([[1, 2], [5, 5], [9, 10]]);
  });

  it("rejects a negative count", () => {
    expect(() => new LineChecker(-1)).toThrow(RangeError);
  });
});
