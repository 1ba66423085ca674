import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/** Size and hex sha256 of a local file, read as a stream (memory stays flat). */
export async function hashFile(path: string): Promise<{ readonly bytes: number; readonly sha256: string }> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { bytes: (await stat(path)).size, sha256: hash.digest("hex") };
}

/** Reads the hex digest from a `sha256sum` output line, e.g. `ab12…  in.bin`. */
export function parseSha256sum(text: string): string | undefined {
  return /^([0-9a-f]{64})\b/.exec(text.trim())?.[1];
}
