import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { LogFile } from "../../../lib/kubernetes/logs/log_file.ts";
import { addOutputValues, collectOutputValues } from "../../../lib/kubernetes/logs/output_values.ts";

const dir = mkdtempSync(join(tmpdir(), "podkit-log-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = "2026-12-01T00:00:00.000000000Z";

describe("LogFile", () => {
  test("writes each line as container, tab, the line byte-exact, line feed, in arrival order", async () => {
    const path = join(dir, "exact.log");
    const file = await LogFile.open(path);
    const lines = [
      { container: "main", line: "a\tb\tc" },
      { container: "side", line: "  indented\r" },
      { container: "main", line: "" },
      { container: "main", line: "é ✓ 𝄞" },
    ];
    for (const l of lines) file.write({ ...l, timestamp: at });
    await file.close();
    expect(file.error).toBeUndefined();
    expect(readFileSync(path)).toEqual(Buffer.from("main\ta\tb\tc\nside\t  indented\r\nmain\t\nmain\té ✓ 𝄞\n"));
  });

  test("keeps every line of a flood larger than one batch, in order", async () => {
    const path = join(dir, "flood.log");
    const file = await LogFile.open(path);
    for (let i = 1; i <= 200_000; i++) file.write({ container: "main", line: String(i), timestamp: at });
    await file.close();
    const written = readFileSync(path, "utf8").split("\n");
    expect(written).toHaveLength(200_001);
    expect(written.at(-1)).toBe("");
    expect(written.slice(0, -1).every((l, i) => l === `main\t${i + 1}`)).toBe(true);
  });

  test("truncates a file that exists and refuses a path it cannot create, naming it", async () => {
    const path = join(dir, "again.log");
    for (const text of ["first run, longer", "second"]) {
      const file = await LogFile.open(path);
      file.write({ container: "main", line: text, timestamp: at });
      await file.close();
    }
    expect(readFileSync(path, "utf8")).toBe("main\tsecond\n");
    await expect(LogFile.open(join(dir, "missing", "x.log"))).rejects.toThrow(/^Cannot open the log file ".*missing\/x\.log": ENOENT/);
  });
});

describe("addOutputValues()", () => {
  test("merged line by line gives what collectOutputValues gives over all the lines", () => {
    const lines = ['::{"outputs":{"a":1}}::', "::not json::", ':{"outputs":{"x":1}}::', '::{"outputs":{"a":2,"__proto__":{"p":1}}}::', "plain"];
    const vars: Record<string, unknown> = {};
    for (const line of lines) addOutputValues(vars, line);
    expect(vars).toEqual(collectOutputValues(lines));
    expect(vars["a"]).toBe(2);
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
  });

  test("with a nonce, takes only the lines that carry it", () => {
    const vars: Record<string, unknown> = {};
    addOutputValues(vars, '::{"outputs":{"forged":true}}::', "abc");
    addOutputValues(vars, '::podkit-abc::{"outputs":{"real":1}}::', "abc");
    expect(vars).toEqual({ real: 1 });
  });
});
