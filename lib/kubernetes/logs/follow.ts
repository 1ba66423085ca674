import type { LogLine } from "../../run/result.ts";
import { apiStatus } from "../api_error.ts";
import { Backoff, type BackoffOptions } from "../backoff.ts";
import { LineSplitter } from "./line_splitter.ts";
import { LogCursor, parseLogLine, type TimestampedLine } from "./log_cursor.ts";

/** A request for one container's log, always with `timestamps=true`. */
export interface LogStreamRequest {
  /** The container whose log to read. */
  readonly container: string;
  /** Keep the stream open for new lines until the container ends. */
  readonly follow: boolean;
  /** Read from this timestamp (the API server rounds it down to the second). */
  readonly sinceTime?: string;
  /** Closes the stream. */
  readonly signal: AbortSignal;
}

/**
 * Opens container logs. The iterable ends when the server ends the stream and throws when
 * the connection breaks; errors carry the HTTP status when the server refused (as
 * `apiStatus` of `api_error.ts` reads it).
 */
export interface LogSource {
  /** Opens a log stream: its bytes, and a way to close it early. */
  open(request: LogStreamRequest): Promise<LogStream>;
}

/** The bytes of a log stream, and a way to close it early. */
export interface LogStream extends AsyncIterable<Uint8Array> {
  /** Closes the stream and its connection. */
  destroy?(): void;
}

/** Options of {@link followContainerLogs}. */
export interface FollowLogsOptions {
  /** Where to read the log from. */
  readonly source: LogSource;
  /** The container whose log to follow. */
  readonly container: string;
  /** Stops following; lines already read are kept. */
  readonly signal: AbortSignal;
  /** Receives every line once, in order. */
  readonly onLine: (line: LogLine) => void;
  /** True once the container has terminated (as the pod watch saw it). */
  readonly terminated: () => boolean;
  /** Delays between failed attempts. */
  readonly backoff?: BackoffOptions;
  /**
   * Called whenever bytes arrive or a stream opens, replayed lines included: a sign of life
   * for callers that bound silence.
   */
  readonly onActivity?: () => void;
}

/** How a follow went. */
export interface FollowLogsReport {
  /** Lines delivered. */
  readonly lines: number;
  /** Streams opened after the first one (reconnects and the final read). */
  readonly reopened: number;
  /** Set when the log could not be read to its end (e.g. the pod was deleted). */
  readonly incomplete?: string;
  /**
   * Stretches of the log that may be missing: a stream reopened from the cursor began, in
   * the container's current log file, at least {@link ROTATION_GAP_MS} after the last line
   * read, so the lines between (if any were written) were only in rotated files, which the
   * kubelet serves only to a stream already reading them.
   */
  readonly missing?: readonly string[];
}

/**
 * A reopened stream whose first line is this much newer than the cursor's tells of a
 * possible gap. A rotation that skipped nothing leaves micro- to milliseconds between the
 * last line of the renamed file and the first of the new one.
 */
export const ROTATION_GAP_MS = 1000;

const decoder = new TextDecoder("utf-8");

/**
 * Follows one container's log without losing or repeating a line. Reads with
 * `timestamps=true` and keeps a {@link LogCursor}; when the stream breaks or the server ends
 * it early, reopens with `sinceTime` at the cursor and skips what was already delivered.
 * Once the container has terminated, a last non-following read from the cursor picks up
 * anything the follow stream missed, then the function returns. Lines are split on `\n`
 * only and kept byte-exact, the kubelet's timestamp prefix aside.
 *
 * When the container terminates while the follow stream is still behind (a flood), the
 * rest is read by a non-following read from the cursor instead, which the server sends in
 * larger pieces — but only once that read is seen to begin before the cursor: the kubelet
 * reads only the container's current log file, so a read that begins after the cursor
 * means the file was rotated past it, and the follow stream, which still reads the
 * rotated file, goes on. Once the follow stream has delivered a line past the first line
 * of the current file, the cursor is in that file again, and the rest is read again.
 *
 * @example
 * ```ts
 * import { followContainerLogs, type LogSource } from "./follow.ts";
 * declare const source: LogSource;
 * let done = false;
 * const report = await followContainerLogs({
 *   source, container: "main", signal: AbortSignal.timeout(60_000),
 *   onLine: (l) => console.log(l.line), terminated: () => done,
 * });
 * console.log(report.lines);
 * ```
 */
