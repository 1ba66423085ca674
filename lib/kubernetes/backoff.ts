/**
 * Waits `ms` milliseconds, or rejects with the signal's reason as soon as it aborts. The
 * timer never outlives the wait.
 *
 * @example
 * ```ts
 * import { delay } from "./backoff.ts";
 * await delay(10, AbortSignal.timeout(1000));
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of a {@link Backoff}. */
export interface BackoffOptions {
  /** @default 200 */
  readonly initialMs?: number;
  /** @default 5000 */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with jitter for reconnecting streams: 200 ms, 400 ms, … up to 5 s,
 * back to the start after a success.
 *
 * @example
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const backoff = new Backoff({ initialMs: 100 });
 * backoff.next(); // between 50 and 100
 * backoff.reset();
 * ```
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 200;
    this.#maxMs = options.maxMs ?? 5000;
  }

  /** The number of delays drawn since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempt = 0;
  }

  /** Waits for the next delay. */
  wait(signal?: AbortSignal): Promise<void> {
    return delay(this.next(), signal);
  }
}
