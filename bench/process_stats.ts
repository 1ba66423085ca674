import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How a measured command ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak RSS of the command in KiB, as `/usr/bin/time` reports it. */
  readonly rssKb: number;
  /** CPU time of the command (user + system) in ms, as `/usr/bin/time` reports it. */
  readonly cpuMs: number;
}

/** Options of {@link measuredCommand}. */
export interface MeasuredCommandOptions {
  /** Receives stdout as it arrives; when set, `stdout` of the result stays empty. */
  readonly onStdout?: (chunk: string) => void;
  readonly timeoutMs?: number;
  /** Environment of the command. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Path of GNU time; its `%M` is the peak RSS of the command it runs, `%U` and `%S` its user
 * and system CPU seconds (10 ms resolution).
 */
const TIME = process.env["PODKIT_BENCH_TIME"] ?? "/usr/bin/time";

/**
 * Runs a command under `/usr/bin/time -f "%M %U %S"` and reports its exit code, output,
 * peak RSS and CPU time. Never rejects for a non-zero exit: the caller judges.
 */
export function measuredCommand(
  command: string,
  args: readonly string[],
  options: MeasuredCommandOptions = {},
): Promise<CommandResult> {
  const dir = mkdtempSync(join(tmpdir(), "podkit-bench-time-"));
  const out = join(dir, "rss");
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ["-f", "%M %U %S", "-o", out, command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.env !== undefined ? { env: options.env } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (c: string) => {
      if (options.onStdout) options.onStdout(c);
      else stdout += c;
    });
    child.stderr.on("data", (c: string) => {
      stderr += c;
    });
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`Cannot run "${command}": ${e.message}`, { cause: e }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      let rssKb = 0;
      let cpuMs = 0;
      try {
        // GNU time prefixes "Command exited with non-zero status N" on failure.
        const lines = readFileSync(out, "utf8").trim().split("\n");
        const [rss, user, sys] = (lines[lines.length - 1] ?? "").trim().split(/\s+/).map(Number);
        rssKb = rss || 0;
        cpuMs = Math.round(((user || 0) + (sys || 0)) * 1000);
      } catch {
        // Killed before time wrote its report.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, rssKb, cpuMs });
    });
  });
}
