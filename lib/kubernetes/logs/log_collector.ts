import type { LogLine } from "../../run/result.ts";

/**
 * The log lines of a run, in arrival order, as a list that only grows and as any number of
 * async iterables over it. An iterator started late still sees every line from the first;
 * all iterators end when the collector closes. No extra copy is kept per reader.
 *
 * @example
 * ```ts
 * import { LogCollector } from "./log_collector.ts";
 * const logs = new LogCollector();
 * logs.add({ container: "main", line: "hello", timestamp: "2026-01-01T00:00:00Z" });
 * logs.close();
 * for await (const l of logs) console.log(l.line); // "hello"
 * ```
 */
export class LogCollector implements AsyncIterable<LogLine> {
  /** Every line so far, in arrival order. */
  readonly lines: LogLine[] = [];
  #closed = false;
  #wake: (() => void)[] = [];
  readonly #onLog: ((line: LogLine) => void) | undefined;
  /** The first exception the `onLog` callback threw, if any. */
  callbackError: unknown;

  constructor(onLog?: (line: LogLine) => void) {
    this.#onLog = onLog;
  }

  /** Appends a line and hands it to the callback and to waiting readers. */
  add(line: LogLine): void {
    this.lines.push(line);
    if (this.#onLog !== undefined && this.callbackError === undefined) {
      try {
        this.#onLog(line);
      } catch (error) {
        this.callbackError = error ?? new Error("The onLog callback threw");
      }
    }
    this.#wakeAll();
  }

  /** Ends every iteration once it has read the last line. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** The last `count` lines as `container: line`. */
  tail(count = 20): string[] {
    return this.lines.slice(-count).map((l) => `${l.container}: ${l.line}`);
  }

  #wakeAll(): void {
    if (this.#wake.length === 0) return;
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  /** Iterates over every line from the first, then over new ones until closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<LogLine> {
    let index = 0;
    while (true) {
      while (index < this.lines.length) {
        yield this.lines[index] as LogLine;
        index += 1;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }
}
