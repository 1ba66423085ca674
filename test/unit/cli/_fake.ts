// Test doubles for the command line: capturing streams and a scripted runner.
import type { CompiledPod, LogLine, ProgressEvent, RunOptions, RunResult, Runner } from "../../../lib/mod.ts";

/** Everything written, in order, tagged by stream. */
export class Terminal {
  readonly writes: { stream: "stdout" | "stderr"; text: string }[] = [];
  readonly stdout;
  readonly stderr;
  constructor(isTTY = false) {
    this.stdout = { isTTY, write: (text: string) => this.writes.push({ stream: "stdout", text }) };
    this.stderr = { isTTY, write: (text: string) => this.writes.push({ stream: "stderr", text }) };
  }
  text(stream: "stdout" | "stderr"): string {
    return this.writes.filter((w) => w.stream === stream).map((w) => w.text).join("");
  }
  /** Every line of both streams, in the order written. */
  lines(): string[] {
    return this.writes.flatMap((w) => w.text.split("\n").filter((l) => l !== ""));
  }
}

export function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    podName: "unittest-abcde",
    namespace: "default",
    runId: "run-1",
    phase: "Succeeded",
    exitCode: 0,
    containers: [{ name: "unittest", kind: "main", exitCode: 0, reason: "Completed", restartCount: 0 }],
    logs: [],
    vars: {},
    outputFiles: [],
    refusedOutputs: [],
    events: [],
    timings: { durationMs: 4200, steps: {} },
    resumed: false,
    deleted: true,
    ...overrides,
  };
}

/** A runner that plays a script of progress events and log lines, then returns or throws. */
export class ScriptedRunner implements Runner {
  compiled: CompiledPod | undefined;
  options: RunOptions | undefined;
  readonly script: readonly (ProgressEvent | LogLine)[];
  readonly end: () => RunResult;
  constructor(script: readonly (ProgressEvent | LogLine)[], end: () => RunResult) {
    this.script = script;
    this.end = end;
  }
  async run(compiled: CompiledPod, options: RunOptions = {}): Promise<RunResult> {
    this.compiled = compiled;
    this.options = options;
    for (const item of this.script) {
      await Promise.resolve();
      if ("step" in item) options.onProgress?.(item);
      else options.onLog?.(item);
    }
    return this.end();
  }
}

export const log = (container: string, line: string): LogLine => ({ container, line, timestamp: "2026-01-01T00:00:00.000000000Z" });
