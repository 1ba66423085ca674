import type { PlanStepKind } from "../plan/plan.ts";
import type { LogEvent, RunEvent, RunEventInput } from "./events.ts";
import { formatBytes } from "./format.ts";
import type { LogLine } from "./result.ts";
import type { ProgressEvent, RunOptions } from "./runner.ts";

/**
 * Which log lines a run keeps in `result.logs` (and replays to `events()` and `logs`):
 * `"all"`, `"none"`, or the last N. Lines always reach `onEvent`, `onLog` and `logFile`.
 */
export type KeepLogs = "all" | "none" | number;

/** How many log lines a run keeps by default: the last 100 000 (≈ 15–30 MB of short lines). */
export const DEFAULT_KEEP_LOGS = 100_000;

/** How many of the last lines are kept for the log tail, whatever `keepLogs` says. */
export const TAIL_LINES = 20;

/**
 * `keepLogs` as a number of lines (`Infinity` for `"all"`), or a `RangeError` naming the
 * bad value.
 *
 * @example
 * ```ts
 * import { keepLogsLimit } from "podkit";
 * keepLogsLimit("none"); // 0
 * keepLogsLimit(undefined); // 100000
 * ```
 */
export function keepLogsLimit(keep: KeepLogs | undefined): number {
  if (keep === undefined) return DEFAULT_KEEP_LOGS;
  if (keep === "all") return Number.POSITIVE_INFINITY;
  if (keep === "none") return 0;
  if (typeof keep === "number" && Number.isSafeInteger(keep) && keep >= 0) return keep;
  throw new RangeError(`Cannot keep log lines ${JSON.stringify(keep)}: expected "all", "none" or a whole number of lines ≥ 0, e.g. keepLogs: 10000`);
}

/**
 * The events of one run, as it happens: hands each to the caller's callbacks and keeps
 * them for iterators that start late. Log lines are kept once, as `keepLogs` says (by
 * default the last {@link DEFAULT_KEEP_LOGS}); an iterator of events renders the kept ones
 * as `log` events where they fell among the others, so that keeping the history costs
 * nothing per line beyond the line itself. The last {@link TAIL_LINES} lines are kept for
 * the tail in any case.
 *
 * A callback that throws is called no more; its error is kept in `callbackError` for the
 * runner to raise once the pod is cleaned up.
 *
 * @example
 * ```ts
 * import { RunEventStream } from "podkit";
 * const stream = new RunEventStream({ onEvent: (e) => console.log(e.type), keepLogs: 1000 });
 * stream.emit({ type: "scheduled", node: "n1" }, "waitScheduled");
 * stream.log({ container: "main", line: "hi", timestamp: "2026-12-01T00:00:00.000000000Z" });
 * stream.close();
 * stream.keptLines().length; // 1
 * ```
 */
export class RunEventStream {
  /** The error the first throwing callback threw. */
  callbackError: unknown;
  readonly #options: RunOptions;
  readonly #startedAt: number;
  readonly #events: RunEvent[] = [];
  /** For each kept event, how many log lines came before it. */
  readonly #marks: number[] = [];
  /** How many lines to keep (`Infinity`: all). */
  readonly #limit: number;
  /** Lines received so far, kept or not. */
  #count = 0;
  /** Kept lines; `#kept[0]` is line number `#keptStart` (from 0). Trimmed to the limit in batches. */
  #kept: LogLine[] = [];
  #keptStart = 0;
  /** The last lines, for the tail, trimmed to {@link TAIL_LINES} in batches. */
  #tail: LogLine[] = [];
  #closed = false;
  #wake: (() => void)[] = [];
  #podName: string | undefined;

  /**
   * The events of a run that started at `startedAt` (`performance.now()`), handed to `options`' callbacks.
   *
   * @throws {RangeError} when `options.keepLogs` is neither `"all"`, `"none"` nor a whole number ≥ 0
   */
  constructor(options: RunOptions = {}, startedAt = performance.now()) {
    this.#options = options;
    this.#startedAt = startedAt;
    this.#limit = keepLogsLimit(options.keepLogs);
  }

