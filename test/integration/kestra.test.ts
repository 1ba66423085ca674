/**
 * fromKestra against the cluster under test: the four Kestra reference examples, read from
 * their YAML unchanged, run through the SDK (no command line) and bring back the 10 lines
 * and the copied file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { fromKestra } from "../../lib/kestra/mod.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { kubeconfigPath } from "./_cluster.ts";

const examples = new URL("../../examples/kestra/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, examples), "utf8");
const dir = mkdtempSync(join(tmpdir(), "podkit-kestra-it-"));
const input = join(dir, "data.txt");
writeFileSync(input, Buffer.from([0, 1, 2, 255, 10, 32, 32, 10]));
const runner = new KubernetesRunner({ connection: { kubeconfigPath: kubeconfigPath() } });

describe("fromKestra runs the reference examples on the cluster", () => {
  test("launch-a-pod logs exactly 1..10 and deletes its pod", async () => {
    const result = await fromKestra(read("launch-a-pod.yaml")).run(runner);
    expect(result.exitCode).toBe(0);
    expect(result.logs.map((l) => `${l.container}:${l.line}`)).toEqual(Array.from({ length: 10 }, (_, i) => `unittest:${i + 1}`));
    expect(result.deleted).toBe(true);
  });

  test.each(["input-and-output-files.yaml", "file-sidecar-resources.yaml", "container-default-spec.yaml"])(
    "%s brings back out.txt with the input's bytes",
    async (name) => {
      const outputDir = mkdtempSync(join(dir, "out-"));
      const result = await fromKestra(read(name), { inputs: { file: input } }).run(runner, { outputDir });
      expect(result.exitCode).toBe(0);
      expect(result.outputFiles.map((f) => f.name)).toEqual(["out.txt"]);
      expect(readFileSync(join(outputDir, "out.txt"))).toEqual(readFileSync(input));
    },
  );
});
