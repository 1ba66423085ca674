import { apiStatus } from "../api_error.ts";
import { Backoff, type BackoffOptions } from "../backoff.ts";

/** One event of a Kubernetes watch stream, as the API server sends it. */
export interface RawWatchEvent {
  /** `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`. */
  readonly type: string;
  /** The object, a bookmark's metadata, or a `Status` for errors. */
  readonly object: unknown;
}

/** A list of objects and the resourceVersion to watch from. */
export interface ListedObjects<T> {
  /** The objects listed. */
  readonly items: readonly T[];
  /** The list's resourceVersion. */
  readonly resourceVersion: string;
}

/** What {@link listAndWatch} needs from the API server, for one kind of object. */
export interface ListWatchSource<T> {
  /** Lists the objects and returns the list's resourceVersion. */
  list(signal: AbortSignal): Promise<ListedObjects<T>>;
  /**
   * Watches from `resourceVersion` with bookmarks. The iterable ends when the server
   * closes the stream and throws when the connection breaks or the server refuses.
   */
  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<RawWatchEvent>;
}

/** Why the objects are listed (again): the start, `410 Gone`, or repeated failures. */
export type RelistReason = "start" | "gone" | "error";

/** What {@link listAndWatch} reports. */
export type ListWatchEvent<T> =
  | {
      /** A list, at the start and after each relist. */
      readonly type: "listed";
      /** The objects as the server has them. */
      readonly items: readonly T[];
      /** Why they were listed. */
      readonly why: RelistReason;
    }
  | {
      /** A list failed; the next attempt follows a backoff unless the consumer stops. */
      readonly type: "listFailed";
      /** The error, with its HTTP status when the server answered. */
      readonly error: unknown;
    }
  | {
      /** A change the watch reported. */
      readonly type: "ADDED" | "MODIFIED" | "DELETED";
      /** The object, as of that change. */
      readonly object: T;
    };

/** Options of {@link listAndWatch}. */
export interface ListAndWatchOptions {
  /** Ends the loop (the iterator returns). */
  readonly signal: AbortSignal;
  /** Delays between failed attempts. @default { initialMs: 200, maxMs: 5000 } */
  readonly backoff?: BackoffOptions;
  /** Called before every list, with why. */
  readonly onRelist?: (why: RelistReason) => void;
}

/** Broken streams in a row, with no change in between, before the loop lists again. */
const RELIST_AFTER_FAILURES = 3;
/** A stream the server closes sooner than this is reopened after a backoff, not at once. */
const SHORTEST_STREAM_MS = 1000;

function versionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof version === "string" ? version : undefined;
}

/**
 * Lists objects, then watches them from the list's resourceVersion with bookmarks,
 * tracking the resourceVersion of every event, for as long as the signal allows: the
 * informer pattern of Kubernetes clients, once for every kind podkit follows. A stream the
 * server closes is reopened where it ended; a broken one after a backoff, and after
 * repeated failures by a relist; `410 Gone` (the version is too old) relists at once. A
 * failed list is reported and tried again after a backoff; the consumer stops the loop by
 * leaving its `for await`. Never throws; never polls.
 *
 * @example
 * ```ts
 * import type { V1Pod } from "@kubernetes/client-node";
 * import { listAndWatch, type ListWatchSource } from "./list_watch.ts";
 * declare const pods: ListWatchSource<V1Pod>;
 * for await (const change of listAndWatch(pods, { signal: AbortSignal.timeout(60_000) })) {
 *   if (change.type === "listed") console.log(change.items.length, "pods");
 *   else if (change.type !== "listFailed") console.log(change.type, change.object.metadata?.name);
 * }
 * ```
 */
export async function* listAndWatch<T>(source: ListWatchSource<T>, options: ListAndWatchOptions): AsyncGenerator<ListWatchEvent<T>, void, undefined> {
  const { signal } = options;
  const backoff = new Backoff(options.backoff);
  const pause = (): Promise<void> => backoff.wait(signal).catch(() => undefined);
  let resourceVersion: string | undefined;
  let why: RelistReason = "start";

  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      options.onRelist?.(why);
      let listed: ListedObjects<T>;
      try {
        listed = await source.list(signal);
      } catch (error) {
        if (signal.aborted) return;
        yield { type: "listFailed", error };
        await pause();
        continue;
      }
      backoff.reset();
      resourceVersion = listed.resourceVersion;
      yield { type: "listed", items: listed.items, why };
    }

    let gone = false;
    const openedAt = Date.now();
    try {
      for await (const event of source.watch(resourceVersion, signal)) {
        if (event.type === "ERROR") {
          if (apiStatus(event.object) === 410) {
            gone = true;
            break;
          }
          throw Object.assign(new Error("The watch stream reported an error"), { cause: event.object });
        }
        resourceVersion = versionOf(event.object) ?? resourceVersion;
        if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED") {
          backoff.reset();
          yield { type: event.type, object: event.object as T };
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (apiStatus(error) === 410) {
        gone = true;
      } else {
        // A broken stream: reopen from the last version seen, after a pause. Repeated
        // failures fall back to a list, which also shows what changed meanwhile.
        await pause();
        if (backoff.attempts >= RELIST_AFTER_FAILURES) {
          resourceVersion = undefined;
          why = "error";
        }
        continue;
      }
    }
    if (gone) {
      resourceVersion = undefined;
      why = "gone";
      continue;
    }
    // The server closed the stream at its timeout: reopen where it ended, at once unless
    // it closes right away every time.
    if (Date.now() - openedAt < SHORTEST_STREAM_MS) await pause();
    else backoff.reset();
  }
}
