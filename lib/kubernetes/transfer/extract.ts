import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, open, realpath, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import type { Extract } from "tar-stream";
import type { OutputFile, RefusedEntry } from "../../run/result.ts";
import { checkRelativeName, windowsNameProblem } from "./_names.ts";

/** Options of {@link extractTar}. */
export interface ExtractTarOptions {
  /**
   * Decides, by normalized relative name, which regular files to write. Files it rejects
   * are skipped and reported in `refused`.
   * @default every regular file is accepted
   */
  readonly accept?: (name: string) => boolean;
}

/** What {@link extractTar} wrote, and what it refused. */
export interface ExtractTarResult {
  /** Regular files written, in archive order, each with its size and sha256. */
  readonly files: readonly OutputFile[];
  /** Entries that were not written, with the reason. */
  readonly refused: readonly RefusedEntry[];
  /** The md5 of each written file, by name, for a check against a container's `md5sum`. */
  readonly md5: ReadonlyMap<string, string>;
}

const LINK_TYPES: Readonly<Record<string, string>> = {
  symlink: "symbolic links are never created",
  link: "hard links are never created (only a link to a file written earlier from the same archive is copied)",
  fifo: "FIFOs are never created",
  "character-device": "device nodes are never created",
  "block-device": "device nodes are never created",
};

/** File-system errors that mean "this entry conflicts with what is already there". */
const CONFLICT_CODES = new Set(["EEXIST", "EISDIR", "ENOTDIR", "ENOTEMPTY", "ELOOP", "ENAMETOOLONG", "EINVAL"]);

class Refusal extends Error {}

/** Bytes of a file written with one `writev`. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Extracts a tar stream into `outputDir`, writing regular files only, and never anything
 * outside `outputDir`:
 *
 * - names that are absolute, contain a `..` segment, a backslash, a drive letter or a NUL
 *   are refused, and on Windows also names with a colon, a reserved device name (`NUL`)
 *   or a trailing dot or space; names the local file system rejects (too long) are refused;
 * - symbolic links, hard links, FIFOs and device nodes are never created: they are refused,
 *   except that a hard link to a regular file written earlier from the same archive (how
 *   tar stores a second name of one file) is written as a copy of that file;
 * - directories are created one component at a time with `mkdir`, and a component that
 *   already exists as a symbolic link or a non-directory refuses the entry;
 * - each file is written to a fresh temporary name opened with `O_EXCL | O_NOFOLLOW`, then
 *   renamed into place (a rename replaces a link, it never writes through one);
 * - a name that appears twice is written once; the later entry is refused.
 *
 * Every refused entry is reported with its reason; the stream is read to its end.
 * `outputDir` is created when missing. Rejects when the archive is malformed or truncated
 * (then the error has `truncated: true`), or on a file-system error other than a conflict
 * with an existing entry.
 *
 * @example
 * ```ts
 * import { createReadStream } from "node:fs";
 * import { extractTar } from "./extract.ts";
 *
 * async function unpack(archive: string, into: string): Promise<void> {
 *   const { files, refused } = await extractTar(createReadStream(archive), into, {
 *     accept: (name) => name.endsWith(".csv"),
 *   });
 *   for (const file of files) console.log(file.name, file.size, file.sha256);
 *   for (const entry of refused) console.warn(`${entry.name} (${entry.type}): ${entry.reason}`);
 * }
 * ```
 */
export async function extractTar(
  source: Readable,
  outputDir: string,
  options: ExtractTarOptions = {},
): Promise<ExtractTarResult> {
  await mkdir(outputDir, { recursive: true });
  const root = await realpath(outputDir);
  const files: OutputFile[] = [];
  const refused: RefusedEntry[] = [];
  const md5 = new Map<string, string>();
  const written = new Set<string>();
  const knownDirs = new Set<string>();
  const accept = options.accept ?? (() => true);
  const onWindows = process.platform === "win32";

  const extract = tar.extract();
  const feeding = feed(source, extract);
  // Awaited below; when the loop fails first, its rejection must not count as unhandled.
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const type = header.type ?? "file";
      try {
        const check = checkRelativeName(header.name);
        if (!check.ok) {
          // The archive root (`./`) is harmless; say nothing about it.
          if (!(type === "directory" && check.reason === "the name is empty")) {
            refused.push({ name: header.name, type, reason: check.reason });
          }
          continue;
        }
        const name = check.name;
        const windows = onWindows ? windowsNameProblem(check.segments) : undefined;
        if (windows !== undefined) {
          refused.push({ name, type, reason: windows });
          continue;
        }
        if (type === "directory") {
          await ensureDirs(root, check.segments, knownDirs);
          continue;
        }
        if (type === "link" && header.linkname) {
          // A hard link to a file this archive already wrote is another name for the same
          // bytes (tar stores a file's second name this way): write a copy, never a link.
          const original = checkRelativeName(header.linkname);
          const first = original.ok ? files.find((f) => f.name === original.name) : undefined;
          if (first !== undefined && accept(name) && !written.has(name)) {
            const parent = await ensureDirs(root, check.segments.slice(0, -1), knownDirs);
            const target = join(parent, check.segments[check.segments.length - 1] as string);
            await copyInto(first.path, parent, target);
            written.add(name);
            files.push({ name, path: target, size: first.size, sha256: first.sha256 });
            md5.set(name, md5.get(first.name) as string);
            continue;
          }
        }
        if (type !== "file" && type !== "contiguous-file") {
          const why = LINK_TYPES[type] ?? `entries of type "${type}" are not supported`;
          const target = header.linkname ? ` (to "${header.linkname}")` : "";
          refused.push({ name, type, reason: `${why}${target}` });
          continue;
        }
        if (!accept(name)) {
          refused.push({ name, type: "file", reason: "not selected" });
          continue;
        }
        if (written.has(name)) {
          refused.push({ name, type: "file", reason: "the archive holds this name twice; the first copy was kept" });
          continue;
        }
        const parent = await ensureDirs(root, check.segments.slice(0, -1), knownDirs);
        const target = join(parent, check.segments[check.segments.length - 1] as string);
        const executable = ((header.mode ?? 0o644) & 0o111) !== 0;
        const { size, sha256, md5: md5Hex } = await writeFile(entry, parent, target, executable ? 0o755 : 0o644);
        if (header.size !== undefined && size !== header.size) {
          throw new Error(`Cannot extract "${name}": the archive announced ${header.size} bytes but held ${size}`);
        }
        written.add(name);
        files.push({ name, path: target, size, sha256 });
        md5.set(name, md5Hex);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        refused.push({ name: header.name, type, reason: error.message });
      } finally {
        // Skip whatever the entry still holds so the next header can be read.
        entry.resume();
      }
    }
    await feeding;
  } catch (error) {
    extract.destroy();
    source.destroy();
    await feeding.catch(() => undefined);
    if (error instanceof Error && error.message === "Unexpected end of data") {
      throw Object.assign(new Error("Cannot extract the archive: it ended in the middle of an entry (truncated)", { cause: error }), { truncated: true });
    }
    throw error;
  }
  return { files, refused, md5 };
}

