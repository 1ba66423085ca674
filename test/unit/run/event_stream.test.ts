import { describe, expect, test } from "vitest";
import { DEFAULT_KEEP_LOGS, formatBytes, keepLogsLimit, progressOf, RunEventStream, type RunEvent } from "../../../lib/mod.ts";

const line = (container: string, text: string) => ({ container, line: text, timestamp: "2026-12-01T00:00:00.000000000Z" });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("RunEventStream", () => {
  test("every iteration of events() replays from the first event, log lines where they fell, and ends when closed", async () => {
    const stream = new RunEventStream();
    stream.emit({ type: "created", podName: "p", namespace: "ns", runId: "r", resumed: false, attempt: 1 }, "create");
    stream.log(line("main", "1"));
    const early = collect(stream.events());
    stream.emit({ type: "started", container: "main", kind: "main" }, "waitRunning");
    await new Promise((r) => setTimeout(r, 5));
    stream.log(line("main", "2"));
    stream.emit({ type: "completed", phase: "Succeeded", exitCode: 0 }, "waitCompletion");
    stream.close();
    const late = await collect(stream.events());
    const shape = (events: RunEvent[]) => events.map((e) => (e.type === "log" ? `log:${e.line}` : e.type));
    expect(shape(await early)).toEqual(["created", "log:1", "started", "log:2", "completed"]);
    expect(shape(late)).toEqual(shape(await early));
  });

  test("gives every logs() iteration every line from the first, and the tail", async () => {
    const stream = new RunEventStream();
    stream.log(line("a", "1"));
    const early = collect(stream.logs());
    stream.log(line("b", "2"));
    stream.close();
    expect((await early).map((l) => l.line)).toEqual(["1", "2"]);
    expect(stream.tail(1)).toEqual(["b: 2"]);
  });

  test("hands events to onEvent, lines to onLog, and milestones as text to onProgress", () => {
    const events: RunEvent[] = [];
    const lines: string[] = [];
    const progress: string[] = [];
    const stream = new RunEventStream({ onEvent: (e) => events.push(e), onLog: (l) => lines.push(l.line), onProgress: (p) => progress.push(`${p.step}: ${p.message}`) });
    stream.emit({ type: "created", podName: "p", namespace: "ns", runId: "r", resumed: false, attempt: 1 }, "create");
    stream.log(line("main", "hello"));
    stream.emit({ type: "transfer", direction: "upload", bytes: 1536, totalBytes: 1536, files: 1, done: true }, "uploadInputs");
    expect(events.map((e) => e.type)).toEqual(["created", "log", "transfer"]);
    expect(events[1]).toMatchObject({ type: "log", container: "main", line: "hello" });
    expect(events.every((e) => typeof e.elapsedMs === "number")).toBe(true);
    expect(lines).toEqual(["hello"]);
    expect(progress).toEqual(['create: Created pod "p"', "uploadInputs: Uploaded 1 file (1.5 kB)"]);
  });

  test("stops calling a callback that threw, keeps the first error, and keeps recording", () => {
    const stream = new RunEventStream({
      onLog: () => {
        throw new Error("callback failed");
      },
    });
    stream.log(line("a", "1"));
    stream.log(line("a", "2"));
    expect(stream.lineCount).toBe(2);
    expect(stream.keptLines()).toHaveLength(2);
    expect((stream.callbackError as Error).message).toBe("callback failed");
  });
});

describe("RunEventStream with keepLogs", () => {
  const flood = (stream: RunEventStream, from: number, to: number) => {
    for (let i = from; i <= to; i++) stream.log(line("main", String(i)));
  };

  test('keeps no line with "none", yet hands every line to the callbacks and keeps the tail', () => {
    const seen: string[] = [];
    const stream = new RunEventStream({ keepLogs: "none", onLog: (l) => seen.push(l.line) });
    flood(stream, 1, 1000);
    expect(stream.lineCount).toBe(1000);
    expect(stream.keptLines()).toEqual([]);
    expect(seen).toHaveLength(1000);
    expect(stream.tail()).toEqual(Array.from({ length: 20 }, (_, i) => `main: ${981 + i}`));
    expect(stream.tail(3, 999)).toEqual(["main: 1000"]);
  });

  test("keeps the last N lines with a number, and counts from a given line", () => {
    const stream = new RunEventStream({ keepLogs: 10 });
    flood(stream, 1, 95);
    expect(stream.keptLines().map((l) => l.line)).toEqual(Array.from({ length: 10 }, (_, i) => String(86 + i)));
    expect(stream.keptLines(90).map((l) => l.line)).toEqual(["91", "92", "93", "94", "95"]);
  });

  test('keeps every line with "all" and the last 100 000 by default', () => {
    const all = new RunEventStream({ keepLogs: "all" });
    const byDefault = new RunEventStream();
    for (const stream of [all, byDefault]) flood(stream, 1, 100_005);
    expect(all.keptLines()).toHaveLength(100_005);
    expect(byDefault.keptLines()).toHaveLength(100_000);
    expect(byDefault.keptLines()[0]?.line).toBe("6");
  });

  test("events() and logs() replay only the kept lines, where they fell among the events", async () => {
    const stream = new RunEventStream({ keepLogs: 2 });
    stream.emit({ type: "started", container: "main", kind: "main" }, "waitRunning");
    flood(stream, 1, 5);
    stream.emit({ type: "completed", phase: "Succeeded", exitCode: 0 }, "waitCompletion");
    flood(stream, 6, 6);
    stream.close();
    const events = (await collect(stream.events())).map((e) => (e.type === "log" ? e.line : e.type));
    expect(events).toEqual(["started", "5", "completed", "6"]);
    expect((await collect(stream.logs())).map((l) => l.line)).toEqual(["5", "6"]);
  });

  test("an iteration that falls behind skips the lines dropped meanwhile, and sees the ones after", async () => {
    const stream = new RunEventStream({ keepLogs: 3 });
    flood(stream, 1, 2);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const l of stream.logs()) {
        seen.push(l.line);
        if (l.line === "1") flood(stream, 3, 10);
      }
    })();
    await new Promise((r) => setTimeout(r, 5));
    stream.close();
    await reading;
    expect(seen).toEqual(["1", "8", "9", "10"]);
  });

  test.each([[-1], [1.5], [Number.NaN], ["some" as never]])("refuses keepLogs %s with a RangeError", (keep) => {
    expect(() => new RunEventStream({ keepLogs: keep })).toThrow(RangeError);
  });

  test("keepLogsLimit() reads the choices as numbers of lines", () => {
    expect([keepLogsLimit("all"), keepLogsLimit("none"), keepLogsLimit(7), keepLogsLimit(undefined)]).toEqual([Infinity, 0, 7, DEFAULT_KEEP_LOGS]);
  });
});

describe("progressOf()", () => {
  test("states sizes once, in one unit system", () => {
    const done = progressOf({ type: "transfer", direction: "download", bytes: 268_435_456, files: 2, done: true, elapsedMs: 1 }, "downloadOutputs");
    expect(done?.message).toBe("Collected 2 files (268 MB)");
    expect(progressOf({ type: "log", container: "a", line: "x", timestamp: "t", elapsedMs: 1 }, "followLogs")).toBeUndefined();
  });
});

describe("formatBytes()", () => {
  test.each([
    [0, "0 B"],
    [999, "999 B"],
    [1536, "1.5 kB"],
    [268_435_456, "268 MB"],
    [1_000_000_000, "1.0 GB"],
  ])("%d bytes read %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
