import { styleText } from "node:util";
import type { PodRunError } from "../lib/run/errors.ts";
import type { RunEvent, TransferEvent } from "../lib/run/events.ts";
import { formatBytes } from "../lib/run/format.ts";
import type { LogLine, PodEvent, RunResult } from "../lib/run/result.ts";

/** Where the command line writes: `process.stdout`, `process.stderr`, or a test double. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

type Style = Parameters<typeof styleText>[0];

/**
 * Whether to colour a stream: never with `NO_COLOR`, always with `FORCE_COLOR` (other
 * than `0`), else only on a terminal.
 *
 * @example
 * ```ts
 * import { useColour } from "./reporter.ts";
 * useColour({ write: () => true, isTTY: true }, { NO_COLOR: "1" }); // false
 * ```
 */
export function useColour(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env["NO_COLOR"]) return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true;
}

/** The phase of a run as the command line names it, by the type of the event that shows it. */
export type Phase =
  | "creating"
  | "scheduling"
  | "pulling"
  | "starting"
  | "event"
  | "uploading"
  | "ready"
  | "running"
  | "collecting"
  | "deleting"
  | "retrying"
  | "metric"
  | "failed";

/**
 * The phase an event belongs to, decided by its `type` (and, for transfers, its
 * direction; for containers, whether they are init containers).
 *
 * @example
 * ```ts
 * import { phaseOf } from "./reporter.ts";
 * phaseOf({ type: "transfer", direction: "upload", bytes: 6, done: true, elapsedMs: 900 }); // "uploading"
 * ```
 */
export function phaseOf(event: RunEvent): Phase {
  switch (event.type) {
    case "created":
      return "creating";
    case "scheduled":
      return "scheduling";
    case "pulling":
    case "pulled":
      return "pulling";
    case "waiting":
      return "starting";
    case "podEvent":
      return "event";
    case "started":
      return event.kind === "init" ? "starting" : "running";
    case "ready":
      return "ready";
    case "transfer":
      return event.direction === "upload" ? "uploading" : "collecting";
    case "log":
    case "containerTerminated":
      return "running";
    case "metric":
      return "metric";
    case "completed":
      return "collecting";
    case "deleted":
      return "deleting";
    case "attemptFailed":
      return "retrying";
    case "failed":
      return "failed";
  }
}

