import { formatDuration } from "../compile/duration.ts";
import { findStep } from "../plan/plan.ts";
import { PodRunError } from "../run/errors.ts";
import type { RunResult } from "../run/result.ts";
import { apiMessage } from "./api_error.ts";
import type { RunContext } from "./context.ts";
import { buildResult } from "./outcome.ts";
import { StepFailure, UNFINISHED } from "./step_failure.ts";
import { keeps, markFinished } from "./steps/delete.ts";
import { formatEvents } from "./watch/pod_events.ts";

/**
 * Turns whatever ended a run early into a `PodRunError` with the whole story: reads the
 * logs of containers that ended to the end, reads the pod's events, deletes a pod that
 * could not finish (or that the plan deletes), and collects the output values printed so far.
 */
export async function fail(error: unknown, ctx: RunContext): Promise<PodRunError> {
  const userSignal = ctx.options.signal;
  const aborted = userSignal?.aborted === true;
  const timedOut = !aborted && ctx.runDeadline?.aborted === true;
  const failure: StepFailure = timedOut
    ? new StepFailure("Timeout", ctx.step, `The run of ${ctx.where} did not end within ${formatDuration(findRetryDeadline(ctx))} (timeout)${ctx.podName === undefined ? "" : "; the pod was deleted"}`)
    : aborted
    ? new StepFailure("Aborted", ctx.step, `The run of ${ctx.where} was aborted${ctx.podName === undefined && ctx.pendingCreate === undefined ? " before the pod was created" : `; the pod was deleted${(findStep(ctx.plan, "delete")?.abortGraceSeconds ?? 0) > 0 ? " with its grace period" : ""}`}`, {
        cause: userSignal?.reason,
      })
    : error instanceof StepFailure
      ? error
      : new StepFailure("ApiError", ctx.step, `Cannot run ${ctx.where}: ${apiMessage(error)}`, { cause: error });
  const deleteStep = findStep(ctx.plan, "delete");
  const grace = deleteStep?.abortGraceSeconds ?? 0;
  if (aborted && grace > 0 && ctx.podName !== undefined && !ctx.observation().userDone) {
    await stopGracefully(ctx, grace);
  } else if (!aborted && failure.reason !== "DeletedExternally" && ctx.observation().userDone) {
    // Whatever the containers wrote explains the failure: read it to the end first.
    ctx.finished = true;
    await ctx.logs.drain(Math.min(findStep(ctx.plan, "waitCompletion")?.lateLogBudgetMs ?? 5000, 5000));
  }
  await ctx.logs.stop();
  if ((ctx.podName !== undefined || ctx.pendingCreate !== undefined) && !ctx.deleted) {
    await ctx.readPodEvents();
    const finished = ctx.observation().userDone;
    const unfinished = UNFINISHED.has(failure.reason) || !finished || timedOut;
    if (failure.reason === "DeletedExternally") {
      // Nothing to delete.
    } else if (!keeps(deleteStep, true) || unfinished) {
      // A pod that could not finish is stopped at once; one that ended has nothing to stop.
      await ctx.deletePod(aborted || unfinished ? 0 : undefined).catch(() => undefined);
    } else {
      await markFinished(ctx);
    }
  }
  ctx.record.vars = ctx.outputValues();
  return runError(failure, ctx, ctx.podName === undefined ? undefined : buildResult(ctx, failure));
}

function findRetryDeadline(ctx: RunContext): number {
  return ctx.plan.retry?.deadlineMs ?? 0;
}

/**
 * An aborted run whose pod has a grace period: deletes the pod with it, so that its
 * containers receive SIGTERM, and reads their logs until they end or the grace period
 * passes. The caller's `forceSignal` cuts it short: the pod is then deleted at once.
 */
async function stopGracefully(ctx: RunContext, graceSeconds: number): Promise<void> {
  const force = ctx.options.forceSignal;
  if (force?.aborted !== true) await ctx.deletePod(graceSeconds).catch(() => undefined);
  const stop = AbortSignal.any([ctx.lifetime.signal, ...(force === undefined ? [] : [force])]);
  await ctx.tracker
    ?.until((s) => (s.deleted || s.observation?.userDone === true ? true : undefined), { signal: stop, deadline: Date.now() + graceSeconds * 1000 + 5000 })
    .catch(() => undefined);
  if (force?.aborted === true) {
    ctx.deleted = false;
    await ctx.deletePod(0).catch(() => undefined);
    return;
  }
  ctx.finished = true;
  await ctx.logs.drain(5000);
}

/** The `PodRunError` of a failure, with the pod's events when they explain it and the log tail. */
export function runError(failure: StepFailure, ctx: RunContext, result: RunResult | undefined): PodRunError {
  ctx.lastFailure = failure;
  const events = result?.events ?? ctx.record.podEvents;
  const eventText = events.length > 0 && failure.reason !== "ContainerFailed" && failure.reason !== "Aborted" ? `\n--- pod events ---\n${formatEvents(events)}` : "";
  const pod = ctx.podName === undefined ? undefined : ctx.currentPod();
  const phase = result?.phase ?? (pod?.status?.phase as RunResult["phase"] | undefined);
  ctx.emit({ type: "failed", reason: failure.reason, step: failure.step, shortMessage: failure.message });
  return new PodRunError(
    failure.message,
    {
      reason: failure.reason,
      step: failure.step,
      runId: ctx.runId,
      namespace: ctx.namespace,
      ...(ctx.podName === undefined ? {} : { podName: ctx.podName }),
      ...(phase === undefined ? {} : { phase }),
      ...(failure.exitCode === undefined ? {} : { exitCode: failure.exitCode }),
      ...(result === undefined ? {} : { containers: result.containers }),
      events,
      logTail: result?.logTail ?? ctx.logTail(),
      ...(result === undefined ? {} : { result }),
      attempts: result?.attempts ?? [...ctx.previousAttempts, { attempt: ctx.attempt, ...(ctx.podName === undefined ? {} : { podName: ctx.podName }), reason: failure.reason, durationMs: Math.round(performance.now() - ctx.attemptStartedAt) }],
      elapsedMs: ctx.events.elapsedMs,
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    },
    eventText,
  );
}
