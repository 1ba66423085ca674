import type { InputFile } from "../../compile/description.ts";
import { execInPod, touchMarker, type ExecTarget } from "./exec.ts";
import { packInputs, prepareInputs, type PackedFile } from "./_pack.ts";
import { throttleProgress } from "./_progress.ts";
import { retryOnConnectionLoss } from "./_retry.ts";
import { digestMismatch, remoteDigests } from "./_verify.ts";

/** Options of {@link uploadInputs}. */
export interface UploadOptions {
  /** Absolute directory in the container the names are relative to, e.g. `/podkit/work`. */
  readonly workingDir: string;
  /** The files to place, in order; names are relative to `workingDir`. */
  readonly files: readonly InputFile[];
  /**
   * A marker file created once every file is in place and verified: an absolute path, or
   * a name relative to `workingDir` (e.g. `.podkit-ready`).
   */
  readonly marker?: string;
  /** Aborts the upload; the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Called as content bytes are sent (at most every 100 ms, and with the final count),
   * with the total of all files. A retried send starts again from 0.
   */
  readonly onProgress?: (bytes: number, totalBytes?: number) => void;
  /**
   * How many more times each step (send, verify, marker) is run when the connection to
   * the API server is lost, e.g. while it restarts. Sending again is safe: the archive
   * is re-read from its sources and overwrites what a broken attempt left.
   * @default 3
   */
  readonly retries?: number;
}

/** One file {@link uploadInputs} placed in the container. */
export interface UploadedFile {
  /** Path relative to the working directory. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Hex sha256 of the content. */
  readonly sha256: string;
}

/** What {@link uploadInputs} placed in the container. */
export interface UploadResult {
  /** Each file with its size and sha256 as sent (its size and a digest verified in the container, see `verified`). */
  readonly files: readonly UploadedFile[];
  /** Content bytes sent (the archive's own headers and padding not counted). */
  readonly bytes: number;
  /**
   * How the files were checked in the container: size and `md5` when `md5sum` is
   * available there, else size and `sha256` when `sha256sum` is, else `size` only.
   */
  readonly verified: "md5" | "sha256" | "size";
}

/** A send during which nothing moves for this long is stalled: it is cut and run again. */
const STALL_MS = 120_000;

/** Extracts the archive on stdin into the working directory, without restoring owners. */
const EXTRACT_SCRIPT = 'cd "$1" || exit 90; exec tar -x -o -f -';

/**
 * Uploads input files into a container's working directory as one tar stream over exec,
 * then verifies them there.
 *
 * - Files are streamed one after another with backpressure: memory use does not grow with
 *   file size. Text and bytes are sent as they are, `{ path }` files are read from disk.
 *   Streams (`Readable`, `ReadableStream`) are first spooled to a temporary file under
 *   `os.tmpdir()`, because a tar header needs the size before the content; the spool is
 *   removed when the call ends.
 * - The sha256 and md5 of each file are computed while it is sent. In the container,
 *   `tar -x` (any POSIX `sh` and `tar`, BusyBox included) unpacks the stream, creating
 *   parent directories of nested names; then each file's size and its digest are compared
 *   with what was sent: md5 when the container has `md5sum` (2.7 times as fast as
 *   `sha256sum` in BusyBox, and the pod waits for this check), else sha256 when it has
 *   `sha256sum`, else the size only. A difference throws, naming the file.
 * - Then the `marker` is created, if given.
 * - A step whose connection to the API server is lost (the API server restarting) is run
 *   again, up to `retries` times.
 *
 * Throws a `TypeError` for a bad name (absolute, `..`, backslash, line break, reserved
 * `.podkit-` prefix, duplicate), and an `Error` when a file cannot be read, `tar` fails,
 * or the verification fails.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { uploadInputs } from "./upload.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const { files, bytes, verified } = await uploadInputs(
 *   { kubeConfig, namespace: "default", pod: "demo", container: "podkit-init" },
 *   {
 *     workingDir: "/podkit/work",
 *     files: [
 *       { name: "data.txt", content: "hello\n" },
 *       { name: "conf/app.yaml", content: { path: "./app.yaml" } },
 *     ],
 *     marker: ".podkit-ready",
 *   },
 * );
 * console.log(files.length, bytes, verified);
 * ```
 */
export async function uploadInputs(target: ExecTarget, options: UploadOptions): Promise<UploadResult> {
  const { workingDir, signal, onProgress } = options;
  if (!workingDir.startsWith("/")) throw new TypeError(`Cannot upload into "${workingDir}": the working directory must be an absolute path`);
  signal?.throwIfAborted();
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  const { inputs, cleanup } = await prepareInputs(options.files, signal);
  try {
    const totalBytes = inputs.reduce((sum, input) => sum + input.size, 0);
    let packed: PackedFile[] = [];
    let verified: UploadResult["verified"] = "md5";
    if (inputs.length > 0) {
      const retry = { retries: options.retries ?? 3, signal };
      const progress = throttleProgress(onProgress);
      packed = await retryOnConnectionLoss(async () => {
        onProgress?.(0, totalBytes);
        const { stream, done } = packInputs(inputs, onProgress === undefined ? {} : { onBytes: (bytes) => progress.update(bytes, totalBytes) });
        // streamx streams are async iterable at run time; their typings do not say so.
        const stdin = stream as unknown as AsyncIterable<Uint8Array>;
        let exec;
        try {
          exec = await execInPod(target, ["sh", "-c", EXTRACT_SCRIPT, "sh", workingDir], { stdin, label: "tar -x", idleTimeoutMs: STALL_MS, ...(signal === undefined ? {} : { signal }) });
        } catch (error) {
          stream.destroy();
          throw error;
        }
        if (exec.exitCode !== 0) {
          stream.destroy();
          throw new Error(`Cannot upload input files into "${workingDir}" in ${where}: tar exited with code ${exec.exitCode}${exec.stderr ? `: ${exec.stderr.trim()}` : ""}`);
        }
        const files = await done;
        progress.flush();
        return files;
      }, retry);
      verified = await retryOnConnectionLoss(() => verify(target, workingDir, packed, signal), retry);
    }
    if (options.marker !== undefined) {
      const marker = options.marker.startsWith("/") ? options.marker : `${workingDir.replace(/\/+$/, "")}/${options.marker}`;
      await retryOnConnectionLoss(() => touchMarker(target, marker, signal === undefined ? {} : { signal }), { retries: options.retries ?? 3, signal });
    }
    return {
      files: packed.map((file) => Object.freeze({ ...file })),
      bytes: packed.reduce((sum, file) => sum + file.size, 0),
      verified,
    };
  } finally {
    await cleanup();
  }
}

async function verify(target: ExecTarget, workingDir: string, files: readonly PackedFile[], signal: AbortSignal | undefined): Promise<UploadResult["verified"]> {
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  const remote = await remoteDigests(target, workingDir, files.map((file) => file.name), signal);
  for (const file of files) {
    const problem = digestMismatch(file, remote.files.get(file.name) ?? "missing", remote.algorithm);
    if (problem?.what === "missing") {
      throw new Error(`Input file "${file.name}" is missing in "${workingDir}" in ${where} after the upload`);
    }
    if (problem?.what === "size") {
      throw new Error(`Input file "${file.name}" arrived with ${problem.remote} bytes in ${where}, ${file.size} were sent`);
    }
    if (problem?.what === "digest") {
      throw new Error(`Input file "${file.name}" arrived with ${problem.algorithm} ${problem.remote} in ${where}, ${problem.local} was sent`);
    }
  }
  return remote.algorithm ?? "size";
}
