import { open, type FileHandle } from "node:fs/promises";
import type { LogLine } from "../../run/result.ts";

/** Text gathered before one write: few writes for many short lines, little held. */
const BATCH_CHARS = 64 * 1024;

/**
 * The `logFile` of a run: every line, as `container<TAB>line<LF>`, written in batches in
 * arrival order. Writes never block the caller; the first failure is kept in `error` and
 * ends the writing (the run reports it once the pod is cleaned up).
 *
 * @example
 * ```ts
 * import { LogFile } from "./log_file.ts";
 * const file = await LogFile.open("/tmp/run.log");
 * file.write({ container: "main", line: "a\tb", timestamp: "2026-12-01T00:00:00Z" });
 * await file.close(); // the file holds "main\ta\tb\n"
 * ```
 */
export class LogFile {
  /** The path, as given. */
  readonly path: string;
  /** The first write error, if any. */
  error: unknown;
  readonly #handle: FileHandle;
  #pending = "";
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /**
   * Creates (or truncates) the file at `path`.
   *
   * @throws {Error} `Cannot open the log file "…": …` when it cannot be created
   */
  static async open(path: string): Promise<LogFile> {
    try {
      return new LogFile(path, await open(path, "w"));
    } catch (error) {
      throw new Error(`Cannot open the log file "${path}": ${(error as Error).message}`, { cause: error });
    }
  }

  /** Appends a line. */
  write(line: LogLine): void {
    this.#pending += `${line.container}\t${line.line}\n`;
    if (this.#pending.length >= BATCH_CHARS) this.#flush();
  }

  /** Writes what is pending and closes the file; resolves once everything is on disk or failed. */
  async close(): Promise<void> {
    this.#flush();
    await this.#writing;
    await this.#handle.close().catch((error: unknown) => {
      this.error ??= error;
    });
  }

  #flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#writing = this.#writing.then(async () => {
      if (this.error !== undefined) return;
      try {
        // writeFile on a handle writes from the current position, all of it (write() may stop short).
        await this.#handle.writeFile(text, "utf8");
      } catch (error) {
        this.error = new Error(`Cannot write the log file "${this.path}": ${(error as Error).message}`, { cause: error });
      }
    });
  }
}
