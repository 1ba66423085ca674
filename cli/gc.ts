// `podkit gc`: deletes the podkit pods that no run follows any more.
import type { V1Pod } from "@kubernetes/client-node";
import { MANAGED_BY } from "../lib/compile/compile.ts";
import { formatDuration } from "../lib/compile/duration.ts";
import { LABELS } from "../lib/plan/plan.ts";
import { FINISHED_AT_ANNOTATION } from "../lib/plan/policy.ts";

/** The label selector of every pod podkit creates. */
export const GC_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

/**
 * The calls `podkit gc` makes; `KubernetesClient` of `lib/kubernetes/client.ts` has them.
 *
 * @example
 * ```ts
 * import type { GcClient } from "./gc.ts";
 * const none: GcClient = { listPods: async () => [], listPodsEverywhere: async () => [], deletePod: async () => true };
 * ```
 */
export interface GcClient {
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  listPodsEverywhere(labelSelector: string): Promise<V1Pod[]>;
  /** Resolves false when the pod was gone (or was another pod by then). */
  deletePod(namespace: string, name: string, options?: { gracePeriodSeconds?: number; uid?: string }): Promise<boolean>;
}

/**
 * Whether `podkit gc` deletes a pod, and why, in words a person reads.
 *
 * @example
 * ```ts
 * import type { GcVerdict } from "./gc.ts";
 * const verdict: GcVerdict = { delete: true, why: "finished PT2H ago (podkit.dev/finished-at)" };
 * ```
 */
export interface GcVerdict {
  readonly delete: boolean;
  readonly why: string;
}

function time(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** When the last container of a pod that ended stopped; undefined if one has not. */
function lastContainerEnd(pod: V1Pod): number | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length === 0) return undefined;
  let last = 0;
  for (const status of statuses) {
    const ended = time(status.state?.terminated?.finishedAt);
    if (ended === undefined) return undefined;
    last = Math.max(last, ended);
  }
  return last;
}

const ago = (ms: number): string => `${formatDuration(Math.max(0, Math.round(ms / 1000) * 1000))} ago`;

/**
 * Decides whether `podkit gc` deletes a podkit pod. It does when the pod has finished —
 * its `podkit.dev/finished-at` annotation (set on a pod kept by its finish policy) is at
 * least `olderThanMs` old, or its phase is `Succeeded` or `Failed` and all its containers
 * ended at least that long ago — or when it outlived its deadline by that much: its start
 * (else its creation) plus `spec.activeDeadlineSeconds` plus `olderThanMs` has passed.
 * Anything else may be followed by a live run and is kept: a pod that runs, or waits,
 * within its deadline.
 *
 * @param nowMs the current time, in milliseconds since the epoch
 * @example
 * ```ts
 * import { gcVerdict } from "./gc.ts";
 * const pod = { metadata: { name: "p", annotations: { "podkit.dev/finished-at": "2026-01-01T00:00:00Z" } } };
 * gcVerdict(pod, Date.parse("2026-01-01T02:00:00Z"), 3_600_000).delete; // true
 * ```
 */
export function gcVerdict(pod: V1Pod, nowMs: number, olderThanMs: number): GcVerdict {
  const threshold = formatDuration(olderThanMs);
  if (pod.metadata?.deletionTimestamp !== undefined) return { delete: false, why: "already being deleted" };
  const annotation = pod.metadata?.annotations?.[FINISHED_AT_ANNOTATION];
  const finishedAt = time(annotation);
  if (finishedAt !== undefined) {
    const age = nowMs - finishedAt;
    return age >= olderThanMs
      ? { delete: true, why: `finished ${ago(age)}, kept by its finish policy (${FINISHED_AT_ANNOTATION})` }
      : { delete: false, why: `finished ${ago(age)}, less than ${threshold}` };
  }
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    const ended = lastContainerEnd(pod);
    if (ended !== undefined) {
      const age = nowMs - ended;
      return age >= olderThanMs
        ? { delete: true, why: `${phase}, its containers ended ${ago(age)}` }
        : { delete: false, why: `${phase}, its containers ended ${ago(age)}, less than ${threshold}` };
    }
  }
  const deadlineSeconds = pod.spec?.activeDeadlineSeconds;
  // The cluster counts the deadline from the pod's start; a pod never started, from its creation.
  const start = time(pod.status?.startTime) ?? time(pod.metadata?.creationTimestamp);
  if (deadlineSeconds === undefined || start === undefined) return { delete: false, why: `${phase ?? "no phase"} without a deadline: a live run may follow it` };
  const expiredFor = nowMs - (start + deadlineSeconds * 1000);
  if (expiredFor >= olderThanMs) {
    return { delete: true, why: `${phase ?? "no phase"}, outlived its deadline (activeDeadlineSeconds ${deadlineSeconds}) ${ago(expiredFor)}` };
  }
  return {
    delete: false,
    why: expiredFor < 0 ? `${phase ?? "no phase"} within its deadline: a live run may follow it` : `${phase ?? "no phase"}, past its deadline for less than ${threshold}`,
  };
}

