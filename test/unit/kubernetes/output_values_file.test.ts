import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { KubernetesClient } from "../../../lib/kubernetes/client.ts";
import { RunContext } from "../../../lib/kubernetes/context.ts";
import { outputs } from "../../../lib/kubernetes/steps/outputs.ts";
import { fromSpec } from "../../../lib/kestra/mod.ts";
import { findStep, pod, PodValidationError, RunEventStream, type PodBuilder } from "../../../lib/mod.ts";

const base = (): PodBuilder => pod("p").container({ name: "main", image: "busybox" });

describe("outputValuesFile() in the plan", () => {
  test("adds the download of the file, and the merge, to a pod without output files", () => {
    const compiled = base().outputValuesFile().compile();
    expect(findStep(compiled.plan, "downloadOutputs")?.globs).toEqual(["outputs.json"]);
    expect(findStep(compiled.plan, "collectOutputValues")).toEqual({ kind: "collectOutputValues", nonce: false, file: "outputs.json" });
    expect(compiled.manifest.spec?.containers.map((c) => c.name)).toEqual(["main", "podkit-outputs"]);
    expect(compiled.describe()).toContain('then merge the JSON object of "outputs.json" over them');
  });

  test("is downloaded beside the output globs, under the name given", () => {
    const compiled = base().outputFiles("*.csv").outputValuesFile("result/values.json").compile();
    expect(findStep(compiled.plan, "downloadOutputs")?.globs).toEqual(["*.csv", "result/values.json"]);
  });

  test("a pod without it has no file in its collect step", () => {
    expect(findStep(base().compile().plan, "collectOutputValues")).toEqual({ kind: "collectOutputValues", nonce: false });
  });

  test.each([
    ["*.json", /is a glob/],
    ["/tmp/outputs.json", /is absolute/],
    ["../outputs.json", /climbs out/],
    ["out/", /not a file name/],
    [".podkit-ended", /not a file name/],
  ])("compile() refuses %s, naming outputValuesFile", (name, message) => {
    let error: unknown;
    try {
      base().outputValuesFile(name).compile();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PodValidationError);
    const issue = (error as PodValidationError).issues.find((i) => i.path === "outputValuesFile");
    expect(issue?.message).toMatch(message);
  });

  test("podkit's own form takes outputValuesFile", () => {
    const builder = fromSpec({ containers: [{ name: "main", image: "busybox" }], outputValuesFile: "return.json" });
    expect(builder.description.outputValuesFile).toBe("return.json");
  });
});

function context(builder: PodBuilder, lines: readonly string[] = []): RunContext {
  const ctx = new RunContext({
    compiled: builder.compile(),
    client: {} as KubernetesClient,
    identity: { runId: "r", namespace: "default" },
    options: {},
    events: new RunEventStream({}),
    eventsWanted: false,
  });
  for (const line of lines) ctx.logLine({ container: "main", line, timestamp: "2026-12-01T00:00:00Z" });
  return ctx;
}

/** Runs the collect step as if `content` had been downloaded as outputs.json (undefined: not written). */
async function collect(content: string | undefined, lines: readonly string[] = []): Promise<RunContext> {
  const ctx = context(base().outputValuesFile(), lines);
  if (content !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), "podkit-values-"));
    const path = join(dir, "outputs.json");
    writeFileSync(path, content);
    ctx.record.outputFiles = [{ name: "outputs.json", path, size: content.length, sha256: "" }];
  }
  await outputs(findStep(ctx.plan, "collectOutputValues") ?? { kind: "collectOutputValues", nonce: false }, ctx);
  return ctx;
}

describe("the collect step with an output values file", () => {
  test("merges the file's object over the values of the log lines", async () => {
    const ctx = await collect('{"b": 2, "c": {"deep": [1]}}', ['::{"outputs":{"a":1,"b":1}}::']);
    expect(ctx.record.vars).toEqual({ a: 1, b: 2, c: { deep: [1] } });
    expect(ctx.record.outputValuesError).toBeUndefined();
  });

  test.each([
    ["[1, 2]", /holds an array, not a JSON object/],
    ["42", /holds a number, not a JSON object/],
    ["null", /holds null, not a JSON object/],
    ["{broken", /is not JSON/],
  ])("%s keeps the lines' values and says why in outputValuesError", async (content, message) => {
    const ctx = await collect(content, ['::{"outputs":{"a":1}}::']);
    expect(ctx.record.vars).toEqual({ a: 1 });
    expect(ctx.record.outputValuesError).toMatch(/^Cannot read output values from "outputs.json": /);
    expect(ctx.record.outputValuesError).toMatch(message);
  });

  test("a file the pod did not write is an error naming where it was expected", async () => {
    const ctx = await collect(undefined);
    expect(ctx.record.vars).toEqual({});
    expect(ctx.record.outputValuesError).toMatch(/the pod did not write it in \/podkit\/work/);
  });

  test("a failed download is named as the reason", async () => {
    const ctx = context(base().outputValuesFile());
    ctx.record.outputsError = "the podkit-outputs container is not running (terminated)";
    await outputs(findStep(ctx.plan, "collectOutputValues") ?? { kind: "collectOutputValues", nonce: false }, ctx);
    expect(ctx.record.outputValuesError).toMatch(/could not be collected \(the podkit-outputs container is not running/);
  });

  test("a __proto__ key stays a plain value", async () => {
    const ctx = await collect('{"__proto__": {"polluted": true}}');
    expect(Object.getPrototypeOf(ctx.record.vars)).toBe(Object.prototype);
    expect(Object.keys(ctx.record.vars)).toEqual(["__proto__"]);
  });
});
