import type { AttemptSummary, RunResult, PodEvent, ContainerResult, PodPhase, RunOutcome } from "./result.ts";
import type { PlanStepKind } from "../plan/plan.ts";

/** One problem found by `compile()`. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `spec.containers[1].image`. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * Thrown by `compile()` (and so by `run()`) before anything touches a cluster, with every
 * problem found in the description.
 *
 * @example
 * ```ts
 * import { pod, PodValidationError } from "podkit";
 * try {
 *   pod("demo").compile();
 * } catch (error) {
 *   if (error instanceof PodValidationError) console.log(error.issues[0]?.path); // "spec.containers"
 * }
 * ```
 */
export class PodValidationError extends Error {
  /** Always `PodValidationError`. */
  override readonly name = "PodValidationError";
  /** Every problem found, in the order of the description. */
  readonly issues: readonly ValidationIssue[];

  /** An error listing `issues`, each with its path. */
  constructor(issues: readonly ValidationIssue[]) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`);
    super(`Cannot compile the pod: ${issues.length} problem${issues.length === 1 ? "" : "s"} found\n${lines.join("\n")}`);
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * Why a run failed:
 * - `ContainerFailed`: a user container exited non-zero (see `exitCode`)
 * - `OOMKilled`: a user container was killed for exceeding its memory limit
 * - `ImagePull`: an image cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName)
 * - `ConfigError`: the kubelet cannot create a container (CreateContainerConfigError, …)
 * - `Unschedulable`: the scheduler found no node within `waitUntilRunning`
 * - `Timeout`: a wait budget ran out (`waitUntilRunning`, `waitRunning`, `waitUntilReady`)
 * - `DeletedExternally`: the pod was deleted by someone else
 * - `Evicted`: the kubelet evicted the pod
 * - `Aborted`: the caller's AbortSignal fired
 * - `TransferFailed`: input or output files could not be moved or verified
 * - `ApiError`: the API server refused a request podkit could not retry
 */
export type PodRunFailure =
  | "ContainerFailed"
  | "OOMKilled"
  | "ImagePull"
  | "ConfigError"
  | "Unschedulable"
  | "Timeout"
  | "DeletedExternally"
  | "Evicted"
  | "Aborted"
  | "TransferFailed"
  | "ApiError";

/** Context a runner attaches to a {@link PodRunError}. */
export interface PodRunErrorDetails {
  /** Why the run failed. */
  readonly reason: PodRunFailure;
  /** The plan step that failed. */
  readonly step: PlanStepKind;
  /** The run's identity. */
  readonly runId: string;
  /** The pod, once created. */
  readonly podName?: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The pod phase when the run failed. */
  readonly phase?: PodPhase;
  /** Exit code of the first failed user container. */
  readonly exitCode?: number;
  /** How each container ended. */
  readonly containers?: readonly ContainerResult[];
  /** Kubernetes events about the pod. */
  readonly events?: readonly PodEvent[];
  /** The last log lines (at most 20), `container: line`. */
  readonly logTail?: readonly string[];
  /** What was collected before the failure: logs, output files, output values. */
  readonly result?: RunResult;
  /** Every attempt, the failed one last. */
  readonly attempts?: readonly AttemptSummary[];
  /** Milliseconds from the start of the run to the failure. */
  readonly elapsedMs?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * A run that did not succeed. Carries the whole story with the same fields as a
 * {@link RunResult} (`failed`, `reason`, `step`, `shortMessage`, `podName`, `phase`,
 * `exitCode`, `containers`, `events`, `logTail`), and, once a pod existed, the partial
 * `result`: logs, output files and values collected before the failure.
 *
 * @example
 * ```ts
 * import { PodRunError } from "podkit";
 * function explain(error: unknown): string {
 *   if (error instanceof PodRunError) return `${error.reason} at ${error.step}: ${error.shortMessage}\n${error.logTail.join("\n")}`;
 *   return String(error);
 * }
 * ```
 */
export class PodRunError extends Error implements RunOutcome {
  /** Always `PodRunError`. */
  override readonly name = "PodRunError";
  /** Always true. */
  readonly failed = true;
  /** Why the run failed. */
  readonly reason: PodRunFailure;
  /** The plan step that failed. */
  readonly step: PlanStepKind;
  /** What failed, in one line, without the log tail or the pod's events. */
  readonly shortMessage: string;
  /** The run's identity. */
  readonly runId: string;
  /** The pod, once created. */
  readonly podName: string | undefined;
  /** Its namespace. */
  readonly namespace: string;
  /** The pod phase when the run failed. */
  readonly phase: PodPhase | undefined;
  /** Exit code of the first failed user container. */
  readonly exitCode: number | undefined;
  /** How each container ended. */
  readonly containers: readonly ContainerResult[];
  /** Kubernetes events about the pod. */
  readonly events: readonly PodEvent[];
  /** The last log lines (at most 20), `container: line`. */
  readonly logTail: readonly string[];
  /** What was collected before the failure; present whenever a pod existed. */
  readonly result: RunResult | undefined;
  /** Every attempt, the failed one last. */
  readonly attempts: readonly AttemptSummary[];
  /** Milliseconds from the start of the run to the failure. */
  readonly elapsedMs: number | undefined;

  /**
   * A run error with the run's story in `details`.
   *
   * @param shortMessage what failed, in one line; the message adds the pod's events (when
   *   given in `details.events` and they explain the failure) and the log tail
   */
  constructor(shortMessage: string, details: PodRunErrorDetails, eventText = "") {
    const tail = details.logTail?.length ? `\n--- last log lines ---\n${details.logTail.join("\n")}` : "";
    super(`${shortMessage}${eventText}${tail}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.shortMessage = shortMessage;
    this.reason = details.reason;
    this.step = details.step;
    this.runId = details.runId;
    this.podName = details.podName;
    this.namespace = details.namespace;
    this.phase = details.phase;
    this.exitCode = details.exitCode;
    this.containers = details.containers ?? details.result?.containers ?? [];
    this.events = details.events ?? details.result?.events ?? [];
    this.logTail = details.logTail ?? [];
    this.result = details.result;
    this.attempts = details.attempts ?? details.result?.attempts ?? [];
    this.elapsedMs = details.elapsedMs;
  }

  /** True when the caller's AbortSignal ended the run. */
  get aborted(): boolean {
    return this.reason === "Aborted";
  }

  /** True when a wait budget ran out. */
  get timedOut(): boolean {
    return this.reason === "Timeout" || this.reason === "Unschedulable";
  }
}