  /** Milliseconds since the run started. */
  get elapsedMs(): number {
    return Math.round(performance.now() - this.#startedAt);
  }

  /** How many log lines arrived so far, kept or not. */
  get lineCount(): number {
    return this.#count;
  }

  /** Emits an event of the run (not a log line: see {@link log}) during `step`. */
  emit(input: RunEventInput, step: PlanStepKind): void {
    const event = { ...input, elapsedMs: this.elapsedMs } as RunEvent;
    if (event.type === "created") this.#podName = event.podName;
    this.#events.push(event);
    this.#marks.push(this.#count);
    this.#call(this.#options.onEvent, event);
    const onProgress = this.#options.onProgress;
    if (onProgress !== undefined) {
      const progress = progressOf(event, step, this.#podName);
      if (progress !== undefined) this.#call(onProgress, progress);
    }
    this.#wakeAll();
  }

  /** Records a log line (kept as `keepLogs` says) and emits it as a `log` event. */
  log(line: LogLine): void {
    this.#count += 1;
    const limit = this.#limit;
    if (limit > 0) {
      this.#kept.push(line);
      // Trimmed once per `limit` lines, not per line: amortised O(1), at most twice the limit held.
      if (this.#kept.length >= 2 * limit) {
        this.#kept = this.#kept.slice(-limit);
        this.#keptStart = this.#count - limit;
      }
    } else {
      this.#keptStart = this.#count;
    }
    this.#tail.push(line);
    if (this.#tail.length >= 2 * TAIL_LINES) this.#tail = this.#tail.slice(-TAIL_LINES);
    this.#call(this.#options.onLog, line);
    if (this.#options.onEvent !== undefined) this.#call(this.#options.onEvent, logEvent(line, this.elapsedMs));
    this.#wakeAll();
  }

  /** The number of the first line still kept (lines are numbered from 0 in arrival order). */
  #firstKept(): number {
    return Math.max(this.#keptStart, this.#count - this.#limit);
  }

  /** The kept lines from line number `from` (0: the run's first line) on, in arrival order. */
  keptLines(from = 0): LogLine[] {
    const first = Math.max(from, this.#firstKept());
    return this.#kept.slice(first - this.#keptStart);
  }

  /** The last `count` (at most {@link TAIL_LINES}) log lines from line number `from` on, `container: line`. */
  tail(count = TAIL_LINES, from = 0): string[] {
    const take = Math.min(count, TAIL_LINES, this.#count - from);
    if (take <= 0) return [];
    return this.#tail.slice(-take).map((l) => `${l.container}: ${l.line}`);
  }

  /** Ends every iteration once it has caught up. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /**
   * The kept log lines from the first, then the ones still to come, until the run
   * settles. A line dropped (by `keepLogs`) before the iteration reached it is skipped.
   */
  async *logs(): AsyncGenerator<LogLine> {
    let index = 0;
    while (true) {
      while (index < this.#count) {
        index = Math.max(index, this.#firstKept());
        if (index >= this.#count) break;
        yield this.#kept[index - this.#keptStart] as LogLine;
        index += 1;
      }
      if (this.#closed) return;
      await this.#next();
    }
  }

  /**
   * Every event from the first, the kept log lines among them, then the ones still to
   * come. A line dropped (by `keepLogs`) before the iteration reached it is skipped.
   */
  async *events(): AsyncGenerator<RunEvent> {
    let line = 0;
    let event = 0;
    while (true) {
      while (line < this.#count || event < this.#events.length) {
        if (event < this.#events.length && (this.#marks[event] as number) <= line) {
          yield this.#events[event] as RunEvent;
          event += 1;
          continue;
        }
        const first = this.#firstKept();
        if (line < first) {
          // Dropped lines: skip them, but not past the next event.
          line = Math.min(first, event < this.#events.length ? (this.#marks[event] as number) : first);
          continue;
        }
        yield logEvent(this.#kept[line - this.#keptStart] as LogLine, this.#events[event - 1]?.elapsedMs ?? 0);
        line += 1;
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
  return { type: "log", container: line.container, line: line.line, timestamp: line.timestamp, ...(line.level === undefined ? {} : { level: line.level }), elapsedMs };
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
    case "metric":
      return text(`Metric "${event.metric.name}" of container "${event.metric.container}": ${event.metric.value}${event.metric.type === "timer" ? " s" : ""} (${event.metric.type})`);
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
