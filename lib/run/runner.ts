import type { PlanStepKind } from "../plan/plan.ts";
import type { KeepLogs } from "./event_stream.ts";
import type { RunEvent } from "./events.ts";
import type { CompiledPod, LogLine, RunResult } from "./result.ts";

/**
 * A milestone of a run as one line of text: what `onProgress` receives. Rendered from the
 * run's {@link RunEvent}s; prefer `onEvent`, which gives them as data.
 */
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
  /**
   * Aborts the run; the pod is deleted and the run rejects with `Aborted`. With a
   * `terminationGracePeriod`, the pod is deleted with it and the logs are read while the
   * containers stop; otherwise it is stopped at once.
   */
  readonly signal?: AbortSignal;
  /** Cuts a graceful stop short: the pod is deleted at once (a second Ctrl-C). */
  readonly forceSignal?: AbortSignal;
  /** Where output files land. @default a fresh temporary directory */
  readonly outputDir?: string;
  /**
   * Called with every event of the run as it happens: pod created, scheduled, images
   * pulled, containers started and ended, bytes transferred, each log line, completion,
   * deletion, failure. A callback that throws fails the run once the pod is cleaned up.
   */
  readonly onEvent?: (event: RunEvent) => void;
  /** Called with every log line as it arrives, in order per container (the `log` events). */
  readonly onLog?: (line: LogLine) => void;
  /** Called at each milestone of the run with a line of text (the other events, rendered). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Which log lines `result.logs` keeps: `"all"`, `"none"`, or the last N. The others still
   * reach `onEvent`, `onLog` and `logFile`; `result.droppedLines` counts them; output values
   * and the log tail do not depend on it. `handle.events()` and `handle.logs` replay the
   * kept lines only: an iteration that starts late, or falls more than N lines behind,
   * skips the lines dropped meanwhile. With `"none"`, a run's memory does not grow with
   * its log volume.
   * @default 100000 (the last 100 000 lines: a pod that logs without end cannot exhaust the caller's memory)
   */
  readonly keepLogs?: KeepLogs;
  /**
   * A local file that receives every log line of the user containers, of every attempt,
   * in arrival order (in order per container), as `container<TAB>line<LF>`: the container's
   * name (which never holds a tab), one tab, the line as the container printed it (tabs and
   * carriage returns kept; it never holds a line feed, on which lines are split), one line
   * feed. A last line the container left unterminated gets one too. UTF-8 as decoded for
   * `result.logs` (an invalid sequence reads U+FFFD). The file is created or truncated when
   * the run starts and complete when the run settles; the run fails if it cannot be
   * written. `cut -f2- file` gives the bare lines.
   */
  readonly logFile?: string;
}

/**
 * Executes compiled pods. `podkit` ships a `DryRunRunner`; `podkit/kubernetes` ships the
 * `KubernetesRunner`.
 */
export interface Runner<R = RunResult> {
  /** Runs a compiled pod; rejects with a `PodRunError` when the run fails. */
  run(compiled: CompiledPod, options?: RunOptions): Promise<R>;
}
