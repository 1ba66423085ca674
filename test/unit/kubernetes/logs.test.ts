import { describe, expect, it } from "vitest";
import { followContainerLogs, isKubeletLogError, type LogSource, type LogStreamRequest } from "../../../lib/kubernetes/logs/follow.ts";
import type { LogLine } from "../../../lib/run/result.ts";

/** The kubelet's view of one container log: timestamped lines, rounded sinceTime. */
class FakeKubelet {
  readonly entries: { ts: string; line: string; newline: boolean }[] = [];
  readonly requests: LogStreamRequest[] = [];

  add(ts: string, line: string, newline = true): void {
    this.entries.push({ ts, line, newline });
  }

  /** What a read from `sinceTime` (rounded down to the second, as the API server does) returns. */
  text(sinceTime: string | undefined): string {
    const since = sinceTime === undefined ? -Infinity : Math.floor(Date.parse(sinceTime) / 1000) * 1000;
    return this.entries
      .filter((e) => Date.parse(e.ts) >= since)
      .map((e) => `${e.ts} ${e.line}${e.newline ? "\n" : ""}`)
      .join("");
  }
}

/** A source whose streams follow a script: each open returns the next behaviour. */
function source(kubelet: FakeKubelet, script: ((text: string, request: LogStreamRequest) => AsyncIterable<Uint8Array>)[]): LogSource {
  let call = 0;
  return {
    open: async (request) => {
      kubelet.requests.push(request);
      const behaviour = script[Math.min(call, script.length - 1)];
      call += 1;
      if (behaviour === undefined) throw new Error("no script");
      return behaviour(kubelet.text(request.sinceTime), request);
    },
  };
}

async function* whole(text: string): AsyncIterable<Uint8Array> {
  // Chunks cut at awkward places: inside timestamps, lines and multi-byte characters.
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
}

