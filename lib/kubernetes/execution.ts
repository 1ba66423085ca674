import type { KubeConfig } from "@kubernetes/client-node";
import type { ConnectionOptions } from "../compile/description.ts";
import { drawRunIdentity, resolveNamespace } from "../plan/identity.ts";
import { PodRunError } from "../run/errors.ts";
import type { RunEventStream } from "../run/event_stream.ts";
import type { CompiledPod, RunResult } from "../run/result.ts";
import type { RunOptions } from "../run/runner.ts";
import { apiMessage } from "./api_error.ts";
import { KubernetesClient } from "./client.ts";
import { loadKubeConfig } from "./connection.ts";
import { RunContext } from "./context.ts";
import { fail, runError } from "./failure.ts";
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
  const userSignal = options.signal;
  const connection = compiled.connection ?? settings.connection;
  let ctx: RunContext;
  if (userSignal?.aborted) throw setUpError(compiled, connection, events, userSignal.reason, userSignal);
  try {
    const kubeConfig = settings.kubeConfig ?? (await loadKubeConfig(connection));
    const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
    const namespace = resolveNamespace({ explicit: compiled.plan.pod.namespace, connection: connection?.namespace, context });
    const identity = drawRunIdentity(compiled.plan, namespace);
    ctx = new RunContext({ compiled, client: new KubernetesClient(kubeConfig), identity, options, events, eventsWanted: settings.eventsWanted });
  } catch (error) {
    // Bad arguments (run id, connection options) are the caller's to fix: they throw as they are.
    if (error instanceof TypeError) throw error;
    throw setUpError(compiled, connection, events, error, userSignal);
  }

  const onAbort = (): void => ctx.controller.abort(userSignal?.reason);
  userSignal?.addEventListener("abort", onAbort, { once: true });
  let settled: PodRunError | undefined;
  try {
    for (const step of compiled.plan.steps) {
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
  await Promise.all([ctx.logs.stop(), ctx.tracker?.closed, ...ctx.background]);
}
