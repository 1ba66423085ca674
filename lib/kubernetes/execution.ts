import type { KubeConfig } from "@kubernetes/client-node";
import type { ConnectionOptions } from "../compile/description.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { drawRunIdentity, resolveNamespace, type RunIdentity } from "../plan/identity.ts";
import { retryDelayMs, shouldRetry } from "../plan/policy.ts";
import { PodRunError } from "../run/errors.ts";
import type { RunEventStream } from "../run/event_stream.ts";
import type { AttemptSummary, CompiledPod, RunResult } from "../run/result.ts";
import type { RunOptions } from "../run/runner.ts";
import { apiMessage } from "./api_error.ts";
import { KubernetesClient } from "./client.ts";
import { readKubeconfig } from "./connection.ts";
import { RunContext } from "./context.ts";
import { fail, runError } from "./failure.ts";
import { LogFile } from "./logs/log_file.ts";
import { buildResult } from "./outcome.ts";
import { runStep } from "./steps/mod.ts";

/** What the runner gives an execution besides the compiled pod. */
export interface ExecutionSettings {
  readonly kubeConfig?: KubeConfig | undefined;
  readonly connection?: ConnectionOptions | undefined;
  readonly eventsWanted: boolean;
}

/**
 * Executes a compiled pod's plan on the cluster, step by step, each by its module; hands
 * a failure to the failure module; always ends by stopping whatever still runs.
 */
export async function execute(compiled: CompiledPod, options: RunOptions, events: RunEventStream, settings: ExecutionSettings): Promise<RunResult> {
  // Opened before anything touches the cluster: a path that cannot be written fails the run first.
  const logFile = options.logFile === undefined ? undefined : await LogFile.open(options.logFile);
  if (logFile === undefined) return await attempts(compiled, options, events, settings, undefined);
  let result: RunResult;
  try {
    result = await attempts(compiled, options, events, settings, logFile);
  } finally {
    await logFile.close();
  }
  // A run whose log file is incomplete did not deliver what was asked, as a callback that threw.
  if (logFile.error !== undefined) throw logFile.error;
  return result;
}

async function attempts(compiled: CompiledPod, options: RunOptions, events: RunEventStream, settings: ExecutionSettings, logFile: LogFile | undefined): Promise<RunResult> {
  const userSignal = options.signal;
  const connection = compiled.connection ?? settings.connection;
  if (userSignal?.aborted) throw setUpError(compiled, connection, events, userSignal.reason, userSignal);
  let client: KubernetesClient;
  let identity: RunIdentity;
  try {
    const kubeConfig = settings.kubeConfig ?? (await readKubeconfig(connection));
    const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
    const namespace = resolveNamespace({ explicit: compiled.plan.pod.namespace, connection: connection?.namespace, context });
    identity = drawRunIdentity(compiled.plan, namespace);
    client = new KubernetesClient(kubeConfig);
  } catch (error) {
    // Bad arguments (run id, connection options) are the caller's to fix: they throw as they are.
    if (error instanceof TypeError) throw error;
    throw setUpError(compiled, connection, events, error, userSignal);
  }

  const { retry, allowFailure } = compiled.plan;
  const deadline = retry?.deadlineMs === undefined ? undefined : AbortSignal.timeout(retry.deadlineMs);
  const previousAttempts: AttemptSummary[] = [];
  let attempt = 1;
  while (true) {
    const ctx = new RunContext({ compiled, client, identity: { ...identity, attempt }, options, events, eventsWanted: settings.eventsWanted, previousAttempts, deadline, logFile });
    try {
      return await runAttempt(ctx);
    } catch (error) {
      if (!(error instanceof PodRunError)) throw error;
      const failure = ctx.lastFailure;
      attempt = ctx.attempt;
      const retried = retry !== undefined && failure !== undefined && !deadline?.aborted && shouldRetry(retry, attempt, failure);
      if (!retried) {
        if (allowFailure === true && error.result !== undefined && events.callbackError === undefined) return error.result;
        throw error;
      }
      previousAttempts.push(error.result?.attempts.at(-1) ?? { attempt, durationMs: Math.round(performance.now() - ctx.attemptStartedAt), reason: error.reason });
      const delayMs = retryDelayMs(retry.backoff, attempt + 1);
      events.emit(
        { type: "attemptFailed", attempt, reason: error.reason, ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }), shortMessage: error.shortMessage, nextAttempt: attempt + 1, delayMs },
        error.step,
      );
      const stop = AbortSignal.any([...(userSignal === undefined ? [] : [userSignal]), ...(deadline === undefined ? [] : [deadline])]);
      const waited = await sleep(delayMs, true, { signal: stop }).catch(() => false);
      if (!waited) throw error;
      attempt += 1;
    }
  }
}

