import { setTimeout as sleep } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { formatDuration } from "../../compile/duration.ts";
import { stampRunIdentity } from "../../plan/identity.ts";
import { LABELS, type CreateStep } from "../../plan/plan.ts";
import { ATTEMPT_LABEL, FINISHED_AT_ANNOTATION } from "../../plan/policy.ts";
import { apiMessage, apiStatus } from "../api_error.ts";
import type { RunContext } from "../context.ts";
import { StepFailure } from "../step_failure.ts";
import { followPodEvents } from "../watch/pod_events.ts";
import { PodTracker } from "../watch/pod_tracker.ts";
import { watchPod } from "../watch/watch.ts";

/**
 * Creates the pod, stamped with the run's identity, or adopts the pod an interrupted run
 * with the same run id left; then starts watching it and, while it starts, its events.
 */
export async function create(step: CreateStep, ctx: RunContext): Promise<void> {
  const { client } = ctx;
  let pod: V1Pod | undefined;
  let body: V1Pod;
  if (step.resume) pod = await raceAbort(findRunPod(ctx), ctx.signal);
  if (pod !== undefined) {
    ctx.resumed = true;
  } else {
    body = stampRunIdentity(ctx.compiled.manifest, ctx.plan.pod, { runId: ctx.runId, namespace: ctx.namespace, nonce: ctx.nonce, attempt: ctx.attempt });
    ctx.pendingCreate = client.createPod(ctx.namespace, body as V1Pod);
    // The start-up budget covers an API server that does not answer, too.
    const budget = AbortSignal.timeout(step.budgetMs);
    try {
      pod = await raceAbort(ctx.pendingCreate, AbortSignal.any([ctx.signal, budget]));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if (budget.aborted) {
        throw new StepFailure("Timeout", "create", `Cannot create ${ctx.where}: the API server did not answer within ${formatDuration(step.budgetMs)} (waitUntilRunning)`);
      }
      ctx.pendingCreate = undefined;
      const status = apiStatus(error);
      const name = body.metadata?.name;
      if (status === 409 && step.resume && name !== undefined) {
        const existing = await client.readPod(ctx.namespace, name).catch(() => undefined);
        if (existing?.metadata?.labels?.[LABELS.runId] === ctx.runId && existing.metadata.deletionTimestamp == null) {
          pod = existing;
          ctx.resumed = true;
        }
      }
      if (pod === undefined) {
        const hint = status === 409 ? "; choose another name, delete that pod, or give the same run id to reattach" : "";
        throw new StepFailure("ApiError", "create", `Cannot create ${ctx.where}: ${apiMessage(error)}${hint}`, { cause: error });
      }
    }
  }
  if (step.resume && !ctx.resumed) pod = await settleDuplicate(ctx, pod);
  ctx.adopt(pod);
  // A reattached pod may run a later attempt than this call's first: count on from it.
  ctx.attempt = Math.max(ctx.attempt, attemptOf(pod));
  const podName = ctx.podName as string;
  ctx.emit({ type: "created", podName, namespace: ctx.namespace, ...(ctx.uid === undefined ? {} : { uid: ctx.uid }), runId: ctx.runId, resumed: ctx.resumed, attempt: ctx.attempt });
  ctx.startupDeadline = Date.now() + step.budgetMs;
  const source = client.podWatchSource(ctx.namespace, podName);
  ctx.track(new PodTracker(watchPod(source, { signal: ctx.lifetime.signal }), pod, ctx.layout));
  if (wantsEvents(ctx)) {
    // What the scheduler and the kubelet report while the pod starts (pulling, back-off,
    // failed scheduling, …), as it happens; followed until the containers run.
    const followed = followPodEvents(client, ctx.namespace, podName, {
      signal: ctx.startupController.signal,
      onEvent: (event) => {
        const image = imageOf(ctx, event.container);
        const about = { ...(event.container === undefined ? {} : { container: event.container }), ...(image === undefined ? {} : { image }) };
        if (event.type !== "Warning" && event.reason === "Pulling") ctx.emit({ type: "pulling", ...about, message: event.message });
        else if (event.type !== "Warning" && event.reason === "Pulled") ctx.emit({ type: "pulled", ...about, message: event.message });
        // The scheduler's "Successfully assigned …" says what the scheduled event says.
        else if (event.type === "Warning" || event.reason !== "Scheduled") ctx.emit({ type: "podEvent", event });
      },
    });
    ctx.background.push(followed);
  }
}

function wantsEvents(ctx: RunContext): boolean {
  return ctx.options.onEvent !== undefined || ctx.options.onProgress !== undefined || ctx.eventsWanted;
}

function imageOf(ctx: RunContext, container: string | undefined): string | undefined {
  if (container === undefined) return undefined;
  const spec = ctx.compiled.manifest.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find((c) => c.name === container)?.image;
}

/**
 * The run's pod to reattach to: of the alive pods of the run id that no earlier run
 * finished with, the latest attempt's (not an attempt this run already left behind), the
 * oldest of those, which every caller agrees on.
 */
async function findRunPod(ctx: RunContext): Promise<V1Pod | undefined> {
  const pods = await ctx.client.listPods(ctx.namespace, `${LABELS.runId}=${ctx.runId}`);
  return pods
    .filter((p) => p.metadata?.deletionTimestamp == null && p.metadata?.annotations?.[FINISHED_AT_ANNOTATION] === undefined && attemptOf(p) >= ctx.attempt)
    .sort((a, b) => attemptOf(b) - attemptOf(a) || byAge(a, b))[0];
}

/** The attempt a pod runs, from its label; 1 for pods without one. */
function attemptOf(pod: V1Pod): number {
  const attempt = Number(pod.metadata?.labels?.[ATTEMPT_LABEL] ?? "1");
  return Number.isInteger(attempt) && attempt > 0 ? attempt : 1;
}

/**
 * Two calls with the same run id that both found no pod both create one. Each then looks
 * again: the one whose pod is not the oldest deletes it and reattaches to the oldest, so
 * the run keeps a single pod. A call that sees only its own pod looks once more a moment
 * later, as the other's create may not have been visible yet; both then order the pods
 * alike and agree on one.
 */
async function settleDuplicate(ctx: RunContext, created: V1Pod): Promise<V1Pod> {
  let oldest = await findRunPod(ctx).catch(() => undefined);
  if (oldest?.metadata?.uid === created.metadata?.uid && ctx.plan.pod.runId !== undefined) {
    await sleep(SETTLE_LOOK_AGAIN_MS, undefined, { signal: ctx.signal });
    oldest = await findRunPod(ctx).catch(() => undefined);
  }
  if (oldest === undefined || oldest.metadata?.uid === created.metadata?.uid) return created;
  const name = created.metadata?.name;
  if (name !== undefined) {
    await ctx.client.deletePod(ctx.namespace, name, { gracePeriodSeconds: 0, ...(created.metadata?.uid === undefined ? {} : { uid: created.metadata.uid }) }).catch(() => undefined);
  }
  ctx.resumed = true;
  return oldest;
}

/** How long a call that saw only its own pod waits before it looks for a twin again. */
const SETTLE_LOOK_AGAIN_MS = 1000;

/** Oldest first; the name breaks ties, so that every caller sorts alike. */
function byAge(a: V1Pod, b: V1Pod): number {
  const age = timeOf(a.metadata?.creationTimestamp) - timeOf(b.metadata?.creationTimestamp);
  return age !== 0 ? age : (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}

function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") return Date.parse(value) || 0;
  return 0;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
