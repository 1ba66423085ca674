import type { CompiledPod, LogLine, RunResult } from "./result.ts";
import type { PlanStepKind } from "../plan/plan.ts";

/** A milestone of a run, for progress displays. */
export interface ProgressEvent {
  /** The plan step in progress. */
  readonly step: PlanStepKind;
  /** Human-readable, e.g. `Pulling image "busybox"` or `Uploaded 2 files (1.2 MB)`. */
  readonly message: string;
  /** The pod's name, once known. */
  readonly podName?: string;
  /** Bytes moved so far, for transfer steps. */
  readonly bytes?: number;
  /** Bytes to move in all, for transfer steps. */
  readonly totalBytes?: number;
}

/** Options of a run. */
export interface RunOptions {
  /** Aborts the run; the pod is deleted (grace period 0) and the run rejects. */
  readonly signal?: AbortSignal;
  /** Where output files land. @default a fresh temporary directory */
  readonly outputDir?: string;
  /** Called with every log line as it arrives, in order per container. */
  readonly onLog?: (line: LogLine) => void;
  /** Called at each milestone of the run. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * Executes compiled pods. `podkit` ships a {@link DryRunRunner}; `podkit/kubernetes`
 * ships the `KubernetesRunner`.
 */
export interface Runner<R = RunResult> {
  /** Runs a compiled pod; rejects with a `PodRunError` when the run fails. */
  run(compiled: CompiledPod, options?: RunOptions): Promise<R>;
}
