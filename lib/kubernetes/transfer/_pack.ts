import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { Header, Pack } from "tar-stream";
import type { InputContent, InputFile } from "../../compile/description.ts";
import { checkRelativeName, isReservedName } from "./_names.ts";

/** An input file whose size is known, ready to be packed. */
export interface PreparedInput {
  /** Normal form of the name, relative to the working directory. */
  readonly name: string;
  readonly size: number;
  /** The bytes, or a local file to stream them from. */
  readonly source: { readonly bytes: Uint8Array } | { readonly path: string };
}

/** What was packed for one file. */
export interface PackedFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  /** For the check in the container, whose cheapest digest tool is often `md5sum`. */
  readonly md5: string;
}

/**
 * Checks input names: relative, no `..`, no backslash, no newline (the verification
 * reads names line by line), not one of podkit's markers, each given once. Throws a
 * `TypeError` naming the first bad one.
 */
export function checkInputNames(files: readonly InputFile[]): string[] {
  const seen = new Set<string>();
  return files.map((file, index) => {
    if (typeof file.name !== "string") throw new TypeError(`Cannot upload input file #${index}: its name is not a string`);
    const check = checkRelativeName(file.name);
    if (!check.ok) throw new TypeError(`Cannot upload input file "${file.name}": ${check.reason}; use a relative path such as "data/in.txt"`);
    if (/[\n\r]/.test(check.name)) throw new TypeError(`Cannot upload input file ${JSON.stringify(file.name)}: the name contains a line break`);
    if (isReservedName(check.name)) throw new TypeError(`Cannot upload input file "${file.name}": names starting with ".podkit-" are reserved for podkit's markers`);
    if (seen.has(check.name)) throw new TypeError(`Cannot upload input file "${file.name}": the name is given twice`);
    seen.add(check.name);
    return check.name;
  });
}

function isWebStream(content: InputContent): content is ReadableStream<Uint8Array> {
  return typeof (content as ReadableStream).getReader === "function";
}

function isNodeStream(content: InputContent): content is Readable {
  return typeof (content as Readable).pipe === "function" && typeof (content as Readable).on === "function";
}

/**
 * Resolves each input's size: text and bytes directly, `{ path }` with `stat`, and streams
 * by spooling them to a temporary file (a tar header needs the size before the content).
 * Returns the prepared inputs and a cleanup function that removes the spool directory.
 */
