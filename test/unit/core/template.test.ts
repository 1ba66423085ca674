import { describe, expect, test } from "vitest";
import { resolveWorkingDir } from "../../../lib/mod.ts";

describe("resolveWorkingDir()", () => {
  test("replaces {{workingDir}} with or without spaces, as often as it appears", () => {
    expect(resolveWorkingDir("{{workingDir}}/a:{{ workingDir }}/b:{{  workingDir}}", "/w")).toBe("/w/a:/w/b:/w");
  });

  test("walks nested objects and lists, leaving keys and other values alone", () => {
    expect(resolveWorkingDir({ "{{workingDir}}": ["{{workingDir}}", 1, true, null, { x: "{{workingDir}}/y" }] }, "/w")).toEqual({
      "{{workingDir}}": ["/w", 1, true, null, { x: "/w/y" }],
    });
  });

  test("leaves other placeholders as they are", () => {
    expect(resolveWorkingDir("{{inputs.file}} {{ workingdir }}", "/w")).toBe("{{inputs.file}} {{ workingdir }}");
  });

  test("inserts the directory literally, even with $ in it", () => {
    expect(resolveWorkingDir("{{workingDir}}", "/a$&b")).toBe("/a$&b");
  });
});
