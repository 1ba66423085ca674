/**
 * A byte count for people, in SI units as `ls -h --si` and `kubectl` print them: `512 B`,
 * `1.5 kB`, `268 MB`. The one place podkit formats sizes.
 *
 * @example
 * ```ts
 * import { formatBytes } from "podkit";
 * formatBytes(1536); // "1.5 kB"
 * formatBytes(268_435_456); // "268 MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