export async function prepareInputs(files: readonly InputFile[], signal?: AbortSignal): Promise<{ inputs: PreparedInput[]; cleanup: () => Promise<void> }> {
  const names = checkInputNames(files);
  let spoolDir: string | undefined;
  const cleanup = async (): Promise<void> => {
    if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
  };
  try {
    const inputs: PreparedInput[] = [];
    for (const [index, file] of files.entries()) {
      signal?.throwIfAborted();
      const name = names[index] as string;
      const content = file.content;
      if (typeof content === "string") {
        const bytes = Buffer.from(content, "utf8");
        inputs.push({ name, size: bytes.length, source: { bytes } });
      } else if (content instanceof Uint8Array) {
        inputs.push({ name, size: content.byteLength, source: { bytes: content } });
      } else if (isWebStream(content) || isNodeStream(content)) {
        spoolDir ??= await mkdtemp(join(tmpdir(), "podkit-upload-"));
        const path = join(spoolDir, String(index));
        const readable = isWebStream(content) ? Readable.fromWeb(content as import("node:stream/web").ReadableStream<Uint8Array>) : content;
        try {
          await pipeline(readable, createWriteStream(path, { flags: "wx", mode: 0o600 }), signal === undefined ? {} : { signal });
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new Error(`Cannot read the stream of input file "${name}": ${(error as Error).message}`, { cause: error });
        }
        inputs.push({ name, size: (await stat(path)).size, source: { path } });
      } else if (typeof content === "object" && content !== null && typeof (content as { path?: unknown }).path === "string") {
        const path = (content as { path: string }).path;
        let info;
        try {
          info = await stat(path);
        } catch (error) {
          throw new Error(`Cannot upload input file "${name}": cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
        }
        if (!info.isFile()) throw new Error(`Cannot upload input file "${name}": "${path}" is not a regular file`);
        inputs.push({ name, size: info.size, source: { path } });
      } else {
        throw new TypeError(`Cannot upload input file "${name}": its content is not text, bytes, { path }, a Readable or a ReadableStream`);
      }
    }
    return { inputs, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Options of {@link packInputs}. */
export interface PackOptions {
  /** Called after each chunk with the number of content bytes packed so far. */
  readonly onBytes?: (bytes: number) => void;
  /** Modification time written in the headers. @default now */
  readonly mtime?: Date;
}

/**
 * Packs the inputs into one tar stream, files one after another with backpressure (a file
 * is read only as fast as the stream is consumed), preceded by an entry for each parent
 * directory. Files are world-writable (0666, directories 0777) so that containers running
 * as any user can use them. `done` resolves with each file's size, sha256 and md5 once the
 * archive is finalized, and rejects (after destroying the stream) when a file cannot be
 * read or no longer has the size it had when prepared.
 */
export function packInputs(inputs: readonly PreparedInput[], options: PackOptions = {}): { stream: Pack; done: Promise<PackedFile[]> } {
  const pack = tar.pack();
  // Failures reach the caller through `done` (and the consumer's own read); without a
  // listener streamx would raise a destroyed pack's error as uncaught.
  (pack as unknown as NodeJS.EventEmitter).on("error", () => undefined);
  const mtime = options.mtime ?? new Date();
  const done = (async (): Promise<PackedFile[]> => {
    const packed: PackedFile[] = [];
    const dirs = new Set<string>();
    let total = 0;
    try {
      for (const input of inputs) {
        const segments = input.name.split("/");
        for (let i = 1; i < segments.length; i++) {
          const dir = segments.slice(0, i).join("/");
          if (dirs.has(dir)) continue;
          dirs.add(dir);
          await writeEntry(pack, { name: `${dir}/`, type: "directory", mode: 0o777, mtime }, []);
        }
        const hash = createHash("sha256");
        const md5 = createHash("md5");
        let size = 0;
        const chunks = "bytes" in input.source ? [input.source.bytes] : readExactly(input.source.path, input.size, input.name);
        const counted = (async function* () {
          for await (const chunk of chunks) {
            hash.update(chunk);
            md5.update(chunk);
            size += chunk.byteLength;
            total += chunk.byteLength;
            yield chunk;
            options.onBytes?.(total);
          }
        })();
        await writeEntry(pack, { name: input.name, type: "file", size: input.size, mode: 0o666, mtime }, counted);
        if (size !== input.size) throw new Error(`Cannot upload input file "${input.name}": expected ${input.size} bytes, read ${size}`);
        packed.push({ name: input.name, size, sha256: hash.digest("hex"), md5: md5.digest("hex") });
      }
      pack.finalize();
      return packed;
    } catch (error) {
      pack.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  })();
  // The caller may stop consuming (the command failed); it learns why from `done`.
  done.catch(() => undefined);
  return { stream: pack, done };
}

/** Reads exactly `size` bytes of a file; a file that shrank or grew is an error. */
async function* readExactly(path: string, size: number, name: string): AsyncGenerator<Uint8Array> {
  if (size === 0) {
    const now = await stat(path);
    if (now.size !== 0) throw new Error(`Cannot upload input file "${name}": "${path}" changed size while being uploaded`);
    return;
  }
  let read = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: size - 1, highWaterMark: 256 * 1024 })) {
    read += (chunk as Buffer).byteLength;
    yield chunk as Buffer;
  }
  if (read !== size || (await stat(path)).size !== size) {
    throw new Error(`Cannot upload input file "${name}": "${path}" changed size while being uploaded`);
  }
}

/** Writes one entry into the pack and waits until the pack has taken it. */
async function writeEntry(pack: Pack, header: Partial<Header> & { name: string }, content: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry(header, (error) => (error ? reject(error) : resolve()));
    // Errors reach the caller through the callback and `done`; a listener keeps streamx
    // from raising them as uncaught.
    (entry as unknown as NodeJS.EventEmitter).on("error", () => undefined);
    void (async () => {
      try {
        for await (const chunk of content) {
          if (!entry.write(chunk)) await drained(entry as unknown as NodeJS.EventEmitter, pack);
        }
        (entry as unknown as { end(): void }).end();
      } catch (error) {
        entry.destroy(error instanceof Error ? error : new Error(String(error)));
        reject(error);
      }
    })();
  });
}

function drained(entry: NodeJS.EventEmitter, pack: Pack): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      entry.off("drain", onDrain);
      entry.off("error", onError);
      pack.off("close", onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("The archive stream closed before the file was packed"));
    };
    entry.on("drain", onDrain);
    entry.on("error", onError);
    pack.on("close", onClose);
  });
}
