import picomatch from "picomatch";
import type { RefusedEntry } from "../../run/result.ts";
import { checkRelativeName, isReservedName } from "./_names.ts";

/** Kinds of entries the listing reports. */
export type ListingType = "file" | "directory" | "symlink" | "fifo" | "character-device" | "block-device" | "socket" | "other";

/** One entry of the working directory, as listed in the container. */
export interface ListingEntry {
  /** Path relative to the working directory, without a leading `./`. */
  readonly name: string;
  readonly type: ListingType;
}

/**
 * Lists everything under the working directory (`$1`) without following links, printing
 * `type|./name` NUL-terminated, so that any name (newlines included) survives. Needs only
 * POSIX `sh`, `find` and the shell's `test` and `printf`: no process per file. Tests `-L`
 * first: a link is never followed.
 */
export const LIST_SCRIPT = [
  'cd "$1" || exit 90',
  "exec find . ! -name . -exec sh -c '",
  "for p do",
  '  if [ -L "$p" ]; then t=l',
  '  elif [ -f "$p" ]; then t=f',
  '  elif [ -d "$p" ]; then t=d',
  '  elif [ -p "$p" ]; then t=p',
  '  elif [ -c "$p" ]; then t=c',
  '  elif [ -b "$p" ]; then t=b',
  '  elif [ -S "$p" ]; then t=s',
  "  else t=o; fi",
  '  printf "%s|%s\\000" "$t" "$p"',
  "done' sh {} +",
].join("\n");

const TYPES: Readonly<Record<string, ListingType>> = {
  f: "file",
  d: "directory",
  l: "symlink",
  p: "fifo",
  c: "character-device",
  b: "block-device",
  s: "socket",
  o: "other",
};

/** Parses the output of {@link LIST_SCRIPT}. Throws on a malformed record. */
export function parseListing(output: Buffer | string): ListingEntry[] {
  const text = typeof output === "string" ? output : output.toString("utf8");
  const entries: ListingEntry[] = [];
  for (const record of text.split("\0")) {
    if (record === "") continue;
    const bar = record.indexOf("|");
    const type = bar < 0 ? undefined : TYPES[record.slice(0, bar)];
    let name = record.slice(bar + 1);
    if (name.startsWith("./")) name = name.slice(2);
    if (type === undefined || name === "") {
      throw new Error(`Cannot parse the listing of the working directory: unexpected record ${JSON.stringify(record.slice(0, 200))}`);
    }
    entries.push({ name, type });
  }
  return entries;
}

/** What {@link selectOutputs} keeps and refuses. */
export interface OutputSelection {
  /** Regular files matching a glob, sorted by name. */
  readonly files: readonly ListingEntry[];
  /** Entries matching a glob that are not regular files, or whose name is unsafe. */
  readonly refused: readonly RefusedEntry[];
}

const REASONS: Readonly<Record<ListingType, string>> = {
  file: "",
  directory: "",
  symlink: "symbolic links are never followed or created",
  fifo: "FIFOs are never read or created",
  "character-device": "device nodes are never read or created",
  "block-device": "device nodes are never read or created",
  socket: "sockets are never read or created",
  other: "only regular files are transferred",
};

/**
 * Picks the entries matching `globs` (picomatch syntax on relative paths: `*.txt`,
 * `out/**`, `**\/*.csv`; a leading `*` also matches names starting with a dot). Regular
 * files are selected; other matching entries are refused with the reason; directories
 * are not matched (name their content, e.g. `out/**`). podkit's `.podkit-*` markers are
 * never selected. Throws a `TypeError` for an empty glob.
 */
export function selectOutputs(entries: readonly ListingEntry[], globs: readonly string[]): OutputSelection {
  for (const glob of globs) {
    if (typeof glob !== "string" || glob.trim() === "") throw new TypeError("Cannot select output files with an empty glob");
  }
  if (globs.length === 0) return { files: [], refused: [] };
  const patterns = globs.map((glob) => glob.replace(/^\.\//, ""));
  const matches = picomatch(patterns, { dot: true });
  const files: ListingEntry[] = [];
  const refused: RefusedEntry[] = [];
  for (const entry of entries) {
    if (entry.type === "directory" || isReservedName(entry.name) || !matches(entry.name)) continue;
    if (entry.type !== "file") {
      refused.push({ name: entry.name, type: entry.type, reason: REASONS[entry.type] });
      continue;
    }
    if (entry.name.includes("\uFFFD")) {
      // Decoding replaced bytes that are not UTF-8: the name can no longer be asked for.
      refused.push({ name: entry.name, type: entry.type, reason: "the name is not valid UTF-8" });
      continue;
    }
    const check = checkRelativeName(entry.name);
    if (!check.ok || check.name !== entry.name) {
      refused.push({ name: entry.name, type: entry.type, reason: check.ok ? "the name is not in normal form" : check.reason });
      continue;
    }
    files.push(entry);
  }
  // `find` lists in directory order; sort so that results do not depend on it.
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { files: files.sort(byName), refused: refused.sort(byName) };
}

/**
 * Splits names into batches small enough to pass as command arguments in an exec URL.
 */
export function batchNames(names: readonly string[], maxBytes = 16 * 1024, maxCount = 500): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const name of names) {
    const size = Buffer.byteLength(name) + 3;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxCount)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(name);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
