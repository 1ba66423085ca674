import { styleText } from "node:util";
import type { PodRunError } from "../lib/run/errors.ts";
import type { LogLine, RunResult } from "../lib/run/result.ts";
import type { ProgressEvent } from "../lib/run/runner.ts";

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

/**
 * The phase a progress event belongs to, as the command line names it: `creating`,
 * `scheduling`, `pulling`, `starting`, `uploading`, `ready`, `running`, `collecting`,
 * `deleting`.
 *
 * @example
 * ```ts
 * import { phaseOf } from "./reporter.ts";
 * phaseOf({ step: "uploadInputs", message: "Uploaded 1 file (6 B)" }); // "uploading"
 * ```
 */
export function phaseOf(event: ProgressEvent): string {
  switch (event.step) {
    case "create":
      return "creating";
    case "waitScheduled":
      return /pull/i.test(event.message) ? "pulling" : "scheduling";
    case "waitRunning":
      return /pull/i.test(event.message) ? "pulling" : "starting";
    case "uploadInputs":
      return "uploading";
    case "waitReady":
      return "ready";
    case "followLogs":
    case "waitCompletion":
      return "running";
    case "downloadOutputs":
    case "collectOutputValues":
      return "collecting";
    case "delete":
      return "deleting";
  }
}

/**
 * A byte count for people: `512 B`, `1.2 kB`, `3.4 MB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./reporter.ts";
 * formatBytes(1536); // "1.5 kB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

const CONTAINER_STYLES: readonly Style[] = ["cyan", "magenta", "yellow", "green", "blue", "red"];
const PHASE_WIDTH = 10;

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
}

/**
 * What `podkit run` shows while a pod runs: log lines on stdout prefixed by their
 * container, progress and the final summary on stderr, each line of podkit's own starting
 * with `podkit <phase>`. Colour only on a terminal.
 *
 * @example
 * ```ts
 * import { Reporter } from "./reporter.ts";
 * const reporter = new Reporter({ stdout: process.stdout, stderr: process.stderr, env: process.env, containers: ["main"] });
 * reporter.log({ container: "main", line: "hello", timestamp: "2026-01-01T00:00:00Z" }); // "main | hello"
 * ```
 */
export class Reporter {
  readonly #out: OutputStream;
  readonly #err: OutputStream;
  readonly #outColour: boolean;
  readonly #errColour: boolean;
  readonly #width: number;
  readonly #styles = new Map<string, Style>();
  readonly #lastTransfer = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: ReporterOptions) {
    this.#out = options.json === true ? options.stderr : options.stdout;
    this.#err = options.stderr;
    this.#outColour = useColour(this.#out, options.env);
    this.#errColour = useColour(this.#err, options.env);
    const containers = options.containers ?? [];
    this.#width = Math.max(0, ...containers.map((c) => c.length));
    containers.forEach((c, i) => this.#styles.set(c, CONTAINER_STYLES[i % CONTAINER_STYLES.length] as Style));
    this.#now = options.now ?? Date.now;
  }

  #style(format: Style | readonly Style[], text: string, colour: boolean): string {
    return colour ? styleText(format as Style, text, { validateStream: false }) : text;
  }

  #line(phase: string, text: string, format: Style = "cyan"): void {
    const label = this.#style([format, "bold"] as unknown as Style, `podkit ${phase.padEnd(PHASE_WIDTH)}`, this.#errColour);
    this.#err.write(`${label} ${text}\n`);
  }

  /** Writes one log line, prefixed by its container. */
  log(line: LogLine): void {
    let style = this.#styles.get(line.container);
    if (style === undefined) {
      style = CONTAINER_STYLES[this.#styles.size % CONTAINER_STYLES.length] as Style;
      this.#styles.set(line.container, style);
    }
    const prefix = this.#style(style, `${line.container.padEnd(this.#width)} |`, this.#outColour);
    this.#out.write(`${prefix} ${line.line}\n`);
  }

  /**
   * Writes a progress event as `podkit <phase> <message>`. Transfer events that repeat
   * with growing byte counts are shown at most once a second, and when complete.
   */
  progress(event: ProgressEvent): void {
    if (event.bytes !== undefined) {
      const key = `${event.step}\u0000${event.message}`;
      const now = this.#now();
      const last = this.#lastTransfer.get(key);
      const complete = event.totalBytes !== undefined && event.bytes >= event.totalBytes;
      if (last !== undefined && !complete && now - last < 1000) return;
      this.#lastTransfer.set(key, now);
    }
    let bytes = "";
    if (event.bytes !== undefined && !event.message.includes(formatBytes(event.bytes))) {
      bytes = event.totalBytes === undefined ? ` (${formatBytes(event.bytes)})` : ` (${formatBytes(event.bytes)} of ${formatBytes(event.totalBytes)})`;
    }
    this.#line(phaseOf(event), `${event.message}${bytes}`);
  }

  /** Writes a note of podkit's own, e.g. which kubeconfig is used. */
  note(text: string): void {
    this.#line("note", text, "yellow");
  }

  /** Writes what a run brought back: outcome, output files, output values. */
  summary(result: RunResult): void {
    const seconds = (result.timings.durationMs / 1000).toFixed(1);
    const outcome = `pod "${result.podName}" in namespace "${result.namespace}": ${result.phase}, exit code ${result.exitCode} (${seconds} s)${result.resumed ? ", resumed" : ""}${result.deleted ? ", deleted" : ", kept"}`;
    this.#line("done", outcome, result.exitCode === 0 ? "green" : "red");
    this.#outputs(result);
  }

  #outputs(result: RunResult): void {
    if (result.outputFiles.length > 0) this.#line("outputs", `${result.outputFiles.length} file${result.outputFiles.length === 1 ? "" : "s"} in ${result.outputDir ?? "(no directory)"}`);
    for (const file of result.outputFiles) {
      this.#line("output", `${file.name} (${formatBytes(file.size)}, sha256 ${file.sha256.slice(0, 12)}) ${file.path}`);
    }
    for (const refused of result.refusedOutputs) this.#line("refused", `${refused.name} (${refused.type}): ${refused.reason}`, "yellow");
    for (const [name, value] of Object.entries(result.vars)) this.#line("value", `${name} = ${JSON.stringify(value)}`);
  }

  /** Writes why a run failed, and what it brought back before failing. */
  failure(error: PodRunError): void {
    const first = error.message.split("\n")[0] ?? error.message;
    this.#line("failed", `${error.reason} at step ${error.step}${error.podName === undefined ? "" : ` (pod "${error.podName}")`}: ${first}`, "red");
    for (const event of error.events.filter((e) => e.type !== "Normal").slice(-5)) {
      this.#line("event", `${event.reason}: ${event.message}`, "yellow");
    }
    if (error.result !== undefined) this.#outputs(error.result);
  }

  /** Writes an error that is not a run failure. */
  error(text: string): void {
    this.#line("error", text, "red");
  }
}
