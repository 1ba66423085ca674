import { outputGlobs, type PodDescription, type RetryInput } from "../compile/description.ts";
import { parseDuration, type DurationInput } from "../compile/duration.ts";
import { FILE_TRANSFER, type DeleteStep, type ExecutionPlan, type PlanStep } from "./plan.ts";
import { DEFAULT_RETRY_ON, type RetryBackoff, type RetryPlan } from "./policy.ts";
import { frozenCopy } from "../compile/_data.ts";

/**
 * The execution plan of a valid description: what a runner does, step by step, with
 * every budget in milliseconds. Call it on descriptions `validate()` accepts.
 *
 * @param generateName the prefix for a generated pod name, as compile() chose it
 * @example
 * ```ts
 * import { buildPlan, pod } from "podkit";
 * const plan = buildPlan(pod("x").container({ name: "main", image: "busybox" }).description, "x-");
 * plan.steps.map((step) => step.kind);
 * // ["create", "waitScheduled", "waitRunning", "followLogs", "waitCompletion", "collectOutputValues", "delete"]
 * ```
 */
export function buildPlan(description: PodDescription, generateName: string): ExecutionPlan {
  const timeouts = {
    waitUntilRunningMs: parseDuration(description.timeouts.waitUntilRunning),
    waitRunningMs: parseDuration(description.timeouts.waitRunning),
    waitForLogIntervalMs: parseDuration(description.timeouts.waitForLogInterval),
    waitUntilReadyMs: parseDuration(description.timeouts.waitUntilReady),
  };
  const containers = description.containers.map((c) => c.name);
  const initContainers = description.initContainers.map((c) => c.name);
  const inputNames = description.inputFiles.map((f) => f.name);
  const steps: PlanStep[] = [
    { kind: "create", resume: description.resume, outputNonce: description.outputNonce, budgetMs: timeouts.waitUntilRunningMs },
    { kind: "waitScheduled", budgetMs: timeouts.waitUntilRunningMs },
  ];
  if (inputNames.length > 0) {
    steps.push({
      kind: "uploadInputs",
      budgetMs: timeouts.waitUntilRunningMs,
      container: FILE_TRANSFER.initContainer,
      workingDir: description.workingDir,
      files: inputNames,
    });
  }
  steps.push({ kind: "waitRunning", budgetMs: timeouts.waitUntilRunningMs });
  if (timeouts.waitUntilReadyMs > 0) steps.push({ kind: "waitReady", budgetMs: timeouts.waitUntilReadyMs });
  steps.push(
    { kind: "followLogs", containers: [...initContainers, ...containers] },
    {
      kind: "waitCompletion",
      budgetMs: timeouts.waitRunningMs,
      containers,
      lateLogBudgetMs: timeouts.waitForLogIntervalMs,
      acceptExitCodes: description.acceptExitCodes,
    },
  );
  const globs = outputGlobs(description);
  if (globs.length > 0) {
    steps.push({
      kind: "downloadOutputs",
      container: FILE_TRANSFER.sidecar,
      workingDir: description.workingDir,
      globs,
      sidecarBudgetMs: timeouts.waitUntilRunningMs,
    });
  }
  steps.push(
    { kind: "collectOutputValues", nonce: description.outputNonce, ...(description.outputValuesFile === undefined ? {} : { file: description.outputValuesFile }) },
    deleteStep(description),
  );

  const plan: ExecutionPlan = {
    pod: {
      ...(description.namespace === undefined ? {} : { namespace: description.namespace }),
      ...(description.name === undefined ? {} : { name: description.name }),
      generateName,
      ...(description.runId === undefined ? {} : { runId: description.runId }),
      containers,
      initContainers,
    },
    steps,
    ...(description.retry === undefined && description.timeout === undefined ? {} : { retry: retryPlan(description.retry, description.timeout) }),
    ...(description.allowFailure ? { allowFailure: true } : {}),
  };
  return frozenCopy(plan);
}

function deleteStep(description: PodDescription): DeleteStep {
  const grace = description.spec.terminationGracePeriodSeconds;
  return { kind: "delete", onFinish: description.onFinish, ...(grace === undefined || grace === null || grace <= 0 ? {} : { abortGraceSeconds: grace }) };
}

/** The retry policy with every default applied and every duration in milliseconds. */
function retryPlan(retry: RetryInput | undefined, timeout: DurationInput | undefined): RetryPlan {
  const backoff = retry?.backoff;
  const schedule: RetryBackoff =
    backoff === undefined
      ? { initialMs: 1000, factor: 2, maxMs: 60_000 }
      : typeof backoff === "string" || typeof backoff === "number"
        ? { initialMs: parseDuration(backoff), factor: 1, maxMs: parseDuration(backoff) }
        : { initialMs: parseDuration(backoff.initial), factor: backoff.factor ?? 2, maxMs: backoff.max === undefined ? 60_000 : parseDuration(backoff.max) };
  return {
    attempts: retry?.attempts ?? 1,
    on: retry?.on ?? DEFAULT_RETRY_ON,
    exitCodes: retry?.exitCodes ?? [],
    backoff: schedule,
    ...(timeout === undefined ? {} : { deadlineMs: parseDuration(timeout) }),
  };
}
