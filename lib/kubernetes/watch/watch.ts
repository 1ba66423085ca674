import type { V1Pod } from "@kubernetes/client-node";
import { match, P } from "ts-pattern";
import { Backoff, type BackoffOptions } from "../backoff.ts";

/** One event of a Kubernetes watch stream, as the API server sends it. */
export interface RawWatchEvent {
  /** `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`. */
  readonly type: string;
  /** The object, a bookmark's metadata, or a `Status` for errors. */
  readonly object: unknown;
}

/** A list of pods and the resourceVersion to watch from. */
export interface PodList {
  /** The pods listed (zero or one for a watch on one pod). */
  readonly items: readonly V1Pod[];
  /** The list's resourceVersion. */
  readonly resourceVersion: string;
}

/** What the watch loop needs from the API server, scoped to one pod. */
export interface PodWatchSource {
  /** Lists the pod (zero or one item) and returns the list's resourceVersion. */
  list(signal: AbortSignal): Promise<PodList>;
  /**
   * Watches from `resourceVersion` with bookmarks. The iterable ends when the server
   * closes the stream and throws when the connection breaks or the server refuses.
   */
  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<RawWatchEvent>;
}

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
  readonly onRelist?: (why: "start" | "gone" | "error") => void;
}

type StreamOutcome =
  | { readonly kind: "pod"; readonly pod: V1Pod }
  | { readonly kind: "deleted"; readonly pod?: V1Pod }
  | { readonly kind: "gone" }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "none" };

/** An HTTP status or a `Status` object's code, wherever an error carries it. */
function statusCode(error: unknown): number | undefined {
  return match(error)
    .with({ status: P.number }, (e) => e.status)
    .with({ code: P.number }, (e) => e.code)
    .with({ statusCode: P.number }, (e) => e.statusCode)
    .otherwise(() => undefined);
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
  const { signal } = options;
  const backoff = new Backoff(options.backoff);
  let uid: string | undefined;
  let resourceVersion: string | undefined;
  let relistWhy: "start" | "gone" | "error" = "start";

  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      options.onRelist?.(relistWhy);
      let listed: PodList;
      try {
        listed = await source.list(signal);
      } catch (error) {
        if (signal.aborted) return;
        if (statusCode(error) === 404) {
          yield { type: "deleted" };
          return;
        }
        await backoff.wait(signal).catch(() => undefined);
        continue;
      }
      backoff.reset();
      const pod = listed.items[0];
      if (pod === undefined || (uid !== undefined && pod.metadata?.uid !== uid)) {
        yield { type: "deleted" };
        return;
      }
      uid = pod.metadata?.uid;
      resourceVersion = listed.resourceVersion;
      yield { type: "pod", pod };
    }

    let gone = false;
    const openedAt = Date.now();
    try {
      for await (const event of source.watch(resourceVersion, signal)) {
        const outcome = match<RawWatchEvent, StreamOutcome>(event)
          .with({ type: P.union("ADDED", "MODIFIED") }, (e) => {
            const pod = e.object as V1Pod;
            if (uid !== undefined && pod.metadata?.uid !== undefined && pod.metadata.uid !== uid) return { kind: "deleted" };
            resourceVersion = pod.metadata?.resourceVersion ?? resourceVersion;
            return { kind: "pod", pod };
          })
          .with({ type: "DELETED" }, (e) => ({ kind: "deleted", pod: e.object as V1Pod }))
          .with({ type: "BOOKMARK" }, (e) => {
            resourceVersion = (e.object as V1Pod).metadata?.resourceVersion ?? resourceVersion;
            return { kind: "none" };
          })
          .with({ type: "ERROR" }, (e) => (statusCode(e.object) === 410 ? { kind: "gone" } : { kind: "error", error: e.object }))
          .otherwise(() => ({ kind: "none" }));
        if (outcome.kind === "deleted") {
          yield outcome.pod === undefined ? { type: "deleted" } : { type: "deleted", pod: outcome.pod };
          return;
        }
        if (outcome.kind === "pod") {
          backoff.reset();
          yield { type: "pod", pod: outcome.pod };
        }
        if (outcome.kind === "gone") {
          gone = true;
          break;
        }
        if (outcome.kind === "error") throw Object.assign(new Error("The watch stream reported an error"), { cause: outcome.error });
      }
    } catch (error) {
      if (signal.aborted) return;
      if (statusCode(error) === 410) {
        gone = true;
      } else {
        // A broken stream: reopen from the last version seen, after a pause. Repeated
        // failures fall back to a relist, which also notices a pod deleted meanwhile.
        await backoff.wait(signal).catch(() => undefined);
        if (backoff.attempts >= 3) {
          resourceVersion = undefined;
          relistWhy = "error";
        }
        continue;
      }
    }
    if (gone) {
      resourceVersion = undefined;
      relistWhy = "gone";
    }
    // Otherwise the server closed the stream at its timeout: reopen where it ended, at
    // once unless it closes right away every time.
    if (!gone && Date.now() - openedAt < 1000) await backoff.wait(signal).catch(() => undefined);
  }
}
