import type { V1Pod } from "@kubernetes/client-node";
import type { ConnectionOptions, InputFile } from "../compile/description.ts";
import type { ExecutionPlan, PlanStepKind } from "../plan/plan.ts";
import type { PodRunFailure } from "./errors.ts";

/** A pod's phase, as the API server reports it. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** The level of a structured log entry (`::{"logs":[{"level":…}]}::`), as Kestra names them. */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

/**
 * One line a container printed, byte-exact, without its trailing newline; or, with a
 * `level`, one entry of a `::{"logs":[…]}::` line the container printed.
 */
export interface LogLine {
  /** The container that printed it. */
  readonly container: string;
  /** The text, without its trailing newline; for a structured entry, its `message`. */
  readonly line: string;
  /** RFC 3339 timestamp with nanoseconds, as the kubelet recorded it. */
  readonly timestamp: string;
  /**
   * Present only on an entry of a `::{"logs":[{"level","message"}]}::` line: its level.
   * Plain output is the lines without one.
   */
  readonly level?: LogLevel;
}

/**
 * A metric a container reported with a `::{"metrics":[…]}::` line (Kestra's protocol): a
 * counter, or a timer whose value is in seconds.
 */
export interface Metric {
  /** The container that printed it. */
  readonly container: string;
  /** The metric's name. */
  readonly name: string;
  /** `counter` (a count) or `timer` (a duration in seconds). */
  readonly type: "counter" | "timer";
  /** The value: a count, or seconds for a timer. */
  readonly value: number;
  /** The tags given with it (`{}` when none). */
  readonly tags: Readonly<Record<string, string>>;
  /** When the line was printed (RFC 3339, as the kubelet recorded it). */
  readonly timestamp: string;
}

/** How one container ended. */
export interface ContainerResult {
  /** Container name. */
  readonly name: string;
  /** `init` for init containers, `main` for user containers. */
  readonly kind: "init" | "main";
  /** Exit code, when the container terminated. */
  readonly exitCode?: number;
  /** `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`, … */
  readonly reason?: string;
  /** The kubelet's message, or the termination message. */
  readonly message?: string;
  /** Signal that ended the container, if any. */
  readonly signal?: number;
  /** When it started (ISO 8601). */
  readonly startedAt?: string;
  /** When it ended (ISO 8601). */
  readonly finishedAt?: string;
  /** How often the kubelet restarted it. */
  readonly restartCount: number;
}

/** A Kubernetes event about the pod. */
export interface PodEvent {
  /** `Normal` or `Warning`. */
  readonly type: string;
  /** Short reason, e.g. `FailedScheduling`. */
  readonly reason: string;
  /** What happened. */
  readonly message: string;
  /** How often it happened. */
  readonly count: number;
  /** The container it is about, when the event names one (`spec.containers{name}`). */
  readonly container?: string;
  /** First occurrence (ISO 8601). */
  readonly firstTimestamp?: string;
  /** Last occurrence (ISO 8601). */
  readonly lastTimestamp?: string;
}

/** A file brought back from the pod. */
export interface OutputFile {
  /** Path relative to the working directory (and to the output directory). */
  readonly name: string;
  /** Absolute local path. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Hex sha256 of the content. */
  readonly sha256: string;
}

/** An entry of the output archive that was not written, and why. */
export interface RefusedEntry {
  /** Path in the archive. */
  readonly name: string;
  /** Entry type: `file`, `symlink`, `directory`, … */
  readonly type: string;
  /** Why it was not written. */
  readonly reason: string;
}

/**
 * A container whose log could not be read to its end, or in which a stretch may be missing
 * (a log read again after the kubelet rotated it, whose current file began well after the
 * last line read: the reason names the two timestamps).
 */
export interface IncompleteLog {
  /** The container's name. */
  readonly container: string;
  /** Why its log is incomplete. */
  readonly reason: string;
}

/** When the pod passed each milestone (ISO 8601), and how long the run took. */
export interface RunTimings {
  /** The pod was created. */
  readonly created?: string;
  /** A node was assigned. */
  readonly scheduled?: string;
  /** The containers started. */
  readonly started?: string;
  /** The user containers ended. */
  readonly finished?: string;
  /** Wall time of `run()`, in milliseconds. */
  readonly durationMs: number;
  /** Milliseconds spent in each plan step. */
  readonly steps: Readonly<Partial<Record<PlanStepKind, number>>>;
}

/** One attempt of a run: which pod ran it and how it ended. */
export interface AttemptSummary {
  /** The attempt's number, from 1. */
  readonly attempt: number;
  /** Its pod's name, once created. */
  readonly podName?: string;
  /** Its pod's UID. */
  readonly uid?: string;
  /** Why it failed; absent when it succeeded. */
  readonly reason?: PodRunFailure;
  /** The exit code of its first failed user container, else 0, once its containers ended. */
  readonly exitCode?: number;
  /** How long it took, in milliseconds. */
  readonly durationMs: number;
}