/** Copies `source` into `extract`, honouring backpressure, then ends it. */
/**
 * Writes the source's chunks into the extractor as they come, with backpressure. Chunks
 * are taken from `data` events one by one, as they arrived: an async iterator would join
 * everything buffered into a new buffer first, one more copy of the whole archive.
 */
async function feed(source: Readable, extract: Extract): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        if (extract.write(chunk)) return;
        source.pause();
        drained(extract).then(
          () => source.resume(),
          (error: unknown) => finish(error),
        );
      };
      const onEnd = (): void => finish(undefined);
      const onError = (error: unknown): void => finish(error);
      // A source destroyed without an error (the download was abandoned) never ends.
      const onClose = (): void => finish(source.readableEnded ? undefined : new Error("The archive stream closed before its end"));
      const finish = (error: unknown): void => {
        source.off("data", onData);
        source.off("end", onEnd);
        source.off("error", onError);
        source.off("close", onClose);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      source.on("data", onData);
      source.on("end", onEnd);
      source.on("error", onError);
      source.on("close", onClose);
    });
    // streamx's end() takes no callback; the typings only know Node's overloads.
    (extract as unknown as { end(): void }).end();
  } catch (error) {
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

function drained(stream: Extract): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown): void => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onDrain = (): void => done();
    const onError = (error: unknown): void => done(error);
    const onClose = (): void => done(new Error("The tar extractor closed before the archive ended"));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/**
 * Creates `segments` under `root` one component at a time, never following a link, and
 * returns the absolute path of the deepest one.
 */
async function ensureDirs(root: string, segments: readonly string[], known: Set<string>): Promise<string> {
  let current = root;
  for (const segment of segments) {
    current = join(current, segment);
    if (known.has(current)) continue;
    try {
      await mkdir(current, 0o755);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENAMETOOLONG" || code === "EINVAL") throw new Refusal(`the local file system does not accept this name (${code})`);
      if (code !== "EEXIST") throw error;
      const stat = await lstat(current);
      if (stat.isSymbolicLink()) throw new Refusal(`a component of the path ("${segment}") is a symbolic link`);
      if (!stat.isDirectory()) throw new Refusal(`a component of the path ("${segment}") is not a directory`);
    }
    known.add(current);
  }
  return current;
}

/** Copies a file this extraction wrote to `target`, through a fresh temporary name. */
async function copyInto(source: string, dir: string, target: string): Promise<void> {
  const partial = join(dir, `.podkit-partial-${randomUUID()}`);
  try {
    await copyFile(source, partial, constants.COPYFILE_EXCL);
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && CONFLICT_CODES.has(code)) {
      throw new Refusal(`cannot replace what already exists at that path (${code})`);
    }
    throw error;
  }
}

async function writeFile(
  content: AsyncIterable<unknown>,
  dir: string,
  target: string,
  mode: number,
): Promise<{ size: number; sha256: string; md5: string }> {
  const partial = join(dir, `.podkit-partial-${randomUUID()}`);
  const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  const hash = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  // The archive comes in the pieces of the WebSocket frames (tens of kilobytes): they are
  // written in batches of about a mebibyte, one `writev` each, not one write per piece.
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    let pending = batch;
    batch = [];
    batched = 0;
    while (pending.length > 0) {
      let { bytesWritten } = await handle.writev(pending);
      // A short write: go on after what was written.
      while (pending.length > 0 && bytesWritten >= (pending[0] as Buffer).byteLength) bytesWritten -= (pending.shift() as Buffer).byteLength;
      if (bytesWritten > 0) pending[0] = (pending[0] as Buffer).subarray(bytesWritten);
    }
  };
  try {
    try {
      for await (const data of content) {
        const chunk = data as Buffer;
        hash.update(chunk);
        md5.update(chunk);
        size += chunk.byteLength;
        batch.push(chunk);
        batched += chunk.byteLength;
        if (batched >= WRITE_BATCH_BYTES || batch.length >= 1024) await flush();
      }
      await flush();
    } finally {
      await handle.close();
    }
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && CONFLICT_CODES.has(code)) {
      throw new Refusal(code === "ENAMETOOLONG" || code === "EINVAL" ? `the local file system does not accept this name (${code})` : `cannot replace what already exists at that path (${code})`);
    }
    throw error;
  }
  return { size, sha256: hash.digest("hex"), md5: md5.digest("hex") };
}
