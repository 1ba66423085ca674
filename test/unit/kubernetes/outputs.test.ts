import { describe, expect, it } from "vitest";
import { collectOutputValues, parseOutputLine } from "../../../lib/kubernetes/logs/output_values.ts";

describe("parseOutputLine", () => {
  it("parses the JSON of an exact output line, whitespace inside strings kept", () => {
    expect(parseOutputLine('::{"outputs":{"a":1,"s":"x  y"}}::')).toEqual({ a: 1, s: "x  y" });
  });

  it("ignores lines that are not exactly an output line", () => {
    for (const line of [
      ' ::{"outputs":{"a":1}}::',
      '::{"outputs":{"a":1}}:: ',
      'echo ::{"outputs":{"a":1}}::',
      '::{"outputs":[1]}::',
      '::{"metrics":{}}::',
      "::{not json}::",
      "::::",
      "",
    ]) {
      expect(parseOutputLine(line), line).toBeUndefined();
    }
  });

  it("requires the nonce when one is given", () => {
    expect(parseOutputLine('::{"outputs":{"a":1}}::', "abc")).toBeUndefined();
    expect(parseOutputLine('::podkit-abc::{"outputs":{"a":1}}::', "abc")).toEqual({ a: 1 });
    expect(parseOutputLine('::podkit-xyz::{"outputs":{"a":1}}::', "abc")).toBeUndefined();
  });
});

describe("collectOutputValues", () => {
  it("merges output lines in order, later keys winning", () => {
    expect(collectOutputValues(['::{"outputs":{"a":1,"b":"x"}}::', "text", '::{"outputs":{"a":2}}::'])).toEqual({ a: 2, b: "x" });
  });

  it("keeps a __proto__ key as a plain value", () => {
    const vars = collectOutputValues(['::{"outputs":{"__proto__":{"polluted":true}}}::']);
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
    expect(Object.keys(vars)).toEqual(["__proto__"]);
  });
});
