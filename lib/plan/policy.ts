import type { PodRunFailure } from "../run/errors.ts";

/**
 * The failure classes a retry may cover. `ConfigError` and validation errors are never
 * retried: the same pod would fail the same way.
 */
export type RetryableFailure = Exclude<PodRunFailure, "ConfigError" | "Aborted">;

/**
 * What `.retry()` retries by default: failures of the cluster, not of the job: `OOMKilled`,
 * `Evicted`, `DeletedExternally`, `ImagePull` when the registry failed (not when the image
 * does not exist), `ApiError` when the API server may answer next time.
 */
export const DEFAULT_RETRY_ON: readonly RetryableFailure[] = Object.freeze(["OOMKilled", "Evicted", "DeletedExternally", "ImagePull", "ApiError"]);

/** How long to wait between attempts: `min(maxMs, initialMs × factor^(n-1))` before attempt n+1. */
export interface RetryBackoff {
  /** Before the second attempt, in milliseconds. */
  readonly initialMs: number;
  /** Each delay is the previous one times this (1 for a constant delay). */
  readonly factor: number;
  /** The longest delay, in milliseconds. */
  readonly maxMs: number;
}

/** The run's retry policy, as the plan carries it. */
export interface RetryPlan {
  /** Total tries, the first included (at least 1). */
  readonly attempts: number;
  /** The failure classes that may be retried. */
  readonly on: readonly RetryableFailure[];
  /** Container exit codes that are retried (a `ContainerFailed` with one of them). */
  readonly exitCodes: readonly number[];
  /** The delays between attempts. */
  readonly backoff: RetryBackoff;
  /**
   * The overall deadline of the run, retries and delays included, in milliseconds from
   * its start; absent means none (Kestra's `timeout`).
   */
  readonly deadlineMs?: number;
}

/** What a failed attempt says about itself, for {@link shouldRetry}. */
export interface AttemptFailure {
  /** Why the attempt failed. */
  readonly reason: PodRunFailure;
  /** The exit code of its failed container, if one failed. */
  readonly exitCode?: number | undefined;
  /** False when the failure would repeat (an image that does not exist, a refused request). */
  readonly transient?: boolean | undefined;
}

/**
 * Whether a failed attempt is retried: attempts left, and its failure class covered (a
 * transient one for `ImagePull` and `ApiError`) or its exit code listed.
 *
 * @example
 * ```ts
 * import { shouldRetry } from "podkit";
 * const policy = { attempts: 3, on: ["OOMKilled"] as const, exitCodes: [75], backoff: { initialMs: 1000, factor: 2, maxMs: 60_000 } };
 * shouldRetry(policy, 1, { reason: "ContainerFailed", exitCode: 75 }); // true
 * shouldRetry(policy, 3, { reason: "OOMKilled" }); // false: no attempt left
 * ```
 */
export function shouldRetry(policy: RetryPlan, attempt: number, failure: AttemptFailure): boolean {
  if (attempt >= policy.attempts) return false;
  if (failure.reason === "Aborted" || failure.reason === "ConfigError") return false;
  if (failure.reason === "ContainerFailed" && failure.exitCode !== undefined && policy.exitCodes.includes(failure.exitCode)) return true;
  if (!(policy.on as readonly PodRunFailure[]).includes(failure.reason)) return false;
  if (failure.reason === "ImagePull" || failure.reason === "ApiError") return failure.transient !== false;
  return true;
}

/**
 * The delay before attempt `next` (2 or more), in milliseconds.
 *
 * @example
 * ```ts
 * import { retryDelayMs } from "podkit";
 * const backoff = { initialMs: 1000, factor: 2, maxMs: 5000 };
 * [2, 3, 4, 5].map((n) => retryDelayMs(backoff, n)); // [1000, 2000, 4000, 5000]
 * ```
 */
export function retryDelayMs(backoff: RetryBackoff, next: number): number {
  return Math.round(Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, next - 2)));
}

/**
 * What happens to the pod when the run ends: `delete` always; `keepOnFailure` keeps a
 * failed run's pod for a post-mortem and deletes a succeeded one; `keep` never deletes.
 * An aborted run always deletes its pod.
 */
export type FinishPolicy = "delete" | "keepOnFailure" | "keep";

/** Label keys of attempts, and the annotation a kept pod carries when its run is over. */
export const ATTEMPT_LABEL = "podkit.dev/attempt";

/** The annotation set on a pod kept after its run ended: the end's time (ISO 8601). */
export const FINISHED_AT_ANNOTATION = "podkit.dev/finished-at";

/** The environment variable that holds the attempt number (from 1) in every user container. */
export const ATTEMPT_ENV = "PODKIT_ATTEMPT";

/**
 * The time the cluster gives a pod beyond its start-up and running budgets before it ends
 * it by itself (`activeDeadlineSeconds`): room for reading late logs and downloading outputs
 * after the containers end, so that only a pod whose driver died runs into it.
 */
export const DEADLINE_MARGIN_SECONDS = 60;

/** Extra room for downloading output files before the cluster's deadline. */
export const OUTPUTS_DEADLINE_MARGIN_SECONDS = 300;
