import { PassThrough } from "node:stream";
import type { OutputFile, RefusedEntry } from "../../run/result.ts";
import { ExecConnectionError, execInPod, type ExecTarget } from "./exec.ts";
import { extractTar } from "./extract.ts";
import { batchNames, LIST_SCRIPT, parseListing, selectOutputs } from "./_listing.ts";
import { throttleProgress } from "./_progress.ts";
import { retryOnConnectionLoss } from "./_retry.ts";
import { digestMismatch, remoteDigests, type RemoteDigests } from "./_verify.ts";

/** Options of {@link downloadOutputs}. */
export interface DownloadOptions {
  /** Absolute directory in the container the globs are relative to, e.g. `/podkit/work`. */
  readonly workingDir: string;
  /** picomatch globs on paths relative to `workingDir`, e.g. `["out.txt", "reports/**"]`. */
  readonly globs: readonly string[];
  /** Local directory the files land in (created when missing). */
  readonly outputDir: string;
  /** Aborts the download; the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Called as bytes of the archives arrive (at most every 100 ms, and with the final
   * count), with the total so far, retried attempts included.
   */
  readonly onProgress?: (bytes: number) => void;
  /**
   * How many more times each step (listing, each archive, verification) is run when the
   * connection to the API server is lost, e.g. while it restarts. Files of a broken
   * attempt are overwritten by the next one.
   * @default 3
   */
  readonly retries?: number;
}

/** What {@link downloadOutputs} brought back. */
export interface DownloadResult {
  /** Files written under `outputDir`, each with its size and sha256. */
  readonly files: readonly OutputFile[];
  /** Matching entries that were not written (links, FIFOs, devices, unsafe names), and why. */
  readonly refused: readonly RefusedEntry[];
  /** Content bytes written. */
  readonly bytes: number;
  /**
   * How the files were checked against the container: size and `md5` when `md5sum` is
   * available there, else size and `sha256` when `sha256sum` is, else `size` only.
   */
  readonly verified: "md5" | "sha256" | "size";
}

/** An archive during which nothing moves for this long is stalled: it is cut and run again. */
const STALL_MS = 120_000;

/** Archives the named files (arguments after `$1`, each `./name`) to stdout. */
const ARCHIVE_SCRIPT = 'cd "$1" || exit 90; shift; exec tar -c -f - "$@"';

/**
 * Brings back the files of a container's working directory that match `globs`:
 *
 * 1. lists the working directory in the container (`find`, links never followed);
 * 2. keeps the regular files matching a glob — symbolic links, FIFOs, devices and sockets
 *    that match are refused and reported; podkit's `.podkit-*` markers are never taken;
 * 3. streams only those files out with `tar -c` and extracts them with
 *    {@link extractTar} (regular files only, nothing outside `outputDir`), accepting only
 *    the names that were listed, computing each file's size and sha256 on the way;
 * 4. checks each file's size and digest against the file there (computed in the
 *    container while the archive streams): md5 when the container has `md5sum` (the
 *    cheapest for the container, whose CPU the transfer shares), else sha256 when it has
 *    `sha256sum`, else the size only. A difference throws, naming the file.
 *
 * A step whose connection to the API server is lost (the API server restarting) is run
 * again, up to `retries` times.
 *
 * Memory use does not grow with file size: the socket is paused while the disk catches up.
 * A file that matched but was replaced by a link between the listing and the archive is
 * refused by the extractor, never followed.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { downloadOutputs } from "./download.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const { files, refused } = await downloadOutputs(
 *   { kubeConfig, namespace: "default", pod: "demo", container: "podkit-outputs" },
 *   { workingDir: "/podkit/work", globs: ["*.txt", "reports/**"], outputDir: "./out" },
 * );
 * for (const file of files) console.log(file.path, file.size, file.sha256);
 * for (const entry of refused) console.warn(entry.name, entry.reason);
 * ```
 */
export async function downloadOutputs(target: ExecTarget, options: DownloadOptions): Promise<DownloadResult> {
  const { workingDir, signal, onProgress } = options;
  if (!workingDir.startsWith("/")) throw new TypeError(`Cannot download from "${workingDir}": the working directory must be an absolute path`);
  if (options.outputDir === "") throw new TypeError("Cannot download output files: the output directory is empty");
  signal?.throwIfAborted();
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  const retry = { retries: options.retries ?? 3, signal };

  const selection = selectOutputs(await retryOnConnectionLoss(() => list(target, workingDir, signal), retry), options.globs);
  const refused: RefusedEntry[] = [...selection.refused];
  const files: OutputFile[] = [];
  if (selection.files.length === 0) return { files, refused, bytes: 0, verified: "md5" };

  // The container's sizes and sha256 are computed while the archive streams (the files
  // are read twice, the second time from the page cache), so the check adds no step after
  // the transfer. A file changed meanwhile fails the comparison, as it would afterwards.
  const checking = new AbortController();
  const stopChecking = (): void => checking.abort(signal?.reason);
  signal?.addEventListener("abort", stopChecking, { once: true });
  const names = selection.files.map((entry) => entry.name);
  const digests = retryOnConnectionLoss(() => remoteDigests(target, workingDir, names, checking.signal), { ...retry, signal: checking.signal });
  digests.catch(() => undefined);
  try {
    return await transfer(target, options, selection, refused, files, retry, digests);
  } finally {
    signal?.removeEventListener("abort", stopChecking);
    checking.abort(new Error("The download ended"));
  }
}

