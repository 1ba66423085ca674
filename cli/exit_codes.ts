import { PodRunError, PodValidationError } from "../lib/run/errors.ts";
import { PodDefinitionError } from "../lib/kestra/definition_error.ts";

/**
 * Exit codes of `podkit run` and `podkit plan`. When the pod ran, `podkit run` exits with
 * the exit code of its first failed container (0 when all succeeded); the codes below are
 * podkit's own failures (BSD `sysexits.h` values, and the shell's 124/128+n conventions).
 *
 * | code | meaning |
 * |---:|---|
 * | 0 | the pod succeeded (or the plan was printed) |
 * | 1–255 | a container failed: its exit code (OOMKilled is usually 137) |
 * | 64 | usage or definition error: bad flag, unreadable YAML, unknown property, missing input, invalid pod |
 * | 66 | the definition FILE cannot be read |
 * | 69 | the cluster is unreachable or refused a request; no kubeconfig found |
 * | 70 | internal error in podkit |
 * | 74 | input or output files could not be transferred or verified |
 * | 124 | a wait budget ran out (`waitUntilRunning`, `waitRunning`, `waitUntilReady`; unschedulable) |
 * | 125 | the pod could not run: image pull failure, container config error, evicted, deleted by someone else |
 * | 130 | interrupted (SIGINT, Ctrl-C); the pod was deleted |
 * | 143 | terminated (SIGTERM); the pod was deleted |
 *
 * @example
 * ```ts
 * import { EXIT_CODES } from "./exit_codes.ts";
 * EXIT_CODES.usage; // 64
 * ```
 */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  usage: 64,
  noInput: 66,
  unavailable: 69,
  internal: 70,
  transfer: 74,
  timeout: 124,
  podCannotRun: 125,
  interrupted: 130,
  terminated: 143,
} as const);

/**
 * A bad command line, reported with exit code 64.
 *
 * @example
 * ```ts
 * import { UsageError } from "./exit_codes.ts";
 * throw new UsageError('Cannot use --input "file": expected NAME=VALUE');
 * ```
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A FILE that cannot be read, reported with exit code 66.
 *
 * @example
 * ```ts
 * import { NoInputError } from "./exit_codes.ts";
 * throw new NoInputError('Cannot read "flow.yaml": no such file');
 * ```
 */
export class NoInputError extends Error {
  override readonly name = "NoInputError";
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

/**
 * True when `error` (or one of its causes) says the cluster could not be reached.
 *
 * @example
 * ```ts
 * import { isUnreachable } from "./exit_codes.ts";
 * isUnreachable(new Error("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) })); // true
 * ```
 */
export function isUnreachable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    const message = (current as { message?: unknown }).message;
    if (typeof message === "string" && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|fetch failed|socket hang up|No active cluster|no kubeconfig/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The exit code for an error thrown by `podkit run` or `podkit plan`.
 *
 * @param signalName the signal that aborted the run, when one did
 * @example
 * ```ts
 * import { exitCodeFor, UsageError } from "./exit_codes.ts";
 * exitCodeFor(new UsageError("bad flag")); // 64
 * ```
 */
export function exitCodeFor(error: unknown, signalName?: string): number {
  if (error instanceof UsageError || error instanceof PodDefinitionError || error instanceof PodValidationError) return EXIT_CODES.usage;
  if (error instanceof NoInputError) return EXIT_CODES.noInput;
  if (error instanceof PodRunError) {
    switch (error.reason) {
      case "ContainerFailed":
      case "OOMKilled":
        return error.exitCode !== undefined && error.exitCode > 0 ? Math.min(error.exitCode, 255) : error.reason === "OOMKilled" ? 137 : 1;
      case "Timeout":
      case "Unschedulable":
        return EXIT_CODES.timeout;
      case "Aborted":
        return signalName === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
      case "TransferFailed":
        return EXIT_CODES.transfer;
      case "ApiError":
        return EXIT_CODES.unavailable;
      case "ImagePull":
      case "ConfigError":
      case "Evicted":
      case "DeletedExternally":
        return EXIT_CODES.podCannotRun;
    }
  }
  if ((error as { name?: unknown } | null)?.name === "AbortError") return signalName === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
  if (isUnreachable(error)) return EXIT_CODES.unavailable;
  return EXIT_CODES.internal;
}
