import { describe, expect, test } from "vitest";
import { findStep, pod, type PlanStep } from "../../../lib/mod.ts";

const base = pod().container({ name: "main", image: "busybox" });
const kinds = (steps: readonly PlanStep[]) => steps.map((s) => s.kind);

describe("the execution plan", () => {
  test("of a pod without files creates, waits, follows logs, waits for completion, collects values and deletes", () => {
    expect(kinds(base.compile().plan.steps)).toEqual([
      "create",
      "waitScheduled",
      "waitRunning",
      "followLogs",
      "waitCompletion",
      "collectOutputValues",
      "delete",
    ]);
  });

  test("uploads inputs between scheduling and running, and downloads outputs after completion", () => {
    const plan = base.inputFile("data.txt", "x").inputFile("conf/a.yaml", "y").outputFiles("out.txt", "reports/**").compile().plan;
    expect(kinds(plan.steps)).toEqual([
      "create",
      "waitScheduled",
      "uploadInputs",
      "waitRunning",
      "followLogs",
      "waitCompletion",
      "downloadOutputs",
      "collectOutputValues",
      "delete",
    ]);
    expect(plan.steps[2]).toEqual({ kind: "uploadInputs", budgetMs: 600_000, container: "podkit-init", workingDir: "/podkit/work", files: ["data.txt", "conf/a.yaml"] });
    expect(plan.steps[6]).toEqual({
      kind: "downloadOutputs",
      container: "podkit-outputs",
      workingDir: "/podkit/work",
      globs: ["out.txt", "reports/**"],
      sidecarBudgetMs: 600_000,
    });
  });

  test("waits for readiness only when waitUntilReady is above zero", () => {
    const plan = base.waitUntilReady("PT1M").compile().plan;
    expect(kinds(plan.steps).slice(2, 5)).toEqual(["waitRunning", "waitReady", "followLogs"]);
    expect(plan.steps[3]).toEqual({ kind: "waitReady", budgetMs: 60_000 });
  });

  test("each step carries its own budget in milliseconds, defaults included, and the plan repeats none", () => {
    const plan = base.compile().plan;
    expect(Object.keys(plan).sort()).toEqual(["pod", "steps"]);
    expect(plan.steps).toContainEqual({ kind: "create", resume: true, outputNonce: false, budgetMs: 600_000 });
    expect(plan.steps).toContainEqual({ kind: "waitCompletion", budgetMs: 3_600_000, containers: ["main"], lateLogBudgetMs: 5_000, acceptExitCodes: [] });
    expect(plan.steps.some((s) => s.kind === "waitReady")).toBe(false);
    const custom = base.waitUntilRunning("PT3M").waitRunning(90_000).waitForLogInterval("PT30S").compile().plan;
    expect(custom.steps).toContainEqual({ kind: "waitScheduled", budgetMs: 180_000 });
    expect(custom.steps).toContainEqual({ kind: "waitRunning", budgetMs: 180_000 });
    expect(custom.steps).toContainEqual({ kind: "waitCompletion", budgetMs: 90_000, containers: ["main"], lateLogBudgetMs: 30_000, acceptExitCodes: [] });
  });

  test("follows the logs of init containers and containers, podkit's own excepted", () => {
    const plan = base.initContainer({ name: "prep", image: "busybox" }).inputFile("a", "a").outputFiles("b").compile().plan;
    expect(plan.steps).toContainEqual({ kind: "followLogs", containers: ["prep", "main"] });
    expect(plan.pod.containers).toEqual(["main"]);
    expect(plan.pod.initContainers).toEqual(["prep"]);
  });

  test("records the run's identity and options for the runner", () => {
    const plan = pod("job")
      .namespace("batch")
      .container({ name: "main", image: "busybox" })
      .runId("r-1")
      .resume(false)
      .delete(false)
      .outputNonce()
      .connection({ masterUrl: "https://k8s:6443" })
      .compile().plan;
    expect(plan.pod).toEqual({ namespace: "batch", name: "job", generateName: "main-", runId: "r-1", containers: ["main"], initContainers: [] });
    expect(JSON.stringify(plan)).not.toContain("k8s:6443");
    expect(plan.steps[0]).toEqual({ kind: "create", resume: false, outputNonce: true, budgetMs: 600_000 });
    expect(plan.steps.at(-1)).toEqual({ kind: "delete", onFinish: "keep" });
    expect(plan.steps.at(-2)).toEqual({ kind: "collectOutputValues", nonce: true });
  });

  test("keeps the input contents beside the plan, not in it", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const compiled = base.inputFile("a.bin", bytes).compile();
    expect(compiled.inputs[0]?.content).toBe(bytes);
    expect(JSON.stringify(compiled.plan)).not.toContain("content");
    expect(findStep(compiled.plan, "uploadInputs")?.files).toEqual(["a.bin"]);
  });

  test("is plain, frozen data that survives a JSON round trip", () => {
    const plan = base.inputFile("a", "x").outputFiles("b").waitUntilReady("PT1M").compile().plan;
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.steps[0])).toBe(true);
  });
});

describe("describe()", () => {
  test("prints the plan as a numbered list with budgets, files, globs and containers", () => {
    const text = pod("job")
      .container({ name: "main", image: "busybox" })
      .waitUntilRunning("PT3M")
      .inputFile("data.txt", "x")
      .outputFiles("out.txt")
      .runId("r1")
      .compile()
      .describe();
    expect(text).toBe(
      [
        'Run pod "job" in the connection\'s namespace (else the kubeconfig context\'s, else "default"):',
        ' 1. Create the pod, or resume the pod of run "r1" if one is still there',
        " 2. Wait until a node is assigned (budget PT3M from creation)",
        ' 3. Upload 1 input file ("data.txt") into /podkit/work through container "podkit-init", verify them, then let the pod start',
        " 4. Wait until the containers run (budget PT3M from creation)",
        ' 5. Follow the logs of 1 container "main"',
        ' 6. Wait until container "main" ends (budget PT1H), then read late log lines for at most PT5S',
        ' 7. Download the files of /podkit/work matching "out.txt" through container "podkit-outputs", verify them, then let the sidecar end',
        ' 8. Collect output values from log lines "::{"outputs":{…}}::"',
        " 9. Delete the pod",
      ].join("\n"),
    );
  });

  test("is also what the compiled pod prints as a string", () => {
    const compiled = pod().container({ name: "main", image: "busybox" }).compile();
    expect(String(compiled)).toBe(compiled.describe());
  });

  test("names a generated pod by its prefix and says when the pod is kept", () => {
    const text = pod().container({ name: "main", image: "busybox" }).delete(false).compile().describe();
    expect(text.split("\n")[0]).toBe('Run a pod named "main-…" in the connection\'s namespace (else the kubeconfig context\'s, else "default"):');
    expect(text).toMatch(/Keep the pod \(delete is off\)/);
  });
});