async function transfer(
  target: ExecTarget,
  options: DownloadOptions,
  selection: ReturnType<typeof selectOutputs>,
  refused: RefusedEntry[],
  files: OutputFile[],
  retry: { retries: number; signal: AbortSignal | undefined },
  digests: Promise<RemoteDigests>,
): Promise<DownloadResult> {
  const { workingDir, signal, onProgress } = options;
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  let received = 0;
  const md5 = new Map<string, string>();
  const progress = throttleProgress(onProgress);
  for (const batch of batchNames(selection.files.map((entry) => entry.name))) {
    const wanted = new Set(batch);
    const extracted = await retryOnConnectionLoss(async () => {
      const archive = new PassThrough({ highWaterMark: 1024 * 1024 });
      if (onProgress !== undefined) {
        archive.on("data", (chunk: Buffer) => {
          received += chunk.length;
          progress.update(received);
        });
      }
      // A failing extraction (a full disk) stops the command instead of leaving it
      // blocked on a stream nobody reads.
      const local = new AbortController();
      const onAbort = (): void => local.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      let extractError: { error: unknown } | undefined;
      const extracting = extractTar(archive, options.outputDir, { accept: (name) => wanted.has(name) });
      extracting.catch((error: unknown) => {
        extractError = { error };
        local.abort(error);
      });
      let exec;
      try {
        exec = await execInPod(target, ["sh", "-c", ARCHIVE_SCRIPT, "sh", workingDir, ...batch.map((name) => `./${name}`)], { stdout: archive, label: "tar -c", idleTimeoutMs: STALL_MS, signal: local.signal });
      } catch (error) {
        // Only an extraction that failed on its own explains the failure; destroying the
        // archive below makes it fail too.
        const cause = extractError;
        archive.destroy();
        await extracting.catch(() => undefined);
        if (signal?.aborted) throw signal.reason;
        if (cause !== undefined) throw cause.error;
        throw error;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
      if (exec.exitCode !== 0) {
        archive.destroy();
        await extracting.catch(() => undefined);
        throw new Error(`Cannot download output files from "${workingDir}" in ${where}: tar exited with code ${exec.exitCode}${exec.stderr ? `: ${exec.stderr.trim()}` : ""}`);
      }
      try {
        return await extracting;
      } catch (error) {
        // tar reported success, so the bytes were lost on the way (seen while the API
        // server or the kubelet shuts down): another attempt can bring them.
        if ((error as { truncated?: unknown }).truncated === true) {
          throw new ExecConnectionError(`The archive from ${where} arrived truncated although tar succeeded`, { started: true, cause: error });
        }
        throw error;
      }
    }, retry);
    progress.flush();
    files.push(...extracted.files);
    refused.push(...extracted.refused);
    for (const [name, hex] of extracted.md5) md5.set(name, hex);
  }

  const got = new Set(files.map((file) => file.name));
  for (const entry of selection.files) {
    if (!got.has(entry.name) && !refused.some((r) => r.name === entry.name)) {
      throw new Error(`Output file "${entry.name}" was listed in ${where} but is missing from the archive`);
    }
  }
  const verified = compare(where, await digests, files, md5);
  return { files, refused, bytes: files.reduce((sum, file) => sum + file.size, 0), verified };
}

async function list(target: ExecTarget, workingDir: string, signal: AbortSignal | undefined) {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const { exitCode, stderr } = await execInPod(target, ["sh", "-c", LIST_SCRIPT, "sh", workingDir], { stdout, label: "the listing of the working directory", ...(signal === undefined ? {} : { signal }) });
  if (exitCode !== 0) {
    throw new Error(`Cannot list "${workingDir}" in container "${target.container}" of pod "${target.namespace}/${target.pod}": exit code ${exitCode}${stderr ? `: ${stderr.trim()}` : ""}`);
  }
  return parseListing(Buffer.concat(chunks));
}

function compare(where: string, remote: RemoteDigests, files: readonly OutputFile[], md5: ReadonlyMap<string, string>): DownloadResult["verified"] {
  for (const file of files) {
    const problem = digestMismatch({ size: file.size, sha256: file.sha256, md5: md5.get(file.name) ?? "" }, remote.files.get(file.name) ?? "missing", remote.algorithm);
    if (problem?.what === "missing") {
      throw new Error(`Output file "${file.name}" is no longer a regular file in ${where}; it changed during the download`);
    }
    if (problem?.what === "size") {
      throw new Error(`Output file "${file.name}" arrived with ${file.size} bytes, but it has ${problem.remote} in ${where}`);
    }
    if (problem?.what === "digest") {
      throw new Error(`Output file "${file.name}" arrived with ${problem.algorithm} ${problem.local}, but it is ${problem.remote} in ${where}`);
    }
  }
  return remote.algorithm ?? "size";
}
