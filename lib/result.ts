import type { V1Pod } from "@kubernetes/client-node";
import type { ExecutionPlan } from "./plan.ts";

/** One line a container printed, byte-exact, without its trailing newline. */
export interface LogLine {
  readonly container: string;
  readonly line: string;
  /** RFC 3339 timestamp with nanoseconds, as the kubelet recorded it. */
  readonly timestamp: string;
}

/** How one container ended. */
export interface ContainerResult {
  readonly name: string;
  /** `init` for init containers, `main` for user containers. */
  readonly kind: "init" | "main";
  readonly exitCode?: number;
  /** `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`, … */
  readonly reason?: string;
  readonly message?: string;
  readonly signal?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly restartCount: number;
}

/** A Kubernetes event about the pod. */
export interface PodEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
}

/** A file brought back from the pod. */
export interface OutputFile {
  /** Path relative to the working directory (and to the output directory). */
  readonly name: string;
  /** Absolute local path. */
  readonly path: string;
  readonly size: number;
  /** Hex sha256 of the content. */
  readonly sha256: string;
}

/** An entry of the output archive that was not written, and why. */
export interface RefusedEntry {
  readonly name: string;
  readonly type: string;
  readonly reason: string;
}

/** When the pod passed each milestone (ISO 8601), and how long the run took. */
export interface RunTimings {
  readonly created?: string;
  readonly scheduled?: string;
  readonly started?: string;
  readonly finished?: string;
  /** Wall time of `run()`, in milliseconds. */
  readonly durationMs: number;
  /** Milliseconds spent in each plan step. */
  readonly steps: Readonly<Partial<Record<string, number>>>;
}

/** Everything a run brought back. Success and failure share this shape. */
export interface RunResult {
  readonly podName: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly runId: string;
  /** Pod phase at the end: `Succeeded`, `Failed`, … */
  readonly phase: string;
  /** Exit code of the first failed user container, else 0. */
  readonly exitCode: number;
  readonly containers: readonly ContainerResult[];
  readonly logs: readonly LogLine[];
  /** Output values parsed from `::{"outputs":{…}}::` lines. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly outputDir?: string;
  readonly outputFiles: readonly OutputFile[];
  readonly refusedOutputs: readonly RefusedEntry[];
  readonly events: readonly PodEvent[];
  readonly timings: RunTimings;
  /** True when this run reattached to a pod an earlier call had created. */
  readonly resumed: boolean;
  /** True when the pod was deleted at the end. */
  readonly deleted: boolean;
}

/** The artifact `compile()` returns: a validated manifest and the plan to run it. */
export interface CompiledPod {
  readonly manifest: V1Pod;
  readonly plan: ExecutionPlan;
  /** The plan as a numbered list, for humans. */
  describe(): string;
}
