const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) /;

/** A log line as the kubelet sends it with `timestamps=true`, split into its parts. */
export interface TimestampedLine {
  /** The kubelet's timestamp as sent, or `""` when the line carries none. */
  readonly timestamp: string;
  /** The timestamp in nanoseconds since the epoch, for ordering. */
  readonly nanos: bigint | undefined;
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
 * import { timestampToNanos } from "podkit/kubernetes";
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
 * Splits a line read with `timestamps=true` into the kubelet's timestamp and the line the
 * container printed. Only the timestamp and the single space after it are removed.
 *
 * @example
 * ```ts
 * import { parseLogLine } from "podkit/kubernetes";
 * parseLogLine("2026-01-01T10:00:00.123456789Z  indented\r").line; // " indented\r"
 * ```
 */
export function parseLogLine(raw: string): TimestampedLine {
  const match = TIMESTAMP.exec(raw);
  if (match === null) return { timestamp: "", nanos: undefined, line: raw };
  const timestamp = match[0].slice(0, -1);
  return { timestamp, nanos: timestampToNanos(timestamp), line: raw.slice(match[0].length) };
}

/**
 * Where a container's log has been read up to: the last timestamp and how many lines
 * carried exactly that timestamp. Reopening a stream with `sinceTime` at that timestamp
 * replays those lines (the API server rounds `sinceTime` down to the second); the cursor
 * skips them, so every line is delivered once.
 *
 * @example
 * ```ts
 * import { LogCursor, parseLogLine } from "podkit/kubernetes";
 * const cursor = new LogCursor();
 * cursor.beginStream();
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.1Z a")); // true
 * cursor.beginStream(); // reconnected with sinceTime = cursor.sinceTime
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.1Z a")); // false: seen
 * cursor.accept(parseLogLine("2026-01-01T10:00:00.2Z b")); // true
 * ```
 */
export class LogCursor {
  #lastNanos: bigint | undefined;
  #lastTimestamp: string | undefined;
  #countAtLast = 0;
  #replaying = false;
  #replayed = 0;

  /** The `sinceTime` to reopen the log with, or undefined to read it from the start. */
  get sinceTime(): string | undefined {
    return this.#lastTimestamp;
  }

  /** Lines accepted so far at the last timestamp. */
  get countAtLast(): number {
    return this.#countAtLast;
  }

  /** Call before the first line of every stream opened with {@link sinceTime}. */
  beginStream(): void {
    this.#replaying = this.#lastNanos !== undefined;
    this.#replayed = 0;
  }

  /** Decides whether a line is new (true) or a replay of one already delivered (false). */
  accept(entry: Pick<TimestampedLine, "nanos" | "timestamp">): boolean {
    const nanos = entry.nanos;
    if (nanos === undefined) return true;
    const last = this.#lastNanos;
    if (this.#replaying && last !== undefined) {
      if (nanos < last) return false;
      if (nanos === last) {
        this.#replayed += 1;
        if (this.#replayed <= this.#countAtLast) return false;
        this.#replaying = false;
        this.#countAtLast = this.#replayed;
        return true;
      }
      this.#replaying = false;
    }
    if (last !== undefined && nanos === last) {
      this.#countAtLast += 1;
    } else if (last === undefined || nanos > last) {
      this.#lastNanos = nanos;
      this.#lastTimestamp = entry.timestamp;
      this.#countAtLast = 1;
    }
    // A line older than the cursor within one stream (the node's clock went back) is
    // delivered but does not move the cursor back: a reconnect must not replay newer lines.
    return true;
  }
}
