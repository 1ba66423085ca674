import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchNames, parseListing, selectOutputs, type ListingEntry } from "../../../lib/kubernetes/transfer/_listing.ts";
import { checkInputNames, packInputs, prepareInputs } from "../../../lib/kubernetes/transfer/_pack.ts";
import { exitCodeOfStatus } from "../../../lib/kubernetes/transfer/_status.ts";

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");
const md5 = (data: Uint8Array | string): string => createHash("md5").update(data).digest("hex");

/** Reads a tar archive back: every header, with the content of files. */
async function unpack(archive: AsyncIterable<Buffer>): Promise<{ name: string; type: string; mode: number; content: Buffer }[]> {
  const extract = tar.extract();
  const entries: { name: string; type: string; mode: number; content: Buffer }[] = [];
  const feeding = (async () => {
    for await (const chunk of archive) if (!extract.write(chunk)) await new Promise((r) => extract.once("drain", () => r(undefined)));
    (extract as unknown as { end(): void }).end();
  })().catch((error: unknown) => {
    extract.destroy(error as Error);
    throw error;
  });
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ name: entry.header.name, type: entry.header.type, mode: entry.header.mode, content: Buffer.concat(chunks) });
  }
  await feeding;
  return entries;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "podkit-transfer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("upload packing", () => {
  it("packs text, bytes, local files and streams into one archive, parents first", async () => {
    const local = join(dir, "local.bin");
    const localBytes = randomBytes(300_000);
    await writeFile(local, localBytes);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const { inputs, cleanup } = await prepareInputs([
      { name: "a.txt", content: "héllo\n" },
      { name: "bytes.bin", content: bytes },
      { name: "conf/deep/local.bin", content: { path: local } },
      { name: "conf/stream.txt", content: Readable.from([Buffer.from("node "), Buffer.from("stream")]) },
      { name: "web.txt", content: new Blob(["web stream"]).stream() },
      { name: "empty", content: "" },
    ]);
    try {
      expect(inputs.map((i) => [i.name, i.size])).toEqual([
        ["a.txt", 7],
        ["bytes.bin", 4],
        ["conf/deep/local.bin", 300_000],
        ["conf/stream.txt", 11],
        ["web.txt", 10],
        ["empty", 0],
      ]);
      const progress: number[] = [];
      const { stream, done } = packInputs(inputs, { onBytes: (n) => progress.push(n) });
      const entries = await unpack(stream as unknown as AsyncIterable<Buffer>);
      const packed = await done;
      expect(entries.map((e) => [e.name, e.type])).toEqual([
        ["a.txt", "file"],
        ["bytes.bin", "file"],
        ["conf/", "directory"],
        ["conf/deep/", "directory"],
        ["conf/deep/local.bin", "file"],
        ["conf/stream.txt", "file"],
        ["web.txt", "file"],
        ["empty", "file"],
      ]);
      const content = Object.fromEntries(entries.map((e) => [e.name, e.content]));
      expect(content["a.txt"]?.toString("utf8")).toBe("héllo\n");
      expect(content["bytes.bin"]).toEqual(Buffer.from(bytes));
      expect(content["conf/deep/local.bin"]).toEqual(localBytes);
      expect(content["conf/stream.txt"]?.toString()).toBe("node stream");
      expect(content["web.txt"]?.toString()).toBe("web stream");
      expect(packed).toEqual([
        { name: "a.txt", size: 7, sha256: sha256("héllo\n"), md5: md5("héllo\n") },
        { name: "bytes.bin", size: 4, sha256: sha256(bytes), md5: md5(bytes) },
        { name: "conf/deep/local.bin", size: 300_000, sha256: sha256(localBytes), md5: md5(localBytes) },
        { name: "conf/stream.txt", size: 11, sha256: sha256("node stream"), md5: md5("node stream") },
        { name: "web.txt", size: 10, sha256: sha256("web stream"), md5: md5("web stream") },
        { name: "empty", size: 0, sha256: sha256(""), md5: md5("") },
      ]);
      expect(progress.at(-1)).toBe(7 + 4 + 300_000 + 11 + 10);
      expect(entries.find((e) => e.name === "a.txt")?.mode).toBe(0o666);
    } finally {
      await cleanup();
    }
  });

  it("reads a large file only as fast as the archive is consumed", async () => {
    const local = join(dir, "large.bin");
    await writeFile(local, Buffer.alloc(32 * 1024 * 1024, 7));
    const { inputs, cleanup } = await prepareInputs([{ name: "large.bin", content: { path: local } }]);
    const progress: number[] = [];
    const { stream, done } = packInputs(inputs, { onBytes: (n) => progress.push(n) });
    await new Promise((r) => setTimeout(r, 200));
    // Nobody reads the archive: only a bounded amount was read from disk.
    expect(progress.at(-1) ?? 0).toBeLessThan(4 * 1024 * 1024);
    const entries = await unpack(stream as unknown as AsyncIterable<Buffer>);
    expect(entries[0]?.content.length).toBe(32 * 1024 * 1024);
    expect((await done)[0]?.size).toBe(32 * 1024 * 1024);
    await cleanup();
  });

  it("fails when a local file changes size after it was measured", async () => {
    const local = join(dir, "shrinks.bin");
    await writeFile(local, Buffer.alloc(1000));
    const { inputs } = await prepareInputs([{ name: "shrinks.bin", content: { path: local } }]);
    await writeFile(local, Buffer.alloc(10));
    const { stream, done } = packInputs(inputs);
    await expect(unpack(stream as unknown as AsyncIterable<Buffer>)).rejects.toThrow();
    await expect(done).rejects.toThrow(/changed size|expected 1000 bytes/);
  });

  it("rejects unsafe, reserved and duplicate names with a TypeError", () => {
    const bad = ["/etc/passwd", "../x", "a/../../x", "a\\b", "C:x", "", ".", "line\nbreak", ".podkit-ready", ".podkit-ended"];
    for (const name of bad) {
      expect(() => checkInputNames([{ name, content: "" }]), name).toThrow(TypeError);
    }
    expect(() => checkInputNames([{ name: "a", content: "" }, { name: "./a", content: "" }])).toThrow(/twice/);
    expect(checkInputNames([{ name: "./x//y/", content: "" }, { name: "a..b", content: "" }, { name: "sub/.podkit-ready", content: "" }])).toEqual(["x/y", "a..b", "sub/.podkit-ready"]);
  });

  it("names the file when a local path cannot be read", async () => {
    await expect(prepareInputs([{ name: "in.txt", content: { path: join(dir, "nope") } }])).rejects.toThrow(/"in.txt".*ENOENT/);
    await expect(prepareInputs([{ name: "in.txt", content: { path: dir } }])).rejects.toThrow(/not a regular file/);
  });
});

