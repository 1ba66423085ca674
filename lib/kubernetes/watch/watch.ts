import type { V1Pod } from "@kubernetes/client-node";
import { apiStatus } from "../api_error.ts";
import type { BackoffOptions } from "../backoff.ts";
import { listAndWatch, type ListedObjects, type ListWatchSource, type RelistReason } from "./list_watch.ts";

export type { RawWatchEvent } from "./list_watch.ts";

/** A list of pods (zero or one for a watch on one pod) and the resourceVersion to watch from. */
export type PodList = ListedObjects<V1Pod>;

/**
 * What the watch loop needs from the API server, scoped to one pod: a list of zero or one
 * pod, and a watch from a resourceVersion.
 */
export type PodWatchSource = ListWatchSource<V1Pod>;

/** What {@link watchPod} reports. */
export type PodWatchEvent =
  | {
      /** A version of the pod. */
      readonly type: "pod";
      /** The pod as the server has it. */
      readonly pod: V1Pod;
    }
  | {
      /** The pod is gone (or replaced by another of the same name). */
      readonly type: "deleted";
      /** Its last version, when the server sent it. */
      readonly pod?: V1Pod;
    };

/** Options of {@link watchPod}. */
export interface WatchPodOptions {
  /** Ends the loop (the iterator returns). */
  readonly signal: AbortSignal;
  /** Delays between failed attempts. @default { initialMs: 200, maxMs: 5000 } */
  readonly backoff?: BackoffOptions;
  /** Called on every relist, with why: `start`, `gone` (410) or `error`. */
  readonly onRelist?: (why: RelistReason) => void;
}

/**
 * Follows one pod for as long as the signal allows: lists it, then watches from the list's
 * resourceVersion with bookmarks, tracking the resourceVersion of every event. A stream the
 * server closes is reopened where it ended; a broken one after a backoff; `410 Gone` (the
 * version is too old) relists. Deletion is reported at once, as is a pod that a relist no
 * longer finds (or finds re-created with another uid). Never polls.
 *
 * @example
 * ```ts
 * import { watchPod, type PodWatchSource } from "./watch.ts";
 * declare const source: PodWatchSource;
 * for await (const event of watchPod(source, { signal: AbortSignal.timeout(60_000) })) {
 *   if (event.type === "deleted") break;
 *   console.log(event.pod.status?.phase);
 * }
 * ```
 */
export async function* watchPod(source: PodWatchSource, options: WatchPodOptions): AsyncGenerator<PodWatchEvent, void, undefined> {
  let uid: string | undefined;
  const replaced = (pod: V1Pod): boolean => uid !== undefined && pod.metadata?.uid !== undefined && pod.metadata.uid !== uid;
  for await (const change of listAndWatch(source, options)) {
    switch (change.type) {
      case "listFailed":
        if (apiStatus(change.error) !== 404) break;
        yield { type: "deleted" };
        return;
      case "listed": {
        // A relist that no longer finds the pod, or finds another of its name, saw it go.
        const pod = change.items[0];
        if (pod === undefined || (uid !== undefined && pod.metadata?.uid !== uid)) {
          yield { type: "deleted" };
          return;
        }
        uid = pod.metadata?.uid;
        yield { type: "pod", pod };
        break;
      }
      case "ADDED":
      case "MODIFIED":
        if (replaced(change.object)) {
          yield { type: "deleted" };
          return;
        }
        yield { type: "pod", pod: change.object };
        break;
      case "DELETED":
        yield { type: "deleted", pod: change.object };
        return;
    }
  }
}
