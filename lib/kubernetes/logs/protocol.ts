import type { LogLevel } from "../../run/result.ts";

/** A metric entry of a `::{"metrics":[…]}::` line, as printed. */
export interface ProtocolMetric {
  /** The metric's name. */
  readonly name: string;
  /** `counter` or `timer` (seconds). */
  readonly type: "counter" | "timer";
  /** A count, or seconds for a timer. */
  readonly value: number;
  /** Tags, `{}` when the entry has none. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A log entry of a `::{"logs":[…]}::` line, as printed. */
export interface ProtocolLog {
  /** `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`. */
  readonly level: LogLevel;
  /** The message, as printed (it may hold newlines). */
  readonly message: string;
}

/** What one protocol line declares: any of Kestra's three keys. */
export interface ProtocolMessage {
  /** Output values. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Metrics, in order. */
  readonly metrics?: readonly ProtocolMetric[];
  /** Structured log entries, in order. */
  readonly logs?: readonly ProtocolLog[];
}

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]);

/**
 * Reads a line of Kestra's script protocol: exactly `::{…}::` (or
 * `::podkit-<nonce>::{…}::` when a nonce is required), whose JSON object has `outputs`
 * (an object), `metrics` (a list of `{ name, type: "counter" | "timer", value, tags? }`)
 * or `logs` (a list of `{ level, message }`, levels `TRACE` to `ERROR`), one or more of
 * them. Any other line — and a line whose JSON breaks one of these rules anywhere — gives
 * `undefined`: it is plain output, shown as printed.
 *
 * @example
 * ```ts
 * import { parseProtocolLine } from "./protocol.ts";
 * parseProtocolLine('::{"metrics":[{"name":"rows","type":"counter","value":42,"tags":{"table":"a"}}]}::');
 * // { metrics: [{ name: "rows", type: "counter", value: 42, tags: { table: "a" } }] }
 * parseProtocolLine('::{"logs":[{"level":"WARN","message":"disk low"}]}::'); // { logs: [{ level: "WARN", message: "disk low" }] }
 * parseProtocolLine("hello"); // undefined
 * ```
 */
export function parseProtocolLine(line: string, nonce?: string): ProtocolMessage | undefined {
  const prefix = nonce === undefined ? "::" : `::podkit-${nonce}::`;
  if (line.length < prefix.length + 4 || !line.startsWith(prefix) || !line.endsWith("::")) return undefined;
  const json = line.slice(prefix.length, -2);
  if (!json.startsWith("{") || !json.endsWith("}")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { outputs, metrics, logs } = value;
  if (outputs === undefined && metrics === undefined && logs === undefined) return undefined;
  if (outputs !== undefined && !isRecord(outputs)) return undefined;
  const readMetrics = metrics === undefined ? undefined : readList(metrics, readMetric);
  const readLogs = logs === undefined ? undefined : readList(logs, readLog);
  if (readMetrics === null || readLogs === null) return undefined;
  return {
    ...(outputs === undefined ? {} : { outputs }),
    ...(readMetrics === undefined ? {} : { metrics: readMetrics }),
    ...(readLogs === undefined ? {} : { logs: readLogs }),
  };
}

/** Each entry read, or null when the value is not a list or an entry is not valid. */
function readList<T>(value: unknown, read: (entry: unknown) => T | undefined): T[] | null {
  if (!Array.isArray(value)) return null;
  const entries: T[] = [];
  for (const entry of value) {
    const read_ = read(entry);
    if (read_ === undefined) return null;
    entries.push(read_);
  }
  return entries;
}

function readMetric(entry: unknown): ProtocolMetric | undefined {
  if (!isRecord(entry)) return undefined;
  const { name, type, value, tags } = entry;
  if (typeof name !== "string" || name === "") return undefined;
  if (type !== "counter" && type !== "timer") return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (tags !== undefined && tags !== null && !(isRecord(tags) && Object.values(tags).every((t) => typeof t === "string"))) return undefined;
  const ownTags: Record<string, string> = {};
  for (const [key, tag] of Object.entries((tags ?? {}) as Record<string, string>)) {
    Object.defineProperty(ownTags, key, { value: tag, enumerable: true, writable: true, configurable: true });
  }
  return { name, type, value, tags: ownTags };
}

function readLog(entry: unknown): ProtocolLog | undefined {
  if (!isRecord(entry)) return undefined;
  const { level, message } = entry;
  if (typeof level !== "string" || !LEVELS.has(level) || typeof message !== "string") return undefined;
  return { level: level as LogLevel, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
