// How fast podkit turns log bytes into delivered lines, without a cluster: 1 M lines in the
// kubelet's `timestamps=true` form (trailing zeros of the fraction trimmed, as it sends
// them) go through `followContainerLogs` from memory, split, decoded, ordered by the cursor
// and kept, as a run keeps them. Side by side, in the same process: the same lines with only
// the timestamp ordering done through `timestampToNanos` (RFC 3339 parsing, BigInt), the
// way the cursor ordered lines before. Usage: node bench/probes/log_parse.ts [lines] [rounds]
import { followContainerLogs, type LogSource } from "../../lib/kubernetes/logs/follow.ts";
import { RunEventStream } from "../../lib/run/event_stream.ts";
import { timestampOrder, timestampToNanos } from "../../lib/kubernetes/logs/log_cursor.ts";

const lines = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 5);

/** The log as the API server would send it, in ~60 kB chunks. */
function kubeletLog(count: number): { chunks: Buffer[]; stamps: string[] } {
  const chunks: Buffer[] = [];
  const stamps: string[] = [];
  const start = Date.parse("2026-11-27T12:00:00Z");
  let text = "";
  for (let i = 1; i <= count; i++) {
    const nanos = i * 1_733; // ~577 000 lines per second, a flood
    const second = new Date(start + Math.floor(nanos / 1e9) * 1000).toISOString().slice(0, 19);
    const fraction = String(nanos % 1e9).padStart(9, "0").replace(/0+$/, "");
    const stamp = `${second}${fraction === "" ? "" : `.${fraction}`}Z`;
    stamps.push(stamp);
    text += `${stamp} ${i}\n`;
    if (text.length > 60_000) {
      chunks.push(Buffer.from(text));
      text = "";
    }
  }
  chunks.push(Buffer.from(text));
  return { chunks, stamps };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const { chunks, stamps } = kubeletLog(lines);
const source: LogSource = {
  open: async () => ({
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
  }),
};

const follow: number[] = [];
const byOrder: number[] = [];
const byNanos: number[] = [];
for (let round = 0; round < rounds; round++) {
  const collector = new RunEventStream();
  let t = performance.now();
  const report = await followContainerLogs({ source, container: "main", signal: new AbortController().signal, onLine: (l) => collector.log(l), terminated: () => true });
  follow.push(performance.now() - t);
  if (report.lines !== lines || collector.keptLines().at(-1)?.line !== String(lines)) throw new Error(`Expected ${lines} lines, got ${report.lines}`);

  t = performance.now();
  let last = "";
  for (const s of stamps) {
    const o = timestampOrder(s) as string;
    if (o < last) throw new Error("out of order");
    last = o;
  }
  byOrder.push(performance.now() - t);

  t = performance.now();
  let lastNanos = -1n;
  for (const s of stamps) {
    const n = timestampToNanos(s) as bigint;
    if (n < lastNanos) throw new Error("out of order");
    lastNanos = n;
  }
  byNanos.push(performance.now() - t);
}

const rate = (ms: number): string => `${Math.round(lines / (ms / 1000)).toLocaleString("en-US")} lines/s`;
console.log(`${lines.toLocaleString("en-US")} lines, ${rounds} rounds, medians (Node ${process.version})`);
console.log(`followContainerLogs, whole path (split, decode, order, keep): ${median(follow).toFixed(0)} ms  ${rate(median(follow))}`);
console.log(`ordering alone, timestampOrder (podkit's cursor):            ${median(byOrder).toFixed(0)} ms  ${rate(median(byOrder))}`);
console.log(`ordering alone, timestampToNanos (baseline):                 ${median(byNanos).toFixed(0)} ms  ${rate(median(byNanos))}`);
