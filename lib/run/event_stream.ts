import type { PlanStepKind } from "../plan/plan.ts";
import type { LogEvent, RunEvent, RunEventInput } from "./events.ts";
import { formatBytes } from "./format.ts";
import type { LogLine } from "./result.ts";
import type { ProgressEvent, RunOptions } from "./runner.ts";

/**
 * The events of one run, as it happens: hands each to the caller's callbacks and keeps
 * them for iterators that start late. Log lines are kept once, in `lines`; an iterator of
 * events renders them as `log` events where they fell among the others, so that keeping
 * the history costs nothing per line beyond the line itself.
 *
 * A callback that throws is called no more; its error is kept in `callbackError` for the
 * runner to raise once the pod is cleaned up.
 *
 * @example
 * ```ts
 * import { RunEventStream } from "podkit";
 * const stream = new RunEventStream({ onEvent: (e) => console.log(e.type) });
 * stream.emit({ type: "scheduled", node: "n1" }, "waitScheduled");
 * stream.log({ container: "main", line: "hi", timestamp: "2026-12-01T00:00:00.000000000Z" });
 * stream.close();
 * ```
 */
export class RunEventStream {
  /** Every log line so far, in arrival order. */
  readonly lines: LogLine[] = [];
  /** The error the first throwing callback threw. */
  callbackError: unknown;
  readonly #options: RunOptions;
  readonly #startedAt: number;
  readonly #events: RunEvent[] = [];
  /** For each kept event, how many log lines came before it. */
  readonly #marks: number[] = [];
  #closed = false;
  #wake: (() => void)[] = [];
  #podName: string | undefined;

  constructor(options: RunOptions = {}, startedAt = performance.now()) {
    this.#options = options;
    this.#startedAt = startedAt;
  }

  /** Milliseconds since the run started. */
  get elapsedMs(): number {
    return Math.round(performance.now() - this.#startedAt);
  }

  /** Emits an event of the run (not a log line: see {@link log}) during `step`. */
  emit(input: RunEventInput, step: PlanStepKind): void {
    const event = { ...input, elapsedMs: this.elapsedMs } as RunEvent;
    if (event.type === "created") this.#podName = event.podName;
    this.#events.push(event);
    this.#marks.push(this.lines.length);
    this.#call(this.#options.onEvent, event);
    const onProgress = this.#options.onProgress;
    if (onProgress !== undefined) {
      const progress = progressOf(event, step, this.#podName);
      if (progress !== undefined) this.#call(onProgress, progress);
    }
    this.#wakeAll();
  }

  /** Records a log line and emits it as a `log` event. */
  log(line: LogLine): void {
    this.lines.push(line);
    this.#call(this.#options.onLog, line);
    if (this.#options.onEvent !== undefined) this.#call(this.#options.onEvent, logEvent(line, this.elapsedMs));
    this.#wakeAll();
  }

  /** The last `count` log lines, `container: line`. */
  tail(count = 20): string[] {
    return this.lines.slice(-count).map((l) => `${l.container}: ${l.line}`);
  }

  /** Ends every iteration once it has caught up. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** Every log line from the first, then the ones still to come, until the run settles. */
  async *logs(): AsyncGenerator<LogLine> {
    let index = 0;
    while (true) {
      while (index < this.lines.length) {
        yield this.lines[index] as LogLine;
        index += 1;
      }
      if (this.#closed) return;
      await this.#next();
    }
  }

  /** Every event from the first, log lines among them, then the ones still to come. */
  async *events(): AsyncGenerator<RunEvent> {
    let line = 0;
    let event = 0;
    while (true) {
      while (line < this.lines.length || event < this.#events.length) {
        if (event < this.#events.length && (this.#marks[event] as number) <= line) {
          yield this.#events[event] as RunEvent;
          event += 1;
        } else {
          yield logEvent(this.lines[line] as LogLine, (this.#events[event - 1]?.elapsedMs ?? 0));
          line += 1;
        }
      }
      if (this.#closed) return;
      await this.#next();
    }
  }

  #call<T>(callback: ((value: T) => void) | undefined, value: T): void {
    if (callback === undefined || this.callbackError !== undefined) return;
    try {
      callback(value);
    } catch (error) {
      this.callbackError = error ?? new Error("A run callback threw");
    }
  }

  #next(): Promise<void> {
    return new Promise<void>((resolve) => this.#wake.push(resolve));
  }

  #wakeAll(): void {
    if (this.#wake.length === 0) return;
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}

function logEvent(line: LogLine, elapsedMs: number): LogEvent {
  return { type: "log", container: line.container, line: line.line, timestamp: line.timestamp, elapsedMs };
}

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? "" : "s"}`;
}

/**
 * An event as a line of progress text (what `onProgress` receives), or undefined for the
 * events it does not report (log lines).
 *
 * @example
 * ```ts
 * import { progressOf } from "podkit";
 * progressOf({ type: "scheduled", node: "n1", elapsedMs: 40 }, "waitScheduled")?.message; // 'Scheduled on node "n1"'
 * ```
 */
export function progressOf(event: RunEvent, step: PlanStepKind, podName?: string): ProgressEvent | undefined {
  const base = { step, ...(podName === undefined ? {} : { podName }) };
  const text = (message: string): ProgressEvent => ({ ...base, message });
  switch (event.type) {
    case "created":
      return text(`${event.resumed ? `Reattached to pod "${event.podName}"` : `Created pod "${event.podName}"`}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`);
    case "scheduled":
      return text(`Scheduled on node "${event.node}"`);
    case "pulling":
    case "pulled":
      return text(event.message);
    case "waiting":
      return text(event.reason === "ContainerCreating" ? "Pulling images and creating containers" : event.reason === "PodInitializing" ? "Initializing" : `Waiting: ${event.reason}`);
    case "podEvent":
      return text(`${event.event.type === "Warning" ? "Warning: " : ""}${event.event.reason}: ${event.event.message}`);
    case "started":
      return text(`Container "${event.container}" started`);
    case "ready":
      return text("Ready");
    case "transfer": {
      const what = event.direction === "upload" ? "input files" : "output files";
      const sizes = { bytes: event.bytes, ...(event.totalBytes === undefined ? {} : { totalBytes: event.totalBytes }) };
      if (!event.done) return { ...base, message: event.direction === "upload" ? `Uploading ${what}` : `Collecting ${what}`, ...sizes };
      const files = plural(event.files ?? 0, "file");
      return { ...base, message: `${event.direction === "upload" ? "Uploaded" : "Collected"} ${files} (${formatBytes(event.bytes)})`, ...sizes };
    }
    case "log":
      return undefined;
    case "containerTerminated":
      return text(`Container "${event.container}" ended with exit code ${event.exitCode}${event.reason === undefined ? "" : ` (${event.reason})`}`);
    case "completed":
      return text("User containers finished; collecting");
    case "deleted":
      return text(`Deleted pod "${event.podName}"`);
    case "attemptFailed":
      return text(`Attempt ${event.attempt} failed (${event.reason}); attempt ${event.nextAttempt} starts in ${(event.delayMs / 1000).toFixed(1)} s`);
    case "failed":
      return text(`Failed (${event.reason}): ${event.shortMessage}`);
  }
}
