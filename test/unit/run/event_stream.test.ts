import { describe, expect, test } from "vitest";
import { formatBytes, progressOf, RunEventStream, type RunEvent } from "../../../lib/mod.ts";

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
    expect(stream.lines).toHaveLength(2);
    expect((stream.callbackError as Error).message).toBe("callback failed");
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