const CONTAINER_STYLES: readonly Style[] = ["cyan", "magenta", "yellow", "green", "blue", "red"];
const PHASE_WIDTH = 10;
/** Transfer progress is shown at most this often; the end of a transfer always. */
const TRANSFER_INTERVAL_MS = 1000;

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? "" : "s"}`;
}

function eventKey(event: PodEvent): string {
  return `${event.reason}\u0000${event.message}`;
}

/** Options of a {@link Reporter}. */
export interface ReporterOptions {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Logs go to stderr so that stdout holds only the JSON result. @default false */
  readonly json?: boolean;
  /** Container names, to align the prefixes of their log lines. @default [] */
  readonly containers?: readonly string[];
  /** Clock for throttling transfer progress. @default Date.now */
  readonly now?: () => number;
  /**
   * Gather log lines and write them in blocks (at most 64 KiB, and at least once per turn
   * of the event loop) instead of one write each; podkit's own lines flush them first, so
   * the order of everything written stays the same. Call {@link Reporter.flush} at the end.
   * @default false
   */
  readonly batch?: boolean;
}

/**
 * What `podkit run` shows while a pod runs: log lines on stdout prefixed by their
 * container, the run's events and the final summary on stderr, each line of podkit's own
 * starting with `podkit <phase>`. Colour only on a terminal.
 *
 * @example
 * ```ts
 * import { Reporter } from "./reporter.ts";
 * const reporter = new Reporter({ stdout: process.stdout, stderr: process.stderr, env: process.env, containers: ["main"] });
 * reporter.event({ type: "scheduled", node: "node-1", elapsedMs: 40 }); // podkit scheduling Scheduled on node "node-1"
 * reporter.event({ type: "log", container: "main", line: "hello", timestamp: "2026-01-01T00:00:00Z", elapsedMs: 900 }); // main | hello
 * ```
 */
export class Reporter {
  readonly #out: OutputStream;
  readonly #err: OutputStream;
  readonly #outColour: boolean;
  readonly #errColour: boolean;
  readonly #width: number;
  readonly #styles = new Map<string, Style>();
  readonly #lastTransfer = new Map<TransferEvent["direction"], number>();
  readonly #shownEvents = new Set<string>();
  readonly #now: () => number;
  #podName: string | undefined;
  #failureShown = false;
  readonly #batch: boolean;
  #pending: string[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;

  constructor(options: ReporterOptions) {
    this.#out = options.json === true ? options.stderr : options.stdout;
    this.#err = options.stderr;
    this.#outColour = useColour(this.#out, options.env);
    this.#errColour = useColour(this.#err, options.env);
    const containers = options.containers ?? [];
    this.#width = Math.max(0, ...containers.map((c) => c.length));
    containers.forEach((c, i) => this.#styles.set(c, CONTAINER_STYLES[i % CONTAINER_STYLES.length] as Style));
    this.#now = options.now ?? Date.now;
    this.#batch = options.batch === true;
  }

  /** Writes the log lines gathered so far (see `batch`). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join("");
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#out.write(text);
  }

  #writeOut(text: string): void {
    if (!this.#batch) {
      this.#out.write(text);
      return;
    }
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes >= 64 * 1024) this.flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.flush();
      });
    }
  }

  #style(format: Style | readonly Style[], text: string, colour: boolean): string {
    return colour ? styleText(format as Style, text, { validateStream: false }) : text;
  }

  #line(phase: string, text: string, format: Style = "cyan"): void {
    const label = this.#style([format, "bold"] as unknown as Style, `podkit ${phase.padEnd(PHASE_WIDTH)}`, this.#errColour);
    this.flush();
    this.#err.write(`${label} ${text}\n`);
  }

  /**
   * Writes one log line, prefixed by its container, on stdout; an entry of a
   * `::{"logs":[…]}::` line (it has a `level`) goes to stderr as `podkit log`, with its
   * level, so that stdout holds the containers' plain output only.
   */
  log(line: LogLine): void {
    if (line.level !== undefined) {
      const format: Style = line.level === "ERROR" ? "red" : line.level === "WARN" ? "yellow" : "cyan";
      this.#line("log", `${line.container} ${line.level} ${line.line}`, format);
      return;
    }
    let style = this.#styles.get(line.container);
    if (style === undefined) {
      style = CONTAINER_STYLES[this.#styles.size % CONTAINER_STYLES.length] as Style;
      this.#styles.set(line.container, style);
    }
    const prefix = this.#style(style, `${line.container.padEnd(this.#width)} |`, this.#outColour);
    this.#writeOut(`${prefix} ${line.line}\n`);
  }

  /**
   * Writes an event of the run: a `log` event as a log line, every other one as
   * `podkit <phase> <text>`. Transfer progress is shown at most once a second per
   * direction, and always when the transfer is done.
   */
  event(event: RunEvent): void {
    const phase = phaseOf(event);
    switch (event.type) {
      case "log":
        return this.log(event);
      case "metric": {
        const { metric } = event;
        const tags = Object.entries(metric.tags).map(([k, v]) => `${k}=${v}`);
        return this.#line(phase, `${metric.container} ${metric.name} = ${metric.value}${metric.type === "timer" ? " s" : ""} (${metric.type})${tags.length === 0 ? "" : ` ${tags.join(" ")}`}`);
      }
      case "created":
        this.#podName = event.podName;
        return this.#line(phase, event.resumed ? `Reattached to pod "${event.podName}"` : `Created pod "${event.podName}"`);
      case "scheduled":
        return this.#line(phase, `Scheduled on node "${event.node}"`);
      case "pulling":
      case "pulled":
        return this.#line(phase, event.message);
      case "waiting":
        return this.#line(phase, event.reason === "ContainerCreating" ? "Creating containers" : event.reason === "PodInitializing" ? "Initializing" : `Waiting: ${event.reason}`);
      case "podEvent":
        this.#shownEvents.add(eventKey(event.event));
        return this.#line(phase, `${event.event.reason}: ${event.event.message}`, event.event.type === "Warning" ? "yellow" : "cyan");
      case "started":
        return this.#line(phase, `${event.kind === "init" ? "Init container" : "Container"} "${event.container}" started`);
      case "ready":
        return this.#line(phase, "The pod is ready");
      case "transfer":
        return this.#transfer(event, phase);
      case "containerTerminated":
        return this.#line(
          phase,
          `${event.kind === "init" ? "Init container" : "Container"} "${event.container}" ended with exit code ${event.exitCode}${event.reason === undefined ? "" : ` (${event.reason})`}`,
          event.exitCode === 0 ? "cyan" : "red",
        );
      case "completed":
        return this.#line(phase, `Containers finished (${event.phase}, exit code ${event.exitCode}); collecting what they left`);
      case "deleted":
        return this.#line(
          phase,
          event.gracePeriodSeconds !== undefined && event.gracePeriodSeconds > 0
            ? `Deleting pod "${event.podName}": its containers got SIGTERM and have ${event.gracePeriodSeconds} s to stop`
            : `Deleted pod "${event.podName}"`,
        );
      case "attemptFailed":
        return this.#line(phase, `Attempt ${event.attempt} failed (${event.reason}${event.exitCode === undefined ? "" : `, exit code ${event.exitCode}`}): ${event.shortMessage}; attempt ${event.nextAttempt} in ${(event.delayMs / 1000).toFixed(1)} s`, "yellow");
      case "failed":
        this.#failureShown = true;
        return this.#line(phase, this.#headline(event.reason, event.step, this.#podName, event.shortMessage), "red");
    }
  }

  #transfer(event: TransferEvent, phase: Phase): void {
    const upload = event.direction === "upload";
    if (event.done) {
      this.#lastTransfer.delete(event.direction);
      const what = event.files === undefined ? "" : `${plural(event.files, "file")} `;
      this.#line(phase, `${upload ? "Uploaded" : "Collected"} ${what}(${formatBytes(event.bytes)})`);
      return;
    }
    const now = this.#now();
    const last = this.#lastTransfer.get(event.direction);
    if (last !== undefined && now - last < TRANSFER_INTERVAL_MS) return;
    this.#lastTransfer.set(event.direction, now);
    const size = event.totalBytes === undefined ? formatBytes(event.bytes) : `${formatBytes(event.bytes)} of ${formatBytes(event.totalBytes)}`;
    this.#line(phase, `${upload ? "Uploading input files" : "Collecting output files"} (${size})`);
  }

  #headline(reason: string, step: string, podName: string | undefined, shortMessage: string): string {
    return `${reason} at step ${step}${podName === undefined ? "" : ` (pod "${podName}")`}: ${shortMessage}`;
  }

  /**
   * Says what a first Ctrl-C (or SIGTERM) does: with a grace period, the containers get
   * SIGTERM and their last lines are read; without, the pod is deleted at once.
   */
  aborting(signal: string | undefined, graceSeconds: number): void {
    const by = signal === undefined ? "Aborted" : `${signal}`;
    this.#line(
      "aborting",
      graceSeconds > 0
        ? `${by}: stopping the run; the containers get SIGTERM and up to ${graceSeconds} s to stop, their last lines are shown (Ctrl-C again to delete the pod at once)`
        : `${by}: stopping the run and deleting the pod at once`,
      "yellow",
    );
  }

  /** Says what a second Ctrl-C does: the pod is deleted without waiting; a third exits. */
  forcing(graceSeconds: number): void {
    this.#line(
      "aborting",
      `Again: ${graceSeconds > 0 ? "deleting the pod at once, without waiting for its containers" : "the pod is already being deleted at once"} (Ctrl-C again to exit now; the pod may be left behind)`,
      "yellow",
    );
  }

  /** Writes a note of podkit's own, e.g. which kubeconfig is used. */
  note(text: string): void {
    this.#line("note", text, "yellow");
  }

  /** Writes what a run brought back: outcome, output files, output values. */
  summary(result: RunResult): void {
    const seconds = (result.timings.durationMs / 1000).toFixed(1);
    const outcome = `pod "${result.podName}" in namespace "${result.namespace}": ${result.phase}, exit code ${result.exitCode} (${seconds} s)${result.resumed ? ", resumed" : ""}${result.deleted ? ", deleted" : ", kept"}`;
    this.#line("done", outcome, result.failed || result.exitCode !== 0 ? "red" : "green");
    this.#outputs(result);
  }

  #outputs(result: RunResult): void {
    for (const log of result.incompleteLogs ?? []) this.#line("logs", `the log of "${log.container}" is incomplete: ${log.reason}`, "yellow");
    if (result.outputsError !== undefined) this.#line("outputs", `no output file collected: ${result.outputsError}`, "red");
    if (result.outputFiles.length > 0) this.#line("outputs", `${plural(result.outputFiles.length, "file")} in ${result.outputDir ?? "(no directory)"}`);
    for (const file of result.outputFiles) {
      this.#line("output", `${file.name} (${formatBytes(file.size)}, sha256 ${file.sha256.slice(0, 12)}) ${file.path}`);
    }
    for (const refused of result.refusedOutputs) this.#line("refused", `${refused.name} (${refused.type}): ${refused.reason}`, "yellow");
    if (result.outputValuesError !== undefined) this.#line("values", result.outputValuesError, "red");
    for (const [name, value] of Object.entries(result.vars)) this.#line("value", `${name} = ${JSON.stringify(value)}`);
  }

  /**
   * Writes why a run failed (unless its `failed` event already did), the pod's warning
   * events not yet shown, and what the run brought back before failing.
   */
  failure(error: PodRunError): void {
    if (!this.#failureShown) this.#line("failed", this.#headline(error.reason, error.step, error.podName ?? this.#podName, error.shortMessage), "red");
    const warnings = error.events.filter((e) => e.type !== "Normal" && !this.#shownEvents.has(eventKey(e)));
    for (const event of warnings.slice(-5)) this.#line("event", `${event.reason}: ${event.message}`, "yellow");
    if (error.result !== undefined) this.#outputs(error.result);
  }

  /** Writes an error that is not a run failure. */
  error(text: string): void {
    this.#line("error", text, "red");
  }
}
