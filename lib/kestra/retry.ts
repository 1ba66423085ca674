// Kestra's task `retry` property, read into the builder's retry policy.
import type { RetryInput } from "../compile/description.ts";
import { parseDuration, type DurationInput } from "../compile/duration.ts";
import type { RetryableFailure } from "../plan/policy.ts";
import { at, checkKeys, describe, expectBoolean, expectRecord, type Issues } from "./_check.ts";
import { readDuration } from "./pod_document.ts";

/** Kestra's retry types and the properties each one has beside the common ones. */
const TYPE_KEYS = {
  constant: ["interval"],
  exponential: ["interval", "maxInterval", "delayFactor"],
  random: ["minInterval", "maxInterval"],
} as const;

type RetryType = keyof typeof TYPE_KEYS;

const COMMON_KEYS = ["type", "maxAttempts", "maxAttempt", "warningOnRetry", "behavior"] as const;

/**
 * Kestra retries a task whatever made it fail, so every failure class that can be
 * retried is: a failed container with any exit code, an OOM kill, an eviction, a pod
 * deleted from outside, a registry or API server that failed for a while, a budget that
 * ran out, an unschedulable pod, a failed transfer. `ConfigError` (the same pod would fail
 * the same way) and an abort never are, and an image that does not exist is not retried
 * (`ImagePull` only when transient), nor is a run past its overall `timeout`.
 */
export const KESTRA_RETRY_ON: readonly RetryableFailure[] = Object.freeze([
  "ContainerFailed",
  "OOMKilled",
  "Evicted",
  "DeletedExternally",
  "ImagePull",
  "ApiError",
  "Timeout",
  "Unschedulable",
  "TransferFailed",
]);

function isRetryType(value: unknown): value is RetryType {
  return typeof value === "string" && Object.hasOwn(TYPE_KEYS, value);
}

/** `3` and, as templates render to text, `"3"`. */
function readAttempts(value: unknown, path: string, issues: Issues): number | undefined {
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === "number" && Number.isInteger(number) && number >= 1) return number;
  issues.add(path, `expected a whole number of attempts, 1 or more (the first attempt included), got ${describe(value)}`);
  return undefined;
}

function readFactor(value: unknown, path: string, issues: Issues): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  if (typeof number === "number" && Number.isFinite(number) && number >= 1) return number;
  issues.add(path, `expected a multiplier of 1 or more, like 2, got ${describe(value)}`);
  return undefined;
}

function required(record: Record<string, unknown>, key: string, path: string, type: RetryType, issues: Issues): DurationInput | undefined {
  if (record[key] === undefined) {
    issues.add(at(path, key), `missing: a ${type} retry needs ${key}, an ISO 8601 duration like "PT30S"`);
    return undefined;
  }
  return readDuration(record[key], at(path, key), issues);
}

/**
 * Reads Kestra's `retry` property (already rendered) into the builder's {@link RetryInput}.
 *
 * - `maxAttempts` (or its former name `maxAttempt`) counts every attempt, the first
 *   included, as in Kestra: `attempts`.
 * - `constant`: `interval` between attempts.
 * - `exponential`: `interval` before the second attempt, multiplied by `delayFactor`
 *   (default 2) for each next one, at most `maxInterval`.
 * - `random`: podkit's delays are not drawn at random, so that a definition always
 *   compiles to the same plan: a constant delay halfway between `minInterval` and
 *   `maxInterval` (the mean of Kestra's uniform draw).
 *
 * Every failure class that can be retried is ({@link KESTRA_RETRY_ON}). Properties podkit
 * cannot honour are refused with their path: `maxDuration` (Kestra stops retrying after it
 * without ending the attempt that runs), `warningOnRetry: true` (no warning state),
 * `behavior: CREATE_NEW_EXECUTION` (podkit runs one task).
 */
export function readKestraRetry(raw: unknown, path: string, issues: Issues): RetryInput | undefined {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  const type = record["type"];
  if (type === undefined) {
    issues.add(at(path, "type"), 'missing: expected "constant", "exponential" or "random"');
    return undefined;
  }
  if (!isRetryType(type)) {
    issues.add(at(path, "type"), `unknown retry type ${describe(type)}; expected "constant", "exponential" or "random"`);
    return undefined;
  }
  const own: readonly string[] = TYPE_KEYS[type];
  const elsewhere: Record<string, string> = {
    maxDuration: "podkit cannot stop retrying after a duration without ending the attempt that runs; bound the whole run, retries included, with the task's timeout",
  };
  for (const [other, keys] of Object.entries(TYPE_KEYS)) {
    for (const key of keys) if (!own.includes(key)) elsewhere[key] ??= `${key} belongs to ${other} retries, not to ${type} ones`;
  }
  checkKeys(record, [...COMMON_KEYS, ...own], path, issues, elsewhere);

  const attemptsKey = record["maxAttempts"] !== undefined ? "maxAttempts" : "maxAttempt";
  if (record["maxAttempts"] !== undefined && record["maxAttempt"] !== undefined) {
    issues.add(at(path, "maxAttempt"), "the former name of maxAttempts; keep maxAttempts only");
  }
  let attempts: number | undefined;
  if (record[attemptsKey] === undefined) {
    issues.add(at(path, "maxAttempts"), "missing: podkit needs a bound on the attempts; add maxAttempts (the first attempt included)");
  } else {
    attempts = readAttempts(record[attemptsKey], at(path, attemptsKey), issues);
  }
  if (record["warningOnRetry"] !== undefined && expectBoolean(record["warningOnRetry"], at(path, "warningOnRetry"), issues) === true) {
    issues.add(at(path, "warningOnRetry"), "not supported: podkit has no warning state; read the result's attempts to learn whether a retry happened");
  }
  const behavior = record["behavior"];
  if (behavior !== undefined && behavior !== "RETRY_FAILED_TASK") {
    issues.add(
      at(path, "behavior"),
      behavior === "CREATE_NEW_EXECUTION"
        ? "not supported: podkit runs one task, and retries it in a fresh pod; use RETRY_FAILED_TASK"
        : `expected "RETRY_FAILED_TASK" or "CREATE_NEW_EXECUTION", got ${describe(behavior)}`,
    );
  }

  let backoff: RetryInput["backoff"] | undefined;
  if (type === "constant") {
    backoff = required(record, "interval", path, type, issues);
  } else if (type === "exponential") {
    const interval = required(record, "interval", path, type, issues);
    const maxInterval = required(record, "maxInterval", path, type, issues);
    const factor = record["delayFactor"] === undefined ? 2 : readFactor(record["delayFactor"], at(path, "delayFactor"), issues);
    if (interval !== undefined && maxInterval !== undefined && factor !== undefined) {
      if (parseDuration(maxInterval) < parseDuration(interval)) {
        issues.add(at(path, "maxInterval"), `${describe(maxInterval)} is shorter than interval ${describe(interval)}; make it as long or longer`);
      } else backoff = { initial: interval, factor, max: maxInterval };
    }
  } else {
    const min = required(record, "minInterval", path, type, issues);
    const max = required(record, "maxInterval", path, type, issues);
    if (min !== undefined && max !== undefined) {
      const [minMs, maxMs] = [parseDuration(min), parseDuration(max)];
      if (maxMs < minMs) issues.add(at(path, "maxInterval"), `${describe(max)} is shorter than minInterval ${describe(min)}; make it as long or longer`);
      else backoff = Math.round((minMs + maxMs) / 2);
    }
  }
  if (attempts === undefined || backoff === undefined) return undefined;
  return { attempts, on: KESTRA_RETRY_ON, backoff };
}
