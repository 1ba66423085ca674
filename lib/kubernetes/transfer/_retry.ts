import { Backoff } from "../backoff.ts";
import { ExecConnectionError } from "./exec.ts";

/** Options of {@link retryOnConnectionLoss}. */
export interface RetryOptions {
  /** Further attempts after the first. */
  readonly retries: number;
  readonly signal?: AbortSignal | undefined;
  /** Pause before attempt n+1 is `baseDelayMs * 2^(n-1)`, at most 8 s. @default 1000 */
  readonly baseDelayMs?: number;
}

/**
 * Runs an idempotent transfer step again when its connection to the API server was lost
 * (an {@link ExecConnectionError}), e.g. while the API server restarts. Any other error,
 * and the last connection error, is thrown as it is.
 */
export async function retryOnConnectionLoss<T>(step: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, signal, baseDelayMs = 1000 } = options;
  const backoff = new Backoff({ initialMs: baseDelayMs, maxMs: 8000, jitter: false });
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await step(attempt);
    } catch (error) {
      if (!(error instanceof ExecConnectionError) || attempt > retries || signal?.aborted) throw error;
      await backoff.wait(signal);
    }
  }
}
