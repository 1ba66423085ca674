import { setTimeout as sleep } from "node:timers/promises";
import { retryDelayMs } from "../plan/policy.ts";

/** Options of a {@link Backoff}. */
export interface BackoffOptions {
  /** The first delay's ceiling, in milliseconds. @default 200 */
  readonly initialMs?: number;
  /** The largest delay, in milliseconds. @default 5000 */
  readonly maxMs?: number;
  /**
   * Draw each delay between half its ceiling and the ceiling, so that clients that failed
   * together do not retry together. Without jitter, each delay is its ceiling.
   * @default true
   */
  readonly jitter?: boolean;
}

/**
 * The one retry schedule of podkit: exponential delays (200 ms, 400 ms, … up to 5 s by
 * default) with jitter, back to the start after a success. Reconnecting watches and log
 * streams and retried transfers each use one with their own numbers.
 *
 * @example
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const backoff = new Backoff({ initialMs: 100 });
 * backoff.next(); // between 50 and 100
 * backoff.next(); // between 100 and 200
 * backoff.reset();
 * await backoff.wait(AbortSignal.timeout(1000)); // 50 to 100 ms again
 * ```
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: boolean;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 200;
    this.#maxMs = options.maxMs ?? 5000;
    this.#jitter = options.jitter ?? true;
  }

  /** The number of delays drawn since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const ceiling = retryDelayMs({ initialMs: this.#initialMs, factor: 2, maxMs: this.#maxMs }, this.#attempt + 2);
    this.#attempt += 1;
    return this.#jitter ? Math.round(ceiling / 2 + (Math.random() * ceiling) / 2) : ceiling;
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempt = 0;
  }

  /**
   * Waits for the next delay, or rejects with the signal's reason as soon as it aborts.
   * The timer never outlives the wait.
   */
  async wait(signal?: AbortSignal): Promise<void> {
    try {
      await sleep(this.next(), undefined, { signal });
    } catch (error) {
      // node:timers rejects with its own AbortError; callers expect the signal's reason.
      throw signal?.aborted === true ? signal.reason : error;
    }
  }
}
