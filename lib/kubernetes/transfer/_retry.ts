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
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await step(attempt);
    } catch (error) {
      if (!(error instanceof ExecConnectionError) || attempt > retries || signal?.aborted) throw error;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, Math.min(baseDelayMs * 2 ** (attempt - 1), 8000));
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }
}
