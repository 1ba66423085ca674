import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { fromSpec, loadDefinition, PodDefinitionError, type PodDocument } from "../../../lib/kestra/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "podkit-spec-"));
const dataFile = join(dir, "data.txt");
writeFileSync(dataFile, "hello\n");

function issuesOf(make: () => unknown): { path: string; message: string }[] {
  try {
    make();
  } catch (error) {
    if (error instanceof PodDefinitionError) return error.issues.map((i) => ({ ...i }));
    throw error;
  }
  throw new Error("expected a PodDefinitionError");
}

const main = { name: "main", image: "busybox", command: ["true"] };

describe("fromSpec: podkit's own form mirrors the builder", () => {
  test("every key maps to its builder method", () => {
    const document: PodDocument = {
      name: "report",
      namespace: "jobs",
      labels: { app: "report" },
      annotations: { "example.com/owner": "data" },
      metadata: { generateName: "r-" },
      containers: [main],
      initContainers: [{ name: "prep", image: "busybox" }],
      volumes: [{ name: "v", emptyDir: {} }],
      spec: { nodeSelector: { pool: "batch" } },
      defaults: { resources: { limits: { memory: "64Mi" } } },
      inputFiles: { "a.txt": "text", "b.txt": { path: dataFile }, "c.bin": { base64: "AAEC" } },
      outputFiles: ["out/**"],
      workingDir: "/work",
      fileSidecar: { image: "alpine:3" },
      waitUntilRunning: "PT1M",
      waitRunning: 60_000,
      waitForLogInterval: "PT1S",
      waitUntilReady: "PT0S",
      delete: false,
      resume: false,
      runId: "nightly-1",
      connection: { kubeconfigPath: "/kc", context: "dev" },
      outputNonce: true,
    };
    const d = fromSpec(document).description;
    expect(d).toMatchObject({
      name: "report",
      namespace: "jobs",
      metadata: { labels: { app: "report" }, annotations: { "example.com/owner": "data" }, generateName: "r-" },
      containers: [main],
      initContainers: [{ name: "prep", image: "busybox" }],
      volumes: [{ name: "v", emptyDir: {} }],
      spec: { nodeSelector: { pool: "batch" } },
      defaults: { resources: { limits: { memory: "64Mi" } } },
      outputFiles: ["out/**"],
      workingDir: "/work",
      fileSidecar: { image: "alpine:3" },
      timeouts: { waitUntilRunning: "PT1M", waitRunning: 60_000, waitForLogInterval: "PT1S", waitUntilReady: "PT0S" },
      onFinish: "keep",
      resume: false,
      runId: "nightly-1",
      connection: { kubeconfigPath: "/kc", context: "dev" },
      outputNonce: true,
    });
    expect(d.inputFiles).toEqual([
      { name: "a.txt", content: "text" },
      { name: "b.txt", content: { path: dataFile } },
      { name: "c.bin", content: new Uint8Array([0, 1, 2]) },
    ]);
  });

  test("YAML text works, and relative { path } entries resolve from documentDir", () => {
    const d = fromSpec("containers: [{name: main, image: busybox}]\ninputFiles:\n  d.txt: { path: data.txt }\n", { documentDir: dir }).description;
    expect(d.inputFiles).toEqual([{ name: "d.txt", content: { path: dataFile } }]);
  });

  test("declared inputs render, a FILE input becomes a local file", () => {
    const d = fromSpec(
      {
        inputs: [{ id: "file", type: "FILE" }, { id: "greeting" }],
        containers: [{ ...main, command: ["echo", "{{ inputs.greeting }}"] }],
        inputFiles: { "in.txt": "{{inputs.file}}" },
      },
      { inputs: { file: dataFile, greeting: "hi" } },
    ).description;
    expect(d.containers[0]?.command).toEqual(["echo", "hi"]);
    expect(d.inputFiles).toEqual([{ name: "in.txt", content: { path: dataFile } }]);
  });

  test("unknown keys are errors with a suggestion", () => {
    expect(issuesOf(() => fromSpec({ containers: [main], waitUntilRuning: "PT1M", outputfiles: ["x"] }))).toEqual([
      { path: "waitUntilRuning", message: 'unknown property; did you mean "waitUntilRunning"?' },
      { path: "outputfiles", message: 'unknown property; did you mean "outputFiles"?' },
    ]);
  });

  test("a Kubernetes manifest is not podkit's form, and says so", () => {
    expect(issuesOf(() => fromSpec({ apiVersion: "v1", kind: "Pod", containers: [main] }))[0]?.message).toMatch(/^not supported: this is podkit's own form/);
  });

  test("wrong types name their path", () => {
    expect(issuesOf(() => fromSpec({ containers: [main, "x"], labels: { a: [1] }, inputFiles: { "a.txt": 3.5, "b.txt": { url: "x" } } }))).toEqual([
      { path: "labels.a", message: "expected a string, got a list" },
      { path: "containers[1]", message: 'expected a map, got "x"' },
      { path: 'inputFiles["b.txt"]', message: "expected text, { path } or { base64 }, got a map" },
    ]);
  });
});

describe("fromSpec: run policies", () => {
  test("retry, timeout, onFinish, acceptExitCodes, allowFailure and terminationGracePeriod reach the builder", () => {
    const builder = fromSpec(`
containers: [{ name: main, image: busybox }]
retry: { attempts: 3, on: [OOMKilled], exitCodes: [75], backoff: { initial: PT2S, factor: 3, max: PT1M } }
timeout: PT2H
onFinish: keepOnFailure
acceptExitCodes: [1, 2]
allowFailure: true
terminationGracePeriod: PT20S
`);
    const compiled = builder.compile();
    expect(compiled.plan.retry).toMatchObject({ attempts: 3, on: ["OOMKilled"], exitCodes: [75], backoff: { initialMs: 2000, factor: 3, maxMs: 60_000 }, deadlineMs: 7_200_000 });
    expect(builder.description.onFinish).toBe("keepOnFailure");
    expect(builder.description.acceptExitCodes).toEqual([1, 2]);
    expect(compiled.plan.allowFailure).toBe(true);
    expect(compiled.manifest.spec?.terminationGracePeriodSeconds).toBe(20);
  });

  test.each([
    [{ retry: { attempts: 0 } }, "retry.attempts", /1 or more/],
    [{ retry: { attempts: 2, backoff: "soon" } }, "retry.backoff", /PT3M/],
    [{ retry: { attempts: 2, backoff: { initial: "PT1S", factor: 0 } } }, "retry.backoff.factor", /1 or more/],
    [{ retry: { attempts: 2, tries: 3 } }, "retry.tries", /unknown property/],
    [{ onFinish: "keepOnSuccess" }, "onFinish", /expected "delete", "keepOnFailure" or "keep", got "keepOnSuccess"/],
    [{ acceptExitCodes: 1 }, "acceptExitCodes", /expected a list of exit codes/],
    [{ timeout: "2h" }, "timeout", /PT/],
  ])("%j is refused at its path", (extra, path, message) => {
    expect(issuesOf(() => fromSpec({ containers: [main], ...extra }))).toEqual([{ path, message: expect.stringMatching(message) }]);
  });
});

describe("loadDefinition", () => {
  test("recognises Kestra by type or tasks, podkit otherwise", () => {
    expect(loadDefinition({ type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [main] } }).format).toBe("kestra");
    expect(loadDefinition("tasks: [{id: t, type: io.kestra.plugin.kubernetes.core.PodCreate, spec: {containers: [{name: m, image: busybox}]}}]").format).toBe("kestra");
    expect(loadDefinition('{"containers": [{"name": "m", "image": "busybox"}]}').format).toBe("podkit");
  });

  test("a task id for a podkit document is an error", () => {
    expect(issuesOf(() => loadDefinition({ containers: [main] }, { taskId: "x" }))[0]?.message).toMatch(/not a Kestra flow/);
  });
});