export async function followContainerLogs(options: FollowLogsOptions): Promise<FollowLogsReport> {
  const { source, container, signal, onLine } = options;
  const cursor = new LogCursor();
  const backoff = new Backoff(options.backoff);
  let lines = 0;
  let opened = 0;
  const missing: string[] = [];
  const report = (incomplete: string | undefined): FollowLogsReport => ({
    lines,
    reopened: Math.max(0, opened - 1),
    ...(incomplete === undefined ? {} : { incomplete }),
    ...(missing.length === 0 ? {} : { missing }),
  });
  // The cursor when a stream was reopened from it, until that stream's first line.
  let reopenedAt: Pick<TimestampedLine, "order" | "timestamp"> | undefined;

  // The start of a line a stream ended in the middle of, when the server ended it cleanly:
  // the kubelet sends a line the runtime wrote in pieces (CRI "P" entries) piece by piece,
  // and when the kubelet rotates the file between two pieces, the next stream starts at
  // the rest, under the rest's own timestamp; the start is only in the rotated file.
  let head: TimestampedLine | undefined;
  const emit = (line: Pick<TimestampedLine, "line" | "timestamp">): void => {
    lines += 1;
    onLine({ container, line: line.line, timestamp: line.timestamp });
  };
  const deliverText = (raw: string): void => {
    let parsed = parseLogLine(raw);
    // Every line the container wrote carries the kubelet's timestamp; the kubelet's own
    // complaint that it cannot read the log (its container is being removed) does not.
    if (parsed.order === undefined && isKubeletLogError(raw)) return;
    if (reopenedAt !== undefined && parsed.order !== undefined) {
      const gap = gapAfter(reopenedAt, parsed);
      if (gap !== undefined) missing.push(gap);
      reopenedAt = undefined;
    }
    if (!cursor.accept(parsed)) return;
    if (head?.order !== undefined && parsed.order !== undefined && parsed.order >= head.order) {
      // Read again whole (same timestamp), or only its rest (later): one line either way —
      // but a line that begins a second or more after the piece is not its rest. At every
      // rotation the runtime closes the old file with the piece of the line it was writing
      // and writes the rest into the new one; a stream that skipped files in between meets
      // another line first. The piece is then a line of its own.
      if (parsed.order > head.order) {
        if (Date.parse(parsed.timestamp) - Date.parse(head.timestamp) < ROTATION_GAP_MS) parsed = { ...head, line: head.line + parsed.line };
        else emit(head);
      }
      head = undefined;
    }
    emit(parsed);
  };
  const deliver = (raw: Buffer): void => deliverText(decoder.decode(raw));
  const deliverChunk = (splitter: LineSplitter, chunk: Uint8Array): void => {
    const block = splitter.pushBlock(chunk);
    if (block === undefined) return;
    const text = decoder.decode(block);
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      deliverText(text.slice(start, newline));
      start = newline + 1;
    }
  };

  /**
   * A non-following read from the cursor, if it begins before the cursor (so nothing
   * between the cursor and the current file was rotated away): its iterator and the
   * chunks already read from it. Otherwise undefined, and the read is closed.
   */
  const readRest = async (): Promise<{ stream: LogStream; chunks: AsyncIterator<Uint8Array>; read: Uint8Array[] } | { rotatedAt: string } | undefined> => {
    const last = cursor.order;
    const sinceTime = cursor.sinceTime;
    if (last === undefined || sinceTime === undefined) return undefined;
    let rotatedAt: string | undefined;
    let stream: LogStream;
    try {
      stream = await source.open({ container, follow: false, signal, sinceTime });
      opened += 1;
    } catch {
      return undefined;
    }
    const chunks = stream[Symbol.asyncIterator]();
    const read: Uint8Array[] = [];
    try {
      let bytes = Buffer.alloc(0);
      while (true) {
        const next = await chunks.next();
        if (next.done === true) break;
        options.onActivity?.();
        read.push(next.value);
        bytes = Buffer.concat([bytes, next.value]);
        const newline = bytes.indexOf(10);
        if (newline === -1) continue;
        const first = parseLogLine(decoder.decode(bytes.subarray(0, newline)));
        if (first.order !== undefined && first.order < last) return { stream, chunks, read };
        // The current file begins after the cursor: it was rotated past it.
        rotatedAt = first.order;
        break;
      }
    } catch {
      // Broken: the follow stream goes on.
    }
    stream.destroy?.();
    return rotatedAt === undefined ? undefined : { rotatedAt };
  };

  while (!signal.aborted) {
    // Decided before opening: a stream opened after termination holds the whole rest.
    let final = options.terminated();
    const splitter = new LineSplitter();
    cursor.beginStream();
    let stream: LogStream;
    try {
      const sinceTime = cursor.sinceTime;
      stream = await source.open({ container, follow: !final, signal, ...(sinceTime === undefined ? {} : { sinceTime }) });
      opened += 1;
      const order = cursor.order;
      reopenedAt = order === undefined || sinceTime === undefined ? undefined : { order, timestamp: sinceTime };
      options.onActivity?.();
    } catch (error) {
      if (signal.aborted) break;
      const status = apiStatus(error);
      if (status === 404) return report(`the pod is gone: ${(error as Error).message}`);
      if ((status === 401 || status === 403) && backoff.attempts >= 3) {
        return report(`the API server refused the log: ${(error as Error).message}`);
      }
      await backoff.wait(signal).catch(() => undefined);
      continue;
    }

    let clean = false;
    let tried = final;
    // The first line of the current file, when a read of the rest began there (after the
    // cursor): the rest is read again once the follow stream has got past it.
    let rotatedAt: string | undefined;
    try {
      let chunks = stream[Symbol.asyncIterator]();
      while (true) {
        const next = await chunks.next();
        if (next.done === true) break;
        options.onActivity?.();
        deliverChunk(splitter, next.value);
        const order = cursor.order;
        if (rotatedAt !== undefined && order !== undefined && order > rotatedAt) {
          rotatedAt = undefined;
          tried = false;
        }
        if (!tried && options.terminated()) {
          // Tried once per stream and file: the follow stream waits, unread, meanwhile.
          tried = true;
          const rest = await readRest();
          if (rest !== undefined && "rotatedAt" in rest) {
            rotatedAt = rest.rotatedAt;
          } else if (rest !== undefined) {
            final = true;
            stream.destroy?.();
            stream = rest.stream;
            chunks = rest.chunks;
            // The read starts before the cursor: what the follow stream held of a line is read again.
            splitter.discardRest();
            cursor.beginStream();
            for (const chunk of rest.read) deliverChunk(splitter, chunk);
          }
          // Otherwise the follow stream ends by itself; what it may miss, the last read picks up.
        }
      }
      clean = true;
    } catch {
      // A broken stream: the partial line at its end will be read again.
    } finally {
      stream.destroy?.();
    }

    if (clean && final) {
      // The log is complete: an unterminated last line is a line too.
      const rest = splitter.takeRest();
      if (rest !== undefined) deliver(rest);
      if (head !== undefined) emit(head);
      return report(undefined);
    }
    const rest = splitter.takeRest();
    if (clean && rest !== undefined) {
      // Only the server's own end of a stream leaves whole pieces; a broken connection
      // leaves any fragment, which the next stream reads again.
      const piece = parseLogLine(decoder.decode(rest));
      const last = cursor.order;
      if (piece.order !== undefined && (last === undefined || piece.order > last)) head = piece;
    }
    if (signal.aborted) break;
    if (clean) {
      backoff.reset();
      // The follow stream ends when the container stops; if it has not (yet), the
      // server closed early: reopen after a short pause.
      if (!options.terminated()) await backoff.wait(signal).catch(() => undefined);
    } else {
      await backoff.wait(signal).catch(() => undefined);
    }
  }
  return report("stopped before the end of the log");
}

/** What may be missing between the cursor and the first line of a reopened stream, if anything. */
function gapAfter(cursor: Pick<TimestampedLine, "order" | "timestamp">, first: Pick<TimestampedLine, "order" | "timestamp">): string | undefined {
  if (first.order === undefined || cursor.order === undefined || first.order <= cursor.order) return undefined;
  const ms = Date.parse(first.timestamp) - Date.parse(cursor.timestamp);
  if (!(ms >= ROTATION_GAP_MS)) return undefined;
  return `lines written between ${cursor.timestamp} and ${first.timestamp} may be missing: when the log was read again, its current file began ${(ms / 1000).toFixed(1)} s after the last line read, and the kubelet serves rotated files only to a stream already reading them`;
}

/**
 * The kubelet answers a log request it cannot serve any more (the container is being
 * removed) with its own message in the body, without a timestamp; it is not a log line.
 */
export function isKubeletLogError(raw: string): boolean {
  return KUBELET_LOG_ERRORS.some((prefix) => raw.startsWith(prefix));
}

const KUBELET_LOG_ERRORS: readonly string[] = ["unable to retrieve container logs for ", "failed to try resolving symlinks in path "];
