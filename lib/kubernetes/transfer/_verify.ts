import { PassThrough } from "node:stream";
import { execInPod, type ExecTarget } from "./exec.ts";
import { batchNames } from "./_listing.ts";

/**
 * For each name after `$1` (the directory), prints `size sha256`, `size -` when there is
 * no `sha256sum`, or `missing` for anything but a regular file. The first line says
 * whether `sha256sum` exists. POSIX `sh`, `stat -c %s` (else `wc -c`) and, when present, `sha256sum`.
 */
const DIGEST_SCRIPT = [
  'cd "$1" || exit 90; shift',
  "if command -v sha256sum >/dev/null 2>&1; then h=1; else h=0; fi",
  'echo "hash=$h"',
  "for f do",
  '  if [ -L "$f" ] || [ ! -f "$f" ]; then echo missing; continue; fi',
  // The size from the inode (BusyBox's `wc -c` reads the whole file, ~5 s per GB);
  // `wc -c` only where there is no `stat`.
  '  s=$(stat -c %s -- "$f" 2>/dev/null)',
  '  case $s in ""|*[!0-9]*) s=$(wc -c < "$f") || exit 91 ;; esac',
  '  if [ "$h" = 1 ]; then d=$(sha256sum < "$f") || exit 92; d=${d%% *}; else d=-; fi',
  '  echo "$s $d"',
  "done",
].join("\n");

/** What the container says about one file. */
export type RemoteDigest = { readonly size: number; readonly sha256?: string } | "missing";

/** Sizes and (when `sha256sum` exists there) sha256 of files in the container. */
export interface RemoteDigests {
  /** False when the container has no `sha256sum`: only sizes were checked. */
  readonly hashed: boolean;
  readonly files: ReadonlyMap<string, RemoteDigest>;
}

/**
 * Asks the container for the size and sha256 of each named file (relative to
 * `workingDir`), in batches small enough for the exec URL.
 */
export async function remoteDigests(target: ExecTarget, workingDir: string, names: readonly string[], signal: AbortSignal | undefined): Promise<RemoteDigests> {
  const files = new Map<string, RemoteDigest>();
  let hashed = true;
  for (const batch of batchNames(names)) {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { exitCode, stderr } = await execInPod(target, ["sh", "-c", DIGEST_SCRIPT, "sh", workingDir, ...batch.map((name) => `./${name}`)], {
      stdout,
      label: "the check of the transferred files",
      ...(signal === undefined ? {} : { signal }),
    });
    if (exitCode !== 0) {
      throw new Error(`Cannot check the files in "${workingDir}" in container "${target.container}" of pod "${target.namespace}/${target.pod}": exit code ${exitCode}${stderr ? `: ${stderr.trim()}` : ""}`);
    }
    const lines = Buffer.concat(chunks).toString("utf8").split("\n");
    if (lines[0] !== "hash=1") hashed = false;
    for (const [index, name] of batch.entries()) {
      const line = lines[index + 1];
      if (line === undefined || line === "missing") {
        files.set(name, "missing");
        continue;
      }
      const [size, digest] = line.trim().split(/\s+/);
      files.set(name, digest === undefined || digest === "-" ? { size: Number(size) } : { size: Number(size), sha256: digest });
    }
  }
  return { hashed, files };
}
