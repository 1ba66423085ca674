// Spelling suggestions for unknown names ("did you mean …?"): property and field names,
// volume names, enumerated values.

/**
 * Optimal string alignment distance, ignoring case: insertions, deletions, substitutions
 * and swaps of two neighbouring letters count one edit each.
 */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `name`, when it is close enough to be a likely typo: a
 * candidate that differs only in case, else the nearest within a third of the name's
 * length (at least two edits).
 *
 * @example
 * ```ts
 * import { closest } from "./_suggest.ts";
 * closest("comand", ["command", "args", "image"]); // "command"
 * closest("imgae", ["command", "args", "image"]); // "image"
 * closest("volumes", ["command", "args"]); // undefined
 * ```
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d === 0) return candidate;
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