async function* brokenAfter(text: string, bytes: number): AsyncIterable<Uint8Array> {
  yield Buffer.from(text).subarray(0, bytes);
  throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

describe("followContainerLogs", () => {
  it("delivers every line exactly once across a broken stream, byte-exact", async () => {
    const kubelet = new FakeKubelet();
    kubelet.add("2026-01-01T10:00:00.1Z", "one");
    kubelet.add("2026-01-01T10:00:00.2Z", "  two\t ");
    kubelet.add("2026-01-01T10:00:00.2Z", "  two\t ");
    kubelet.add("2026-01-01T10:00:00.3Z", "three\r");
    kubelet.add("2026-01-01T10:00:01.5Z", "é four");
    let terminated = false;
    const lines: LogLine[] = [];
    const report = await followContainerLogs({
      source: source(kubelet, [
        (text) => brokenAfter(text, text.indexOf("three") + 2), // cut inside "three"
        (text) => {
          terminated = true;
          return whole(text);
        },
        (text) => whole(text),
      ]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l),
      terminated: () => terminated,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(lines.map((l) => l.line)).toEqual(["one", "  two\t ", "  two\t ", "three\r", "é four"]);
    expect(lines[0]).toEqual({ container: "main", line: "one", timestamp: "2026-01-01T10:00:00.1Z" });
    expect(kubelet.requests.map((r) => [r.follow, r.sinceTime])).toEqual([
      [true, undefined],
      [true, "2026-01-01T10:00:00.2Z"],
      // The container ended while the second follow stream was behind: the rest is read
      // without following, from the cursor, once that read is seen to begin before it.
      [false, "2026-01-01T10:00:00.2Z"],
    ]);
    expect(report).toEqual({ lines: 5, reopened: 2 });
  });

  it("reads the rest without following once the container ends during a flood, each line once", async () => {
    const kubelet = new FakeKubelet();
    for (let i = 1; i <= 50; i++) kubelet.add(`2026-01-01T10:00:00.${String(i).padStart(3, "0")}Z`, `line ${i}`);
    let terminated = false;
    let followChunks = 0;
    const lines: string[] = [];
    const report = await followContainerLogs({
      source: source(kubelet, [
        async function* (text) {
          // A follow stream far behind: the container ends after its first chunks.
          for await (const chunk of whole(text)) {
            followChunks += 1;
            if (followChunks === 10) terminated = true;
            yield chunk;
          }
        },
        (text) => whole(text),
      ]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l.line),
      terminated: () => terminated,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 1}`));
    expect(kubelet.requests.map((r) => r.follow)).toEqual([true, false]);
    expect(followChunks).toBe(10);
    expect(report).toEqual({ lines: 50, reopened: 1 });
  });

  it("keeps following when the read after the container's end begins after the cursor (the file was rotated past it)", async () => {
    const kubelet = new FakeKubelet();
    for (let i = 1; i <= 6; i++) kubelet.add(`2026-01-01T10:00:00.${i}Z`, `line ${i}`);
    // The current file, after a rotation: only lines 5 and 6; the follow stream still reads the rotated one.
    const current = kubelet.entries.slice(4).map((e) => `${e.ts} ${e.line}\n`).join("");
    let terminated = false;
    const lines: string[] = [];
    const report = await followContainerLogs({
      source: source(kubelet, [
        async function* (text) {
          // Lines 1 and 2 arrive as the container ends, then the rest of the rotated file.
          const cut = Buffer.byteLength(text.slice(0, text.indexOf("line 3")));
          terminated = true;
          yield Buffer.from(text).subarray(0, cut);
          yield Buffer.from(text).subarray(cut);
        },
        () => whole(current),
        () => whole(current),
      ]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l.line),
      terminated: () => terminated,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(lines).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5", "line 6"]);
    // The follow stream, the read refused, then the last read from the cursor.
    expect(kubelet.requests.map((r) => r.follow)).toEqual([true, false, false]);
    expect(report.incomplete).toBeUndefined();
  });

  it("reads the rest without following once the follow stream has got past the start of the rotated-to file", async () => {
    const kubelet = new FakeKubelet();
    for (let i = 1; i <= 20; i++) kubelet.add(`2026-01-01T10:00:00.${String(i).padStart(3, "0")}Z`, `line ${i}`);
    // The current file begins at line 5: lines 1-4 are only in the rotated file.
    const current = (sinceTime: string | undefined): string =>
      kubelet.text(sinceTime).split("\n").filter((l) => l !== "" && Number(l.split(" line ")[1]) >= 5).map((l) => `${l}\n`).join("");
    let terminated = false;
    let followLines = 0;
    const lines: string[] = [];
    const report = await followContainerLogs({
      source: source(kubelet, [
        async function* (text) {
          // One line per chunk, far behind: the container ends after the second.
          for (const line of text.split(/(?<=\n)/)) {
            followLines += 1;
            if (followLines === 2) terminated = true;
            yield Buffer.from(line);
          }
        },
        (_text, request) => whole(current(request.sinceTime)),
        (_text, request) => whole(current(request.sinceTime)),
      ]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l.line),
      terminated: () => terminated,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 1}`));
    // Refused at line 2 (the current file begins at line 5), read again once line 6 was in.
    expect(kubelet.requests.map((r) => [r.follow, r.sinceTime])).toEqual([
      [true, undefined],
      [false, "2026-01-01T10:00:00.002Z"],
      [false, "2026-01-01T10:00:00.006Z"],
    ]);
    expect(followLines).toBe(6);
    expect(report).toEqual({ lines: 20, reopened: 2 });
  });

  it("reads the final, unterminated line once the container has ended", async () => {
    const kubelet = new FakeKubelet();
    kubelet.add("2026-01-01T10:00:00Z", "a");
    kubelet.add("2026-01-01T10:00:00.5Z", "no newline", false);
    const lines: string[] = [];
    await followContainerLogs({
      source: source(kubelet, [(text) => whole(text)]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l.line),
      terminated: () => true,
    });
    expect(lines).toEqual(["a", "no newline"]);
  });

  it("reopens a follow stream the server ended early, without repeating lines", async () => {
    const kubelet = new FakeKubelet();
    for (let i = 0; i < 50; i += 1) kubelet.add(`2026-01-01T10:00:00.${String(i).padStart(2, "0")}Z`, `line ${i}`);
    let opens = 0;
    const lines: string[] = [];
    await followContainerLogs({
      source: source(kubelet, [
        (text) => {
          opens += 1;
          // The server ends the stream cleanly after 20 lines, the container still running.
          return whole(text.split("\n").slice(0, 20).join("\n") + "\n");
        },
        (text) => {
          opens += 1;
          return whole(text);
        },
      ]),
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: (l) => lines.push(l.line),
      terminated: () => opens >= 2,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  describe("a stream reopened after a rotation: what may be missing", () => {
    // The follow stream reads the renamed file to its end; the container has stopped; the
    // log is read again from the cursor, and the current file begins where it begins.
    async function reopen(current: string): Promise<{ lines: string[]; missing: readonly string[] | undefined }> {
      let opens = 0;
      const lines: string[] = [];
      const report = await followContainerLogs({
        source: { open: async () => (opens++ === 0 ? whole("2026-01-01T10:00:00.100Z 1\n2026-01-01T10:00:00.200Z 2\n") : whole(current)) },
        container: "main",
        signal: AbortSignal.timeout(5000),
        onLine: (l) => lines.push(l.line),
        terminated: () => opens >= 1,
        backoff: { initialMs: 1, maxMs: 2 },
      });
      return { lines, missing: report.missing };
    }

    it("says which stretch may be missing when the current file begins seconds after the cursor", async () => {
      const { lines, missing } = await reopen("2026-01-01T10:00:03.700Z 900000\n2026-01-01T10:00:03.701Z 900001\n");
      expect(lines).toEqual(["1", "2", "900000", "900001"]);
      expect(missing).toEqual([
        "lines written between 2026-01-01T10:00:00.200Z and 2026-01-01T10:00:03.700Z may be missing: when the log was read again, its current file began 3.5 s after the last line read, and the kubelet serves rotated files only to a stream already reading them",
      ]);
    });

    it("says nothing when the current file begins right after the cursor (a rotation that skipped nothing)", async () => {
      const { lines, missing } = await reopen("2026-01-01T10:00:00.203Z 3\n");
      expect(lines).toEqual(["1", "2", "3"]);
      expect(missing).toBeUndefined();
    });

    it("says nothing when the current file still holds the cursor's line", async () => {
      const { lines, missing } = await reopen("2026-01-01T10:00:00.100Z 1\n2026-01-01T10:00:00.200Z 2\n2026-01-01T10:00:05.000Z 3\n");
      expect(lines).toEqual(["1", "2", "3"]);
      expect(missing).toBeUndefined();
    });
  });

  describe("a line the runtime wrote in two pieces, the stream ending between them", () => {
    // The kubelet sends the pieces of a line (CRI "P" then "F" entries) one after the other,
    // the first with the line's timestamp: "TS1 3" then "72225\n". A follow stream that ends
    // after the first piece (the file was rotated, the container has stopped) leaves "TS1 3".
    const first = "2026-01-01T10:00:00.1Z 372224\n2026-01-01T10:00:00.2Z 3";
    const follow = (text: string): AsyncIterable<Uint8Array> => whole(text);

    async function run(finalRead: string): Promise<string[]> {
      let opens = 0;
      const lines: string[] = [];
      await followContainerLogs({
        source: { open: async () => (opens++ === 0 ? follow(first) : whole(finalRead)) },
        container: "main",
        signal: AbortSignal.timeout(5000),
        onLine: (l) => lines.push(`${l.timestamp} ${l.line}`),
        terminated: () => opens >= 1,
        backoff: { initialMs: 1, maxMs: 2 },
      });
      return lines;
    }

    it("joins the first piece to the rest when only the rest can be read again (rotated file)", async () => {
      // The current file starts at the second piece, which the kubelet prefixes with its own timestamp.
      expect(await run("2026-01-01T10:00:00.3Z 72225\n2026-01-01T10:00:00.4Z 372226\n")).toEqual([
        "2026-01-01T10:00:00.1Z 372224",
        "2026-01-01T10:00:00.2Z 372225",
        "2026-01-01T10:00:00.4Z 372226",
      ]);
    });

    it("keeps the piece as a line of its own when the next line begins a second or more later (files skipped)", async () => {
      expect(await run("2026-01-01T10:00:05.0Z 3100809\n")).toEqual([
        "2026-01-01T10:00:00.1Z 372224",
        "2026-01-01T10:00:00.2Z 3",
        "2026-01-01T10:00:05.0Z 3100809",
      ]);
    });

    it("keeps the line whole, once, when it can be read again from its start", async () => {
      expect(await run("2026-01-01T10:00:00.1Z 372224\n2026-01-01T10:00:00.2Z 372225\n2026-01-01T10:00:00.4Z 372226\n")).toEqual([
        "2026-01-01T10:00:00.1Z 372224",
        "2026-01-01T10:00:00.2Z 372225",
        "2026-01-01T10:00:00.4Z 372226",
      ]);
    });

    it("delivers the first piece as a line when nothing else comes", async () => {
      expect(await run("")).toEqual(["2026-01-01T10:00:00.1Z 372224", "2026-01-01T10:00:00.2Z 3"]);
    });

    it("drops a fragment a broken connection left: the next stream reads it again", async () => {
      let opens = 0;
      const lines: string[] = [];
      await followContainerLogs({
        source: {
          open: async () =>
            opens++ === 0
              ? brokenAfter(first, first.length)
              : whole("2026-01-01T10:00:00.1Z 372224\n2026-01-01T10:00:00.2Z 372225\n"),
        },
        container: "main",
        signal: AbortSignal.timeout(5000),
        onLine: (l) => lines.push(l.line),
        terminated: () => opens >= 1,
        backoff: { initialMs: 1, maxMs: 2 },
      });
      expect(lines).toEqual(["372224", "372225"]);
    });
  });

  it("stops with a note when the pod is gone", async () => {
    const report = await followContainerLogs({
      source: { open: () => Promise.reject(Object.assign(new Error('pods "p" not found'), { status: 404 })) },
      container: "main",
      signal: AbortSignal.timeout(5000),
      onLine: () => undefined,
      terminated: () => false,
    });
    expect(report.incomplete).toMatch(/the pod is gone/);
  });
});

describe("the kubelet's own messages in a log stream", () => {
  it("are not log lines: a removed container's complaint is dropped, a line that only looks like it is kept when timestamped", () => {
    expect(isKubeletLogError("unable to retrieve container logs for containerd://3b37")).toBe(true);
    expect(isKubeletLogError("failed to try resolving symlinks in path \"/var/log/pods/x\": no such file")).toBe(true);
    expect(isKubeletLogError("2026-12-01T10:00:00.000000000Z unable to retrieve container logs for x")).toBe(false);
    expect(isKubeletLogError("got TERM")).toBe(false);
  });

  it("a stream that ends with the kubelet's complaint delivers the container's lines only", async () => {
    const kubelet = new FakeKubelet();
    kubelet.add("2026-12-01T10:00:00.100000000Z", "ready");
    kubelet.add("2026-12-01T10:00:01.200000000Z", "got TERM");
    const lines: LogLine[] = [];
    const report = await followContainerLogs({
      source: source(kubelet, [(text) => whole(`${text}unable to retrieve container logs for containerd://3b37\n`)]),
      container: "main",
      signal: new AbortController().signal,
      onLine: (l) => lines.push(l),
      terminated: () => true,
    });
    expect(lines.map((l) => l.line)).toEqual(["ready", "got TERM"]);
    expect(report.lines).toBe(2);
  });
});