describe("names on Windows hosts", () => {
  it("flags colons, reserved device names, forbidden characters and trailing dots", async () => {
    const { windowsNameProblem } = await import("../../../lib/kubernetes/transfer/_names.ts");
    expect(windowsNameProblem(["dir", "file:stream"])).toMatch(/alternate data stream/);
    expect(windowsNameProblem(["NUL.txt"])).toMatch(/reserved device/);
    expect(windowsNameProblem(["com1"])).toMatch(/reserved device/);
    expect(windowsNameProblem(["a?b"])).toMatch(/does not allow/);
    expect(windowsNameProblem(["trailing."])).toMatch(/dot or a space/);
    expect(windowsNameProblem(["ok", "a..b", "console.log"])).toBeUndefined();
  });
});

describe("output selection", () => {
  const listing: ListingEntry[] = parseListing(
    [
      "f|./out.txt",
      "f|./.podkit-ended",
      "f|./.podkit-ready",
      "d|./reports",
      "f|./reports/a.csv",
      "f|./reports/sub/b.csv",
      "f|./reports/notes.md",
      "l|./reports/link.csv",
      "p|./fifo.txt",
      "c|./null.txt",
      "f|./a..b.txt",
      "f|./name\nwith newline.txt",
      "f|./.hidden.txt",
      "f|./input.dat",
      "",
    ].join("\0"),
  );

  it("parses sizes, types and names, newlines included", () => {
    expect(listing[0]).toEqual({ name: "out.txt", type: "file" });
    expect(listing.find((e) => e.name.includes("\n"))).toEqual({ name: "name\nwith newline.txt", type: "file" });
    expect(listing.find((e) => e.name === "null.txt")?.type).toBe("character-device");
    expect(() => parseListing("x|./a\0")).toThrow(/Cannot parse/);
    expect(() => parseListing("no bar\0")).toThrow(/Cannot parse/);
  });

  it("selects regular files matching the globs and refuses the other matches", () => {
    const { files, refused } = selectOutputs(listing, ["*.txt", "reports/**/*.csv"]);
    expect(files.map((f) => f.name)).toEqual([".hidden.txt", "a..b.txt", "name\nwith newline.txt", "out.txt", "reports/a.csv", "reports/sub/b.csv"]);
    expect(refused).toEqual([
      { name: "fifo.txt", type: "fifo", reason: expect.stringMatching(/FIFO/) },
      { name: "null.txt", type: "character-device", reason: expect.stringMatching(/device/) },
      { name: "reports/link.csv", type: "symlink", reason: expect.stringMatching(/symbolic/) },
    ]);
  });

  it("refuses a name that is not valid UTF-8 instead of failing the whole archive", () => {
    const raw = Buffer.concat([Buffer.from("f|./bad-"), Buffer.from([0xff, 0xfe]), Buffer.from(".txt\0f|./good.txt\0")]);
    const { files, refused } = selectOutputs(parseListing(raw), ["*.txt"]);
    expect(files.map((f) => f.name)).toEqual(["good.txt"]);
    expect(refused).toEqual([{ name: "bad-\uFFFD\uFFFD.txt", type: "file", reason: "the name is not valid UTF-8" }]);
  });

  it("never selects podkit's markers, even with a catch-all glob", () => {
    const { files } = selectOutputs(listing, ["**"]);
    expect(files.map((f) => f.name)).not.toContain(".podkit-ended");
    expect(files.map((f) => f.name)).not.toContain(".podkit-ready");
    expect(files.map((f) => f.name)).toContain("input.dat");
  });

  it("matches exact names and ./-prefixed globs, and nothing without globs", () => {
    expect(selectOutputs(listing, ["./out.txt"]).files.map((f) => f.name)).toEqual(["out.txt"]);
    expect(selectOutputs(listing, ["reports/*"]).files.map((f) => f.name)).toEqual(["reports/a.csv", "reports/notes.md"]);
    expect(selectOutputs(listing, [])).toEqual({ files: [], refused: [] });
    expect(() => selectOutputs(listing, [" "])).toThrow(TypeError);
  });

  it("splits long name lists into batches", () => {
    const names = Array.from({ length: 1200 }, (_, i) => `file-${i}.txt`);
    const batches = batchNames(names);
    expect(batches.flat()).toEqual(names);
    expect(batches.every((b) => b.length <= 500)).toBe(true);
    expect(batchNames(["x".repeat(40_000), "y"])).toEqual([["x".repeat(40_000)], ["y"]]);
  });
});

describe("exec status", () => {
  it("reads the exit code from the status channel", () => {
    expect(exitCodeOfStatus({ status: "Success" })).toBe(0);
    expect(
      exitCodeOfStatus({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } }),
    ).toBe(3);
    expect(() => exitCodeOfStatus({ status: "Failure", message: 'exec: "nope": executable file not found in $PATH' })).toThrow(/executable file not found/);
  });
});

describe("progress throttling", () => {
  it("passes the first call, holds the rest for the interval, and flushes the last value", async () => {
    const { throttleProgress } = await import("../../../lib/kubernetes/transfer/_progress.ts");
    const seen: number[] = [];
    const progress = throttleProgress((n: number) => seen.push(n), 50);
    for (let i = 1; i <= 100; i++) progress.update(i);
    expect(seen).toEqual([1]);
    await new Promise((r) => setTimeout(r, 60));
    progress.update(101);
    progress.update(102);
    progress.flush();
    progress.flush();
    expect(seen).toEqual([1, 101, 102]);
    expect(() => throttleProgress(undefined).update()).not.toThrow();
  });
});
