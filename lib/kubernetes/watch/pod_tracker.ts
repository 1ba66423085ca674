import type { V1Pod } from "@kubernetes/client-node";
import { observePod, type PodLayout, type PodObservation } from "./pod_state.ts";
import type { PodWatchEvent } from "./watch.ts";

/** The latest known version of the pod, or its deletion. */
export interface PodSnapshot {
  /** The latest version seen, if any. */
  readonly pod: V1Pod | undefined;
  /** The pod is gone. */
  readonly deleted: boolean;
  /**
   * What the latest version says, worked out once per update for every reader; present
   * when the tracker was given the pod's layout and has seen a version.
   */
  readonly observation?: PodObservation;
}

/** The outcome of {@link PodTracker.until}: the value the check returned, or the deadline. */
export type UntilOutcome<T> =
  | {
      /** The check gave a value. */
      readonly kind: "value";
      /** What the check returned. */
      readonly value: T;
    }
  | {
      /** The deadline came first. */
      readonly kind: "deadline";
      /** The latest snapshot at the deadline. */
      readonly snapshot: PodSnapshot;
    };

/**
 * Keeps the latest version of a pod from a watch and lets the steps of a run wait for a
 * condition on it. Every wait is woken by watch events, never by polling, and ends at its
 * deadline or when its signal aborts; no timer outlives a wait.
 *
 * @example
 * ```ts
 * import { PodTracker } from "./pod_tracker.ts";
 * import { watchPod, type PodWatchSource } from "./watch.ts";
 * declare const source: PodWatchSource;
 * const controller = new AbortController();
 * const tracker = new PodTracker(watchPod(source, { signal: controller.signal }));
 * const outcome = await tracker.until((s) => (s.pod?.status?.phase === "Running" ? true : undefined), {
 *   signal: controller.signal,
 *   deadline: Date.now() + 60_000,
 * });
 * controller.abort();
 * await tracker.closed;
 * console.log(outcome.kind);
 * ```
 */
export class PodTracker {
  #snapshot: PodSnapshot = { pod: undefined, deleted: false };
  #seen = false;
  readonly #listeners = new Set<() => void>();
  /** Settles when the watch loop has stopped (its connection closed). */
  readonly closed: Promise<void>;

  readonly #layout: PodLayout | undefined;

  /** @param layout the user containers, to publish an observation with every snapshot */
  constructor(events: AsyncIterable<PodWatchEvent>, initial?: V1Pod, layout?: PodLayout) {
    this.#layout = layout;
    if (initial !== undefined) this.#snapshot = this.#observe({ pod: initial, deleted: false });
    this.closed = this.#consume(events);
  }

  #observe(snapshot: PodSnapshot): PodSnapshot {
    if (this.#layout === undefined || snapshot.pod === undefined) return snapshot;
    return { ...snapshot, observation: observePod(snapshot.pod, this.#layout) };
  }

  /** The latest version seen. */
  get snapshot(): PodSnapshot {
    return this.#snapshot;
  }

  /** True once the watch has reported at least once. */
  get seen(): boolean {
    return this.#seen;
  }

  async #consume(events: AsyncIterable<PodWatchEvent>): Promise<void> {
    try {
      for await (const event of events) {
        this.#seen = true;
        this.#snapshot = this.#observe(
          event.type === "pod" ? { pod: event.pod, deleted: false } : { pod: event.pod ?? this.#snapshot.pod, deleted: true },
        );
        this.#notify();
        if (event.type === "deleted") break;
      }
    } catch {
      // The loop only ends by abort or deletion; anything else stops updates, and waits
      // end at their deadlines.
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Calls `listener` after every update until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Waits until `check` returns a value other than `undefined` for the latest snapshot
   * (checked at once and after every update). Rejects when `check` throws or the signal
   * aborts; resolves with `deadline` when the deadline (epoch ms) passes first.
   */
  until<T>(
    check: (snapshot: PodSnapshot) => T | undefined,
    options: { readonly signal: AbortSignal; readonly deadline?: number },
  ): Promise<UntilOutcome<T>> {
    return new Promise<UntilOutcome<T>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let unsubscribe = (): void => undefined;
      const finish = (settle: () => void): void => {
        if (timer !== undefined) clearTimeout(timer);
        unsubscribe();
        options.signal.removeEventListener("abort", onAbort);
        settle();
      };
      const onAbort = (): void => finish(() => reject(options.signal.reason));
      const evaluate = (): boolean => {
        let value: T | undefined;
        try {
          value = check(this.#snapshot);
        } catch (error) {
          finish(() => reject(error));
          return true;
        }
        if (value === undefined) return false;
        finish(() => resolve({ kind: "value", value }));
        return true;
      };
      if (options.signal.aborted) {
        reject(options.signal.reason);
        return;
      }
      if (evaluate()) return;
      unsubscribe = this.subscribe(() => void evaluate());
      options.signal.addEventListener("abort", onAbort, { once: true });
      if (options.deadline !== undefined) {
        timer = setTimeout(() => finish(() => resolve({ kind: "deadline", snapshot: this.#snapshot })), Math.max(0, options.deadline - Date.now()));
      }
    });
  }
}