/** Runs the plan's steps once, in one pod; hands a failure to the failure module. */
async function runAttempt(ctx: RunContext): Promise<RunResult> {
  const userSignal = ctx.options.signal;
  const onAbort = (): void => ctx.controller.abort(userSignal?.reason);
  const onDeadline = (): void => ctx.controller.abort(ctx.runDeadline?.reason);
  userSignal?.addEventListener("abort", onAbort, { once: true });
  ctx.runDeadline?.addEventListener("abort", onDeadline, { once: true });
  const { events } = ctx;
  let settled: PodRunError | undefined;
  try {
    for (const step of ctx.plan.steps) {
      ctx.step = step.kind;
      ctx.signal.throwIfAborted();
      const started = performance.now();
      try {
        await runStep(step, ctx);
      } finally {
        // Recorded for a failed step too: where the time went is part of the story.
        ctx.record.stepMs[step.kind] = (ctx.record.stepMs[step.kind] ?? 0) + Math.round(performance.now() - started);
      }
    }
    const failure = ctx.record.failure;
    if (failure !== undefined) {
      settled = runError(failure, ctx, buildResult(ctx, failure));
      throw settled;
    }
    const result = buildResult(ctx);
    if (events.callbackError !== undefined) throw events.callbackError;
    return result;
  } catch (error) {
    if (error === settled || (error === events.callbackError && error !== undefined)) throw error;
    throw await fail(error, ctx);
  } finally {
    userSignal?.removeEventListener("abort", onAbort);
    ctx.runDeadline?.removeEventListener("abort", onDeadline);
    await shutdown(ctx);
  }
}

/** The failure of a run that ended before it had a cluster to talk to. */
function setUpError(compiled: CompiledPod, connection: ConnectionOptions | undefined, events: RunEventStream, error: unknown, signal: AbortSignal | undefined): PodRunError {
  const namespace = resolveNamespace({ explicit: compiled.plan.pod.namespace, connection: connection?.namespace });
  const where = `pod "${namespace}/${compiled.plan.pod.name ?? `${compiled.plan.pod.generateName}…`}"`;
  const aborted = signal?.aborted === true;
  const reason = aborted ? "Aborted" : "ApiError";
  const shortMessage = aborted ? `The run of ${where} was aborted before the pod was created` : `Cannot run ${where}: ${apiMessage(error)}`;
  events.emit({ type: "failed", reason, step: "create", shortMessage }, "create");
  const cause = aborted ? signal?.reason : error;
  return new PodRunError(shortMessage, {
    reason,
    step: "create",
    runId: compiled.plan.pod.runId ?? "",
    namespace,
    elapsedMs: events.elapsedMs,
    ...(cause === undefined ? {} : { cause }),
  });
}

async function shutdown(ctx: RunContext): Promise<void> {
  ctx.onPodUpdate = undefined;
  ctx.startupController.abort();
  ctx.controller.abort();
  ctx.lifetime.abort();
  await Promise.all([ctx.logs.stop(), ctx.tracker?.closed, ...ctx.background]);
}