/**
 * The fields a {@link RunResult} and a `PodRunError` share, as execa's result and error
 * do: one story, told the same way whether the run succeeded or not.
 */
export interface RunOutcome {
  /** True when the run failed. */
  readonly failed: boolean;
  /** Why the run failed; absent when it succeeded. */
  readonly reason?: PodRunFailure | undefined;
  /** The plan step that failed; absent when the run succeeded. */
  readonly step?: PlanStepKind | undefined;
  /** What failed, in one line, without the log tail or the pod's events. */
  readonly shortMessage?: string | undefined;
  /** The run's identity, given or drawn. */
  readonly runId: string;
  /** The pod's namespace. */
  readonly namespace: string;
  /** The pod's name, once it was created. */
  readonly podName?: string | undefined;
  /** The pod's phase at the end; for a finished pod, `Failed` when a user container failed. */
  readonly phase?: PodPhase | undefined;
  /** Exit code of the first failed user container, else 0, once the containers ended. */
  readonly exitCode?: number | undefined;
  /** How each container ended, init containers first. */
  readonly containers: readonly ContainerResult[];
  /** Kubernetes events about the pod. */
  readonly events: readonly PodEvent[];
  /** The last log lines (at most 20), `container: line`. */
  readonly logTail: readonly string[];
  /** Every attempt, the last one included (one entry without `.retry()`). */
  readonly attempts: readonly AttemptSummary[];
}

/** Everything a run brought back. Success and failure share this shape. */
export interface RunResult extends RunOutcome {
  /** Name of the pod that ran. */
  readonly podName: string;
  /** Its UID, when it was created. */
  readonly uid?: string;
  /** Pod phase at the end: `Succeeded`, `Failed`, … */
  readonly phase: PodPhase;
  /** Exit code of the first failed user container, else 0. */
  readonly exitCode: number;
  /**
   * The log lines of the user's containers that `keepLogs` keeps (by default the last
   * 100 000), in arrival order (in order per container).
   */
  readonly logs: readonly LogLine[];
  /** Lines of this attempt not kept in `logs` (`keepLogs`); absent when every line is kept. */
  readonly droppedLines?: number;
  /**
   * Containers whose log could not be read to its end (the pod was deleted, the API server
   * refused, or nothing arrived within `waitForLogInterval` after the container ended),
   * and why. Absent when every log is complete.
   */
  readonly incompleteLogs?: readonly IncompleteLog[];
  /**
   * Output values parsed from `::{"outputs":{…}}::` lines, with the values of the
   * `outputValuesFile` merged over them.
   */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Why the `outputValuesFile` gave no values (missing, not a JSON object); absent when it did or none was asked for. */
  readonly outputValuesError?: string;
  /** The metrics of `::{"metrics":[…]}::` lines, in the order they were printed. */
  readonly metrics: readonly Metric[];
  /** Local directory holding the output files. */
  readonly outputDir?: string;
  /** The files brought back. */
  readonly outputFiles: readonly OutputFile[];
  /** Entries of the output archive that were not written (links, FIFOs, devices, unsafe names). */
  readonly refusedOutputs: readonly RefusedEntry[];
  /**
   * Why no output file could be collected at all (the file-transfer sidecar was not
   * running, the download failed). Absent when the outputs were collected or none were asked for.
   */
  readonly outputsError?: string;
  /** When the pod passed each milestone. */
  readonly timings: RunTimings;
  /** True when this run reattached to a pod an earlier call had created. */
  readonly resumed: boolean;
  /** True when the pod was deleted at the end. */
  readonly deleted: boolean;
}

/** What `JSON.stringify` shows of a compiled pod. */
export interface CompiledPodJson {
  /** The manifest. */
  readonly manifest: V1Pod;
  /** The plan. */
  readonly plan: ExecutionPlan;
}

/**
 * The artifact `compile()` returns: a validated manifest and the plan to run it, with what
 * the plan must not hold beside it (the input files' contents, the connection). Its JSON
 * form is the manifest and the plan only.
 */
export interface CompiledPod {
  /** The pod to create, defaults applied and file transfer added; a runner stamps the run's identity on it (`stampRunIdentity`). */
  readonly manifest: V1Pod;
  /** What the runner does with it: plain, serialisable data without secrets or contents. */
  readonly plan: ExecutionPlan;
  /** The input files' contents, by the names the plan's `uploadInputs` step lists. */
  readonly inputs: readonly InputFile[];
  /** How to reach the cluster, when the description named it. Never serialised. */
  readonly connection?: ConnectionOptions;
  /** `{ manifest, plan }`: what `JSON.stringify` shows. */
  toJSON(): CompiledPodJson;
  /** The plan as a numbered list, for humans. */
  describe(): string;
}
