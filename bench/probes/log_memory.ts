// Peak RSS of a run against the volume of its log: a pod prints `seq 1 N` and podkit runs
// it in a process of its own, checking every line as it arrives (`onLog`), once per
// retention choice, side by side in one invocation: a one-line pod (the process's floor:
// Node and the modules a run loads), N lines with `keepLogs: "none"` (what the command line
// does), with the default (the last 100 000 lines), and with `keepLogs: "all"` (what every
// run did before). Prints wall, peak RSS and lost/duplicated lines of each.
// Usage: node bench/probes/log_memory.ts [lines,lines,…] [rounds] [other choices at the first size, e.g. default,all or -]
import { spawn } from "node:child_process";
import { pod } from "../../lib/mod.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import type { KeepLogs } from "../../lib/run/event_stream.ts";
import { deletePods, ensureNamespace, resolveTarget } from "../cluster.ts";
import { LineChecker } from "../line_check.ts";

const namespace = process.env["PODKIT_BENCH_NAMESPACE"] ?? "podkit-bench";
const PREFIX = "@@log-memory ";

interface Reading {
  readonly lines: number;
  readonly keep: string;
  readonly wallMs: number;
  readonly rssMiB: number;
  readonly lost: number;
  readonly duplicated: number;
  /** The first runs of lost lines and the first lines received twice, when any. */
  readonly trouble?: string;
}

async function child(lines: number, keep: KeepLogs | "default", kubeconfig: string): Promise<void> {
  const checker = new LineChecker(lines);
  const started = performance.now();
  const result = await new KubernetesRunner({ connection: { kubeconfigPath: kubeconfig } }).run(
    pod()
      .namespace(namespace)
      .labels({ "podkit-bench": "log-memory" })
      .container({ name: "main", image: "debian:stable-slim", imagePullPolicy: "IfNotPresent", command: ["seq", "1", String(lines)] })
      .compile(),
    { onLog: (l) => checker.add(l.line), ...(keep === "default" ? {} : { keepLogs: keep }) },
  );
  const wallMs = performance.now() - started;
  const check = checker.result();
  const reading: Reading = { lines, keep: String(keep), wallMs, rssMiB: process.resourceUsage().maxRSS / 1024, lost: check.lost, duplicated: check.duplicated, ...(check.lost + check.duplicated + check.foreign > 0 ? { trouble: `lost ${JSON.stringify(check.gaps)}, twice ${JSON.stringify(check.duplicates)}, foreign ${check.foreign}` } : {}) };
  if (result.exitCode !== 0) throw new Error(`exit code ${result.exitCode}`);
  process.stdout.write(`${PREFIX}${JSON.stringify(reading)}\n`);
  process.exit(0);
}

function measure(lines: number, keep: string, kubeconfig: string): Promise<Reading> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [import.meta.filename, "--child", String(lines), keep, kubeconfig], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    proc.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(PREFIX));
      if (line === undefined) reject(new Error(`child exited with ${code} without a reading`));
      else resolve(JSON.parse(line.slice(PREFIX.length)) as Reading);
    });
  });
}

if (process.argv[2] === "--child") {
  const keep = process.argv[4] as string;
  await child(Number(process.argv[3]), keep === "none" || keep === "all" || keep === "default" ? keep : Number(keep), process.argv[5] as string);
} else {
  const sizes = (process.argv[2] ?? "1000000,5000000").split(",").map(Number);
  const rounds = Number(process.argv[3] ?? 1);
  const target = resolveTarget();
  await ensureNamespace(target, namespace);
  const others = (process.argv[4] ?? "default,all").split(",").filter((k) => k === "default" || k === "all" || /^\d+$/.test(k));
  const plan: [number, string][] = [[1, "none"], ...sizes.map((n): [number, string] => [n, "none"]), ...others.map((k): [number, string] => [sizes[0] as number, k])];
  const readings: Reading[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [lines, keep] of plan) {
      await deletePods(target, namespace);
      const r = await measure(lines, keep, target.kubeconfig);
      readings.push(r);
      console.log(`round ${round} ${lines.toLocaleString("en-US")} lines keepLogs ${r.keep}: ${(r.wallMs / 1000).toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB, lost ${r.lost}, dup ${r.duplicated}${r.trouble === undefined ? "" : ` (${r.trouble})`}`);
    }
  }
  await deletePods(target, namespace);
  console.log("\n| lines | keepLogs | wall (s) | peak RSS (MiB) | lost | dup |\n| ---: | --- | ---: | ---: | ---: | ---: |");
  for (const [lines, keep] of plan) {
    const mine = readings.filter((r) => r.lines === lines && r.keep === keep);
    const med = (f: (r: Reading) => number): number => mine.map(f).sort((a, b) => a - b)[Math.floor(mine.length / 2)] as number;
    console.log(`| ${lines.toLocaleString("en-US")} | ${keep} | ${(med((r) => r.wallMs) / 1000).toFixed(1)} | ${med((r) => r.rssMiB).toFixed(0)} | ${Math.max(...mine.map((r) => r.lost))} | ${Math.max(...mine.map((r) => r.duplicated))} |`);
  }
  process.exit(0);
}
