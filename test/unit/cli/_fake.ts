// Test doubles for the command line: capturing streams and a runner that plays a script of events.
import type { CompiledPod, LogEvent, RunEvent, RunEventInput, RunOptions, RunResult, Runner } from "../../../lib/mod.ts";

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
    failed: false,
    podName: "unittest-abcde",
    namespace: "default",
    runId: "run-1",
    phase: "Succeeded",
    exitCode: 0,
    containers: [{ name: "unittest", kind: "main", exitCode: 0, reason: "Completed", restartCount: 0 }],
    logs: [],
    logTail: [],
    vars: {},
    metrics: [],
    outputFiles: [],
    refusedOutputs: [],
    events: [],
    timings: { durationMs: 4200, steps: {} },
    resumed: false,
    deleted: true,
    attempts: [{ attempt: 1, podName: "unittest-abcde", exitCode: 0, durationMs: 4200 }],
    ...overrides,
  };
}

/** An event as a runner emits it, stamped with a time from the start of the run. */
export function event(input: RunEventInput, elapsedMs = 0): RunEvent {
  return { ...input, elapsedMs } as RunEvent;
}

/** A `log` event. */
export const log = (container: string, line: string): LogEvent => ({ type: "log", container, line, timestamp: "2026-01-01T00:00:00.000000000Z", elapsedMs: 0 });

/** A runner that hands a script of events to `onEvent`, then returns or throws. */
export class ScriptedRunner implements Runner {
  compiled: CompiledPod | undefined;
  options: RunOptions | undefined;
  readonly script: readonly RunEvent[];
  readonly end: () => RunResult;
  constructor(script: readonly RunEvent[], end: () => RunResult) {
    this.script = script;
    this.end = end;
  }
  async run(compiled: CompiledPod, options: RunOptions = {}): Promise<RunResult> {
    this.compiled = compiled;
    this.options = options;
    for (const item of this.script) {
      await Promise.resolve();
      options.onEvent?.(item);
    }
    return this.end();
  }
}
