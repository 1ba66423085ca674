import type { AttemptSummary, RunResult } from "../run/result.ts";
import type { RunContext } from "./context.ts";
import type { StepFailure } from "./step_failure.ts";
import { containerResults, firstFailure, podMilestones } from "./watch/pod_state.ts";

/**
 * The result of a run from what its context holds: the same shape whether it succeeded
 * or failed (`failure` fills `failed`, `reason`, `step` and `shortMessage`).
 */
export function buildResult(ctx: RunContext, failure?: StepFailure): RunResult {
  const pod = ctx.currentPod();
  const containers = containerResults(pod, ctx.layout);
  const failed = firstFailure(containers);
  const observation = ctx.observation();
  const reported = observation.phase as RunResult["phase"];
  const phase = observation.userDone ? (failed === undefined && reported !== "Failed" ? "Succeeded" : "Failed") : reported;
  const { record } = ctx;
  const lines = ctx.lines();
  const current: AttemptSummary = {
    attempt: ctx.attempt,
    ...(ctx.podName === undefined ? {} : { podName: ctx.podName }),
    ...(ctx.uid === undefined ? {} : { uid: ctx.uid }),
    ...(failure === undefined ? {} : { reason: failure.reason }),
    ...(observation.userDone ? { exitCode: failed?.exitCode ?? 0 } : failure?.exitCode === undefined ? {} : { exitCode: failure.exitCode }),
    durationMs: Math.round(performance.now() - ctx.attemptStartedAt),
  };
  return {
    failed: failure !== undefined,
    ...(failure === undefined ? {} : { reason: failure.reason, step: failure.step, shortMessage: failure.message }),
    podName: ctx.podName ?? "",
    namespace: ctx.namespace,
    ...(ctx.uid === undefined ? {} : { uid: ctx.uid }),
    runId: ctx.runId,
    phase,
    exitCode: failed?.exitCode ?? 0,
    containers,
    logs: lines,
    ...(ctx.lineCount > lines.length ? { droppedLines: ctx.lineCount - lines.length } : {}),
    logTail: ctx.logTail(),
    attempts: [...ctx.previousAttempts, current],
    ...(record.incompleteLogs.length === 0 ? {} : { incompleteLogs: [...record.incompleteLogs] }),
    vars: record.vars,
    ...(record.outputValuesError === undefined ? {} : { outputValuesError: record.outputValuesError }),
    metrics: [...ctx.metrics],
    ...(record.outputDir === undefined ? {} : { outputDir: record.outputDir }),
    outputFiles: record.outputFiles,
    refusedOutputs: record.refused,
    ...(record.outputsError === undefined ? {} : { outputsError: record.outputsError }),
    events: record.podEvents,
    timings: { ...podMilestones(pod, ctx.layout), durationMs: ctx.events.elapsedMs, steps: { ...record.stepMs } },
    resumed: ctx.resumed,
    deleted: ctx.deleted,
  };
}
