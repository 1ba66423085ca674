/**
 * A duration as an ISO 8601 string (`"PT3M"`, `"PT1H30M"`, `"P1D"`, `"PT0.5S"`) or a
 * number of milliseconds.
 */
export type DurationInput = string | number;

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [604_800_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/**
 * Converts a duration to milliseconds.
 *
 * @throws {RangeError} when the value is not a duration; the message says what is expected
 * @example
 * ```ts
 * import { parseDuration } from "podkit";
 * parseDuration("PT3M"); // 180000
 * parseDuration(1500); // 1500
 * ```
 */
export function parseDuration(value: DurationInput): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Cannot use duration ${value}: expected a non-negative number of milliseconds`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new RangeError(`Cannot parse duration ${JSON.stringify(value)}: expected a string like "PT3M" or milliseconds`);
  }
  const match = ISO_DURATION.exec(value.trim().toUpperCase());
  if (match === null || value.trim().toUpperCase() === "P" || /T$/.test(value.trim().toUpperCase())) {
    throw new RangeError(`Cannot parse duration "${value}": expected an ISO 8601 duration like "PT3M" or "PT1H30M"`);
  }
  let ms = 0;
  match.slice(1).forEach((part, i) => {
    if (part !== undefined) ms += Number(part) * UNIT_MS[i as 0 | 1 | 2 | 3 | 4];
  });
  return Math.round(ms);
}

/**
 * Formats milliseconds as an ISO 8601 duration (`180000` → `"PT3M"`).
 *
 * @example
 * ```ts
 * import { formatDuration } from "podkit";
 * formatDuration(5_400_000); // "PT1H30M"
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "PT0S";
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  return `PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s ? `${s}S` : ""}`;
}