/**
 * Options of {@link collectGarbage}.
 *
 * @example
 * ```ts
 * import type { GcOptions } from "./gc.ts";
 * const options: GcOptions = { namespace: "jobs", olderThanMs: 3_600_000, dryRun: true };
 * ```
 */
export interface GcOptions {
  /** The namespace to clean; ignored with `allNamespaces`. */
  readonly namespace: string;
  /** Clean every namespace. @default false */
  readonly allNamespaces?: boolean;
  /** How long a pod must have been finished, or past its deadline. */
  readonly olderThanMs: number;
  /** Say what would be deleted, delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Stops between deletions. */
  readonly signal?: AbortSignal;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * One podkit pod `podkit gc` saw and what it did with it.
 *
 * @example
 * ```ts
 * import type { GcEntry } from "./gc.ts";
 * const entry: GcEntry = { namespace: "default", name: "main-x7k2p", action: "deleted", why: "Succeeded, its containers ended PT2H ago" };
 * ```
 */
export interface GcEntry {
  readonly namespace: string;
  readonly name: string;
  /** `deleted`, `wouldDelete` (dry run), `gone` (deleted by someone else meanwhile) or `kept`. */
  readonly action: "deleted" | "wouldDelete" | "gone" | "kept";
  readonly why: string;
}

/**
 * Lists the podkit pods of a namespace (or of all), and deletes those {@link gcVerdict}
 * condemns — with their UID as a precondition, so that a pod created since under the same
 * name is left alone. `onEntry` hears of each pod as it is handled, deleted ones first.
 *
 * @example
 * ```ts
 * import { collectGarbage } from "./gc.ts";
 * const client = { listPods: async () => [], listPodsEverywhere: async () => [], deletePod: async () => true };
 * const entries = await collectGarbage(client, { namespace: "default", olderThanMs: 3_600_000 }, () => {});
 * entries.length; // 0
 * ```
 */
export async function collectGarbage(client: GcClient, options: GcOptions, onEntry: (entry: GcEntry) => void): Promise<GcEntry[]> {
  const pods = options.allNamespaces === true ? await client.listPodsEverywhere(GC_SELECTOR) : await client.listPods(options.namespace, GC_SELECTOR);
  const now = (options.now ?? Date.now)();
  const judged = pods.map((pod) => ({ pod, verdict: gcVerdict(pod, now, options.olderThanMs) }));
  const entries: GcEntry[] = [];
  for (const { pod, verdict } of [...judged.filter((j) => j.verdict.delete), ...judged.filter((j) => !j.verdict.delete)]) {
    const namespace = pod.metadata?.namespace ?? options.namespace;
    const name = pod.metadata?.name ?? "";
    let action: GcEntry["action"] = "kept";
    if (verdict.delete && options.dryRun === true) action = "wouldDelete";
    else if (verdict.delete) {
      options.signal?.throwIfAborted();
      const uid = pod.metadata?.uid;
      action = (await client.deletePod(namespace, name, uid === undefined ? {} : { uid })) ? "deleted" : "gone";
    }
    const entry = { namespace, name, action, why: verdict.why };
    entries.push(entry);
    onEntry(entry);
  }
  return entries;
}
