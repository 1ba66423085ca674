import { createHash, randomFillSync } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { once } from "node:events";
import type { InputBlob } from "./case.ts";
import { FILES } from "./workload.ts";

/**
 * A random file of `bytes` bytes under `root`, made once and reused: `root/<bytes>/in.bin`
 * (alone in its directory, since client-node's `Cp` copies directories), its sha256 cached
 * beside the directory.
 */
export async function inputBlob(root: string, bytes: number): Promise<InputBlob> {
  const dir = join(root, String(bytes));
  const path = join(dir, FILES.input);
  const shaPath = join(root, `${bytes}.sha256`);
  if (existsSync(path) && existsSync(shaPath)) {
    return { path, bytes, sha256: (await readFile(shaPath, "utf8")).trim() };
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const hash = createHash("sha256");
  const chunk = Buffer.alloc(1 << 20);
  for (let left = bytes; left > 0; ) {
    const n = Math.min(left, chunk.length);
    const part = Buffer.from(randomFillSync(chunk, 0, n).subarray(0, n));
    hash.update(part);
    if (!out.write(part)) await once(out, "drain");
    left -= n;
  }
  out.end();
  await once(out, "finish");
  await rename(tmp, path);
  const sha256 = hash.digest("hex");
  await writeFile(shaPath, `${sha256}\n`);
  return { path, bytes, sha256 };
}
