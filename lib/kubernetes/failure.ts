import { findStep } from "../plan/plan.ts";
import { PodRunError } from "../run/errors.ts";
import type { RunResult } from "../run/result.ts";
import { apiMessage } from "./api_error.ts";
import type { RunContext } from "./context.ts";
import { collectOutputValues } from "./logs/output_values.ts";
import { buildResult } from "./outcome.ts";
import { StepFailure, UNFINISHED } from "./step_failure.ts";
import { formatEvents } from "./watch/pod_events.ts";

/**
 * Turns whatever ended a run early into a `PodRunError` with the whole story: reads the
 * logs of containers that ended to the end, reads the pod's events, deletes a pod that
 * could not finish (or that the plan deletes), and collects the output values printed so far.
 */
export async function fail(error: unknown, ctx: RunContext): Promise<PodRunError> {
  const userSignal = ctx.options.signal;
  const aborted = userSignal?.aborted === true;
  const failure: StepFailure = aborted
    ? new StepFailure("Aborted", ctx.step, `The run of ${ctx.where} was aborted${ctx.podName === undefined && ctx.pendingCreate === undefined ? " before the pod was created" : "; the pod was deleted"}`, {
        cause: userSignal?.reason,
      })
    : error instanceof StepFailure
      ? error
      : new StepFailure("ApiError", ctx.step, `Cannot run ${ctx.where}: ${apiMessage(error)}`, { cause: error });
  if (!aborted && failure.reason !== "DeletedExternally" && ctx.observation().userDone) {
    // Whatever the containers wrote explains the failure: read it to the end first.
    ctx.finished = true;
    await ctx.logs.drain(Math.min(findStep(ctx.plan, "waitCompletion")?.lateLogBudgetMs ?? 5000, 5000));
  }
  await ctx.logs.stop();
  if (ctx.podName !== undefined || ctx.pendingCreate !== undefined) {
    await ctx.readPodEvents();
    const finished = ctx.observation().userDone;
    const unfinished = UNFINISHED.has(failure.reason) || !finished;
    const mustDelete = findStep(ctx.plan, "delete")?.enabled !== false || unfinished;
    if (mustDelete && failure.reason !== "DeletedExternally") {
      // A pod that could not finish is stopped at once; one that ended has nothing to stop.
      await ctx.deletePod(aborted || unfinished ? 0 : undefined).catch(() => undefined);
    }
  }
  ctx.record.vars = collectOutputValues(
    ctx.events.lines.map((l) => l.line),
    findStep(ctx.plan, "collectOutputValues")?.nonce === true ? ctx.nonce : undefined,
  );
  return runError(failure, ctx, ctx.podName === undefined ? undefined : buildResult(ctx, failure));
}

/** The `PodRunError` of a failure, with the pod's events when they explain it and the log tail. */
export function runError(failure: StepFailure, ctx: RunContext, result: RunResult | undefined): PodRunError {
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
      logTail: ctx.events.tail(20),
      ...(result === undefined ? {} : { result }),
      elapsedMs: ctx.events.elapsedMs,
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    },
    eventText,
  );
}
