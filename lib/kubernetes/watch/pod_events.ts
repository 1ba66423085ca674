import type { CoreV1Event } from "@kubernetes/client-node";
import type { PodEvent } from "../../run/result.ts";
import { isoTime as iso } from "../_plain.ts";
import type { KubernetesClient } from "../client.ts";
import { listAndWatch, type ListWatchSource } from "./list_watch.ts";

/**
 * Converts a core/v1 Event to a {@link PodEvent}, oldest fields first: `firstTimestamp`
 * and `lastTimestamp` fall back to `eventTime` and the series for events recorded by the
 * newer events API.
 *
 * @example
 * ```ts
 * import { toPodEvent } from "./pod_events.ts";
 * toPodEvent({ metadata: {}, involvedObject: {}, type: "Warning", reason: "Failed", message: "no such image" }).count; // 1
 * ```
 */
export function toPodEvent(event: CoreV1Event): PodEvent {
  const first = iso(event.firstTimestamp) ?? iso(event.eventTime);
  const last = iso(event.lastTimestamp) ?? iso(event.series?.lastObservedTime) ?? first;
  return {
    type: event.type ?? "Normal",
    reason: event.reason ?? "",
    message: event.message ?? "",
    count: event.count ?? event.series?.count ?? 1,
    ...containerOf(event.involvedObject?.fieldPath),
    ...(first === undefined ? {} : { firstTimestamp: first }),
    ...(last === undefined ? {} : { lastTimestamp: last }),
  };
}

/**
 * Lists the events about one pod, oldest first. Never throws: events explain a failure,
 * and a failure to read them must not hide the failure itself.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { KubernetesClient } from "../client.ts";
 * import { listPodEvents } from "./pod_events.ts";
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const events = await listPodEvents(new KubernetesClient(kc), "default", "demo");
 * for (const e of events) console.log(e.reason, e.message);
 * ```
 */
export async function listPodEvents(client: KubernetesClient, namespace: string, podName: string, uid?: string): Promise<PodEvent[]> {
  try {
    const list = await client.listPodEventsRaw(namespace, podName);
    return list.items
      .filter((e) => uid === undefined || e.involvedObject.uid === undefined || e.involvedObject.uid === uid)
      .map(toPodEvent)
      .sort((a, b) => (a.lastTimestamp ?? "").localeCompare(b.lastTimestamp ?? ""));
  } catch {
    return [];
  }
}

/**
 * Formats events for an error message, one per line, most recent last.
 *
 * @example
 * ```ts
 * import { formatEvents } from "./pod_events.ts";
 * formatEvents([{ type: "Warning", reason: "Failed", message: "pull failed", count: 2 }]); // "  Warning Failed (x2): pull failed"
 * ```
 */
export function formatEvents(events: readonly PodEvent[], limit = 10): string {
  return events
    .slice(-limit)
    .map((e) => `  ${e.type} ${e.reason}${e.count > 1 ? ` (x${e.count})` : ""}: ${e.message}`)
    .join("\n");
}

/**
 * Reports the events about one pod as they happen (pulling, pulled, back-off, failed
 * scheduling, …), those recorded before the call first, each version once. Reconnects
 * after a broken stream and relists when the watch version has expired; ends when the
 * signal aborts. Never throws: events inform, they do not decide.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { KubernetesClient } from "../client.ts";
 * import { followPodEvents } from "./pod_events.ts";
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const stop = new AbortController();
 * void followPodEvents(new KubernetesClient(kc), "default", "demo", {
 *   signal: stop.signal,
 *   onEvent: (e) => console.log(e.reason, e.message),
 * });
 * ```
 */
export async function followPodEvents(
  client: KubernetesClient,
  namespace: string,
  podName: string,
  options: { readonly signal: AbortSignal; readonly onEvent: (event: PodEvent) => void },
): Promise<void> {
  const seen = new Set<string>();
  const report = (event: CoreV1Event): void => {
    const key = `${event.metadata.uid ?? event.metadata.name ?? ""}:${event.count ?? event.series?.count ?? 1}`;
    if (seen.has(key)) return;
    seen.add(key);
    try {
      options.onEvent(toPodEvent(event));
    } catch {
      // A failing callback must not end the following.
    }
  };
  const source: ListWatchSource<CoreV1Event> = {
    list: () => client.listPodEventsRaw(namespace, podName),
    watch: (resourceVersion, signal) => client.watchPodEvents(namespace, podName, resourceVersion, signal),
  };
  for await (const change of listAndWatch(source, { signal: options.signal, backoff: { initialMs: 500, maxMs: 5000 } })) {
    if (change.type === "listed") change.items.forEach(report);
    else if (change.type === "ADDED" || change.type === "MODIFIED") report(change.object);
  }
}

/** The container an event is about, from its field path `spec.containers{name}`. */
function containerOf(fieldPath: string | undefined): { container?: string } {
  const open = fieldPath?.indexOf("{") ?? -1;
  if (fieldPath === undefined || open < 0 || !fieldPath.endsWith("}")) return {};
  return { container: fieldPath.slice(open + 1, -1) };
}
