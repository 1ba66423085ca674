import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PassThrough, Readable } from "node:stream";
import tar from "tar-stream";
import type { Header } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractTar } from "../../../lib/kubernetes/transfer/extract.ts";

type Entry = Partial<Header> & { name: string; content?: Uint8Array | string };

/** Builds a tar archive in memory from hand-made headers. */
async function archive(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const body = content === undefined ? undefined : typeof content === "string" ? Buffer.from(content) : content;
      if (body === undefined) pack.entry(header, (error) => (error ? reject(error) : resolve()));
      else pack.entry({ ...header, size: body.length }, body, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Every path under `dir`, relative to it, links not followed. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(relative(dir, path));
    if (entry.isDirectory()) out.push(...(await walk(path)).map((p) => join(entry.name, p)));
  }
  return out.sort();
}

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

let base: string;
let out: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "podkit-extract-"));
  out = join(base, "out");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("extractTar()", () => {
  it("writes regular files byte-exact with their size and sha256", async () => {
    const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(100_000)]);
    const tarball = await archive([
      { name: "good.txt", content: "hello\n" },
      { name: "d1/", type: "directory" },
      { name: "d1/d2/d3/nested.txt", content: "deep" },
      { name: "empty", content: "" },
      { name: "bin.dat", content: binary },
      { name: "with space/ünïcødé ☃.txt", content: "unicode" },
      { name: "a..b", content: "legit" },
      { name: "./dot/./slash//x.txt", content: "normalized" },
      { name: "emptydir/", type: "directory" },
      { name: "run.sh", content: "#!/bin/sh\n", mode: 0o755 },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);
    expect(refused).toEqual([]);
    expect(files.map((f) => f.name)).toEqual([
      "good.txt",
      "d1/d2/d3/nested.txt",
      "empty",
      "bin.dat",
      "with space/ünïcødé ☃.txt",
      "a..b",
      "dot/slash/x.txt",
      "run.sh",
    ]);
    for (const file of files) {
      const bytes = await readFile(file.path);
      expect(file.path).toBe(join(out, file.name));
      expect(file.size).toBe(bytes.length);
      expect(file.sha256).toBe(sha256(bytes));
    }
    expect(await readFile(join(out, "bin.dat"))).toEqual(binary);
    expect((await lstat(join(out, "empty"))).size).toBe(0);
    expect((await lstat(join(out, "emptydir"))).isDirectory()).toBe(true);
    expect((await lstat(join(out, "run.sh"))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(out, "good.txt"))).mode & 0o777).toBe(0o644);
  });

  it("refuses escapes, links, FIFOs and devices and writes nothing outside the output directory", async () => {
    const tarball = await archive([
      { name: join(base, "abs.txt"), content: "absolute" },
      { name: "../up.txt", content: "parent" },
      { name: "a/../../up2.txt", content: "parent via a" },
      { name: "C:\\evil.txt", content: "drive" },
      { name: "..\\..\\win.txt", content: "backslash" },
      { name: "hl", type: "link", linkname: "../../etc/passwd" },
      { name: "sl", type: "symlink", linkname: base },
      { name: "sl/through.txt", content: "through the link" },
      { name: "abs-link", type: "symlink", linkname: "/etc/passwd" },
      { name: "pipe", type: "fifo" },
      { name: "null", type: "character-device", devmajor: 1, devminor: 3 },
      { name: "disk", type: "block-device", devmajor: 8, devminor: 0 },
      { name: "ok.txt", content: "ok" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);

    // Nothing but the output directory appeared beside it.
    expect(await readdir(base)).toEqual(["out"]);
    expect(await walk(out)).toEqual(["ok.txt", "sl", join("sl", "through.txt")]);
    // The link was never created: "sl" is a real directory inside the output directory.
    expect((await lstat(join(out, "sl"))).isDirectory()).toBe(true);
    expect(files.map((f) => f.name)).toEqual(["sl/through.txt", "ok.txt"]);

    const byName = Object.fromEntries(refused.map((r) => [r.name, r]));
    expect(byName[join(base, "abs.txt")]?.reason).toMatch(/absolute/);
    expect(byName["../up.txt"]?.reason).toMatch(/\.\./);
    expect(byName["a/../../up2.txt"]?.reason).toMatch(/\.\./);
    expect(byName["C:\\evil.txt"]?.reason).toMatch(/backslash|drive/);
    expect(byName["..\\..\\win.txt"]?.reason).toMatch(/backslash/);
    expect(byName["hl"]).toMatchObject({ type: "link", reason: expect.stringMatching(/hard links/) });
    expect(byName["sl"]).toMatchObject({ type: "symlink", reason: expect.stringMatching(/symbolic links/) });
    expect(byName["abs-link"]).toMatchObject({ type: "symlink" });
    expect(byName["pipe"]).toMatchObject({ type: "fifo", reason: expect.stringMatching(/FIFO/) });
    expect(byName["null"]).toMatchObject({ type: "character-device", reason: expect.stringMatching(/device/) });
    expect(byName["disk"]).toMatchObject({ type: "block-device", reason: expect.stringMatching(/device/) });
    expect(refused).toHaveLength(11);
  });

  it("never writes through a link already present in the output directory", async () => {
    await mkdir(out);
    await writeFile(join(base, "target.txt"), "original");
    await symlink(join(base, "target.txt"), join(out, "prelink"));
    await symlink(base, join(out, "predir"));
    const tarball = await archive([
      { name: "prelink", content: "replaced" },
      { name: "predir/x.txt", content: "through" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);
    expect(await readFile(join(base, "target.txt"), "utf8")).toBe("original");
    expect((await readdir(base)).sort()).toEqual(["out", "target.txt"]);
    // The link itself was replaced by the file, the file it pointed to is untouched.
    expect((await lstat(join(out, "prelink"))).isFile()).toBe(true);
    expect(await readFile(join(out, "prelink"), "utf8")).toBe("replaced");
    expect(await readlink(join(out, "predir"))).toBe(base);
    expect(files.map((f) => f.name)).toEqual(["prelink"]);
    expect(refused).toEqual([{ name: "predir/x.txt", type: "file", reason: expect.stringMatching(/symbolic link/) }]);
  });

  it("writes a hard link to a file of the same archive as a copy, never as a link", async () => {
    const tarball = await archive([
      { name: "first.txt", content: "shared bytes" },
      { name: "second.txt", type: "link", linkname: "first.txt" },
      { name: "third.txt", type: "link", linkname: "not-in-archive.txt" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);
    expect(files.map((f) => [f.name, f.size, f.sha256])).toEqual([
      ["first.txt", 12, sha256("shared bytes")],
      ["second.txt", 12, sha256("shared bytes")],
    ]);
    expect((await lstat(join(out, "second.txt"))).nlink).toBe(1);
    expect(await readFile(join(out, "second.txt"), "utf8")).toBe("shared bytes");
    expect(refused).toEqual([{ name: "third.txt", type: "link", reason: expect.stringMatching(/hard links/) }]);
  });

  it("refuses a name the local file system rejects and goes on with the next entries", async () => {
    const tarball = await archive([
      { name: `${"x".repeat(300)}/file.txt`, content: "too long a directory name" },
      { name: `${"y".repeat(300)}.txt`, content: "too long a file name" },
      { name: "after.txt", content: "still written" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);
    expect(files.map((f) => f.name)).toEqual(["after.txt"]);
    expect(refused.map((r) => r.reason)).toEqual([expect.stringMatching(/ENAMETOOLONG/), expect.stringMatching(/ENAMETOOLONG/)]);
    expect(await walk(out)).toEqual(["after.txt"]);
  });

  it("keeps the first of two entries with the same name", async () => {
    const tarball = await archive([
      { name: "twice.txt", content: "first" },
      { name: "./twice.txt", content: "second" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out);
    expect(files).toHaveLength(1);
    expect(await readFile(join(out, "twice.txt"), "utf8")).toBe("first");
    expect(refused).toEqual([{ name: "twice.txt", type: "file", reason: expect.stringMatching(/twice/) }]);
  });

  it("writes only the files `accept` lets through and reports the others", async () => {
    const tarball = await archive([
      { name: "keep.csv", content: "a,b" },
      { name: "drop.log", content: "noise" },
    ]);
    const { files, refused } = await extractTar(Readable.from([tarball]), out, { accept: (name) => name.endsWith(".csv") });
    expect(files.map((f) => f.name)).toEqual(["keep.csv"]);
    expect(refused).toEqual([{ name: "drop.log", type: "file", reason: "not selected" }]);
    expect(await walk(out)).toEqual(["keep.csv"]);
  });

  it("rejects a truncated archive and leaves no partial file behind", async () => {
    const tarball = await archive([{ name: "big.bin", content: randomBytes(50_000) }]);
    await expect(extractTar(Readable.from([tarball.subarray(0, 20_000)]), out)).rejects.toMatchObject({ truncated: true, message: expect.stringMatching(/truncated/) });
    expect(await walk(out)).toEqual([]);
  });

  it("settles, without stray errors, whatever byte the archive is cut at", async () => {
    const tarball = await archive([
      { name: "a.txt", content: "" },
      { name: "dir/b.bin", content: randomBytes(1000) },
      { name: "c.bin", content: randomBytes(70_000) },
    ]);
    const cuts = new Set<number>();
    for (let at = 0; at < tarball.length; at += 512) for (const d of [-1, 0, 1, 100]) cuts.add(Math.max(0, Math.min(tarball.length, at + d)));
    let resolved = 0;
    let rejected = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const source = new PassThrough({ highWaterMark: 1024 });
      const settled = extractTar(source, join(base, `cut-${cut}`)).then(
        () => resolved++,
        () => rejected++,
      );
      const bytes = tarball.subarray(0, cut);
      for (let i = 0; i < bytes.length; i += 3000) {
        if (!source.write(bytes.subarray(i, i + 3000))) await new Promise((r) => source.once("drain", r));
      }
      source.end();
      await settled;
    }
    expect(resolved + rejected).toBe(cuts.size);
    expect(rejected).toBeGreaterThan(0);
    // About 600 extractions: seconds on an idle machine, more on a busy one.
  }, 60_000);

  it("streams large files chunk by chunk", async () => {
    const chunk = randomBytes(1024 * 1024);
    const hash = createHash("sha256");
    for (let i = 0; i < 8; i++) hash.update(chunk);
    const pack = tar.pack();
    const body = pack.entry({ name: "large.bin", size: chunk.length * 8 });
    void (async () => {
      for (let i = 0; i < 8; i++) body.write(chunk);
      (body as unknown as { end(): void }).end();
      pack.finalize();
    })();
    const { files } = await extractTar(Readable.from(pack as unknown as AsyncIterable<Buffer>), out);
    expect(files).toEqual([{ name: "large.bin", path: join(out, "large.bin"), size: 8 * 1024 * 1024, sha256: hash.digest("hex") }]);
  });
});
