const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;

/** A log line as the kubelet sends it with `timestamps=true`, split into its parts. */
export interface TimestampedLine {
  /** The kubelet's timestamp as sent, or `""` when the line carries none. */
  readonly timestamp: string;
  /**
   * The timestamp as text that sorts in time order (UTC, nine fraction digits:
   * `2026-01-01T10:00:00.120000000`), or undefined when the line carries none.
   */
  readonly order: string | undefined;
  /** The line as the container printed it. */
  readonly line: string;
}

/**
 * Converts an RFC 3339 timestamp with up to nine fraction digits to nanoseconds since the
 * epoch. The kubelet trims trailing zeros of the fraction, so timestamps cannot be compared
 * as strings.
 *
 * @example
 * ```ts
 * import { timestampToNanos } from "./log_cursor.ts";
 * timestampToNanos("1970-01-01T00:00:01.5Z"); // 1500000000n
 * ```
 */
export function timestampToNanos(timestamp: string): bigint | undefined {
  const match = TIMESTAMP.exec(`${timestamp} `);
  if (match === null) return undefined;
  const [, seconds, fraction = "", zone] = match;
  const ms = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
}

/**
 * The sortable form of an RFC 3339 timestamp (see {@link TimestampedLine.order}): UTC,
 * nine fraction digits. The kubelet trims trailing zeros of the fraction, so timestamps
 * as sent cannot be compared as strings; these can.
 *
 * @example
 * ```ts
 * import { timestampOrder } from "./log_cursor.ts";
 * timestampOrder("2026-01-01T12:00:00.5+02:00"); // "2026-01-01T10:00:00.500000000"
 * ```
 */
export function timestampOrder(timestamp: string): string | undefined {
  if (isPlainUtc(timestamp)) return plainOrder(timestamp);
  const nanos = timestampToNanos(timestamp);
  if (nanos === undefined || nanos < 0n) return undefined;
  const seconds = nanos / 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  if (!/^\d{4}-/.test(iso)) return undefined;
  return `${iso.slice(0, 19)}.${String(nanos - seconds * 1_000_000_000n).padStart(9, "0")}`;
}

/** The order of a timestamp {@link isPlainUtc} accepted (the kubelet's own form): only the fraction needs padding. */
function plainOrder(timestamp: string): string {
  const fraction = timestamp.length > 20 ? timestamp.slice(20, -1) : "";
  return fraction.length === 9 ? timestamp.slice(0, -1) : `${timestamp.slice(0, 19)}.${fraction.padEnd(9, "0")}`;
}

const ZERO = 48;
const NINE = 57;

/** `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, checked without a regular expression (one per line). */
function isPlainUtc(t: string): boolean {
  const length = t.length;
  if (length < 20 || length > 30 || length === 21 || t.charCodeAt(length - 1) !== 90 /* Z */) return false;
  for (let i = 0; i < 19; i++) {
    const c = t.charCodeAt(i);
    const expected = i === 4 || i === 7 ? 45 /* - */ : i === 10 ? 84 /* T */ : i === 13 || i === 16 ? 58 /* : */ : -1;
    if (expected === -1 ? c < ZERO || c > NINE : c !== expected) return false;
  }
  if (length === 20) return true;
  if (t.charCodeAt(19) !== 46 /* . */) return false;
  for (let i = 20; i < length - 1; i++) {
    const c = t.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/**
 * Splits a line read with `timestamps=true` into the kubelet's timestamp and the line the
 * container printed. Only the timestamp and the single space after it are removed.
 *
 * @example
 * ```ts
 * import { parseLogLine } from "./log_cursor.ts";
 * parseLogLine("2026-01-01T10:00:00.123456789Z  indented\r").line; // " indented\r"
 * ```
 */
export function parseLogLine(raw: string): TimestampedLine {
  const space = raw.indexOf(" ");
  if (space >= 20 && space <= 30) {
    const timestamp = raw.slice(0, space);
    if (isPlainUtc(timestamp)) return { timestamp, order: plainOrder(timestamp), line: raw.slice(space + 1) };
  }
  const match = TIMESTAMP.exec(raw);
  if (match === null) return { timestamp: "", order: undefined, line: raw };
  const timestamp = match[0].slice(0, -1);
  return { timestamp, order: timestampOrder(timestamp), line: raw.slice(match[0].length) };
}

/**
 * Where a container's log has been read up to: the last timestamp and how many lines
 * carried exactly that timestamp. Reopening a stream with `sinceTime` at that timestamp
 * replays those lines (the API server rounds `sinceTime` down to the second); the cursor
 * skips them, so every line is delivered once.
 *
 * @example
 * ```ts
 * import { LogCursor, parseLogLine } from "./log_cursor.ts";
 * const cursor = new LogCursor();
 * cursor.beginStream();
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.1Z a")); // true
 * cursor.beginStream(); // reconnected with sinceTime = cursor.sinceTime
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.1Z a")); // false: seen
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.2Z b")); // true
 * ```
 */
export class LogCursor {
  #lastOrder: string | undefined;
  #lastTimestamp: string | undefined;
  #countAtLast = 0;
  #replaying = false;
  #replayed = 0;

  /** The `sinceTime` to reopen the log with, or undefined to read it from the start. */
  get sinceTime(): string | undefined {
    return this.#lastTimestamp;
  }

  /** The {@link TimestampedLine.order} of the last timestamp, or undefined before the first line. */
  get order(): string | undefined {
    return this.#lastOrder;
  }

  /** Lines accepted so far at the last timestamp. */
  get countAtLast(): number {
    return this.#countAtLast;
  }

  /** Call before the first line of every stream opened with {@link sinceTime}. */
  beginStream(): void {
    this.#replaying = this.#lastOrder !== undefined;
    this.#replayed = 0;
  }

  /** Decides whether a line is new (true) or a replay of one already delivered (false). */
  accept(entry: Pick<TimestampedLine, "order" | "timestamp">): boolean {
    const order = entry.order;
    if (order === undefined) return true;
    const last = this.#lastOrder;
    if (this.#replaying && last !== undefined) {
      if (order < last) return false;
      if (order === last) {
        this.#replayed += 1;
        if (this.#replayed <= this.#countAtLast) return false;
        this.#replaying = false;
        this.#countAtLast = this.#replayed;
        return true;
      }
      this.#replaying = false;
    }
    if (last !== undefined && order === last) {
      this.#countAtLast += 1;
    } else if (last === undefined || order > last) {
      this.#lastOrder = order;
      this.#lastTimestamp = entry.timestamp;
      this.#countAtLast = 1;
    }
    // A line older than the cursor within one stream (the node's clock went back) is
    // delivered but does not move the cursor back: a reconnect must not replay newer lines.
    return true;
  }
}
