// Where the time of following a log goes: the same log, read three ways, each from a fresh
// pod that printed `seq 1 N` and then sleeps (N small enough that the kubelet does not
// rotate the file): `kubectl logs -f --timestamps`; a bare HTTPS read of the same follow
// stream that only counts newlines (the transport, nothing of podkit); podkit's
// `followContainerLogs` (the transport, plus splitting, decoding, ordering, keeping). Prints
// time to the N-th line, the reader's CPU time and how many chunks the stream came in.
// Usage: node bench/probes/log_stream.ts [lines] [rounds]
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { KubeConfig } from "@kubernetes/client-node";
import { KubernetesClient } from "../../lib/kubernetes/client.ts";
import { openStream } from "../../lib/kubernetes/http.ts";
import { followContainerLogs } from "../../lib/kubernetes/logs/follow.ts";
import { deletePods, ensureNamespace, kubectl, resolveTarget } from "../cluster.ts";

const lines = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const namespace = process.env["PODKIT_BENCH_NAMESPACE"] ?? "podkit-bench";
const target = resolveTarget();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(target.kubeconfig);
const client = new KubernetesClient(kubeConfig);

interface Reading {
  readonly ms: number;
  readonly cpuMs: number;
  readonly chunks: number;
}

async function freshPod(name: string): Promise<void> {
  await kubectl(target, ["-n", namespace, "run", name, "--image=debian:stable-slim", "--image-pull-policy=IfNotPresent", "--restart=Never", "--command", "--", "sh", "-c", `seq 1 ${lines}; sleep 3600`]);
  await kubectl(target, ["-n", namespace, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=120s"]);
}

function countNewlines(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

function cpuOf(pid: number): number {
  // utime + stime, in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function withKubectl(pod: string): Promise<Reading> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(target.kubectl, ["--kubeconfig", target.kubeconfig, "-n", namespace, "logs", "-f", "--timestamps", pod]);
    let seen = 0;
    let chunks = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      chunks++;
      seen += countNewlines(chunk);
      if (seen >= lines && child.pid !== undefined) {
        const reading = { ms: performance.now() - started, cpuMs: cpuOf(child.pid), chunks };
        child.kill();
        resolve(reading);
      }
    });
    child.on("exit", () => reject(new Error(`kubectl logs ended after ${seen} lines`)));
  });
}

async function bare(pod: string): Promise<Reading> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const response = await openStream(kubeConfig, `/api/v1/namespaces/${namespace}/pods/${pod}/log`, { follow: "true", timestamps: "true" }, { signal: AbortSignal.timeout(300_000) });
  let seen = 0;
  let chunks = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks++;
    seen += countNewlines(chunk);
    if (seen >= lines) break;
  }
  response.destroy();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, chunks };
}

async function podkit(pod: string): Promise<Reading> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stop = new AbortController();
  let seen = 0;
  let chunks = 0;
  let ms = 0;
  const source = client.logSource(namespace, pod);
  await followContainerLogs({
    source,
    container: pod,
    signal: stop.signal,
    terminated: () => false,
    onActivity: () => chunks++,
    onLine: () => {
      seen++;
      if (seen === lines) {
        ms = performance.now() - started;
        stop.abort();
      }
    },
  });
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, chunks };
}

const readers = { "kubectl logs -f --timestamps": withKubectl, "bare HTTPS follow stream": bare, "podkit followContainerLogs": podkit } as const;
await ensureNamespace(target, namespace);
await deletePods(target, namespace);
const results = new Map<string, Reading[]>();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [label, read] of Object.entries(readers)) {
      const pod = `probe-${round}-${label.split(" ")[0]}`;
      await freshPod(pod);
      const reading = await read(pod);
      console.log(`round ${round} ${label}: ${reading.ms.toFixed(0)} ms, CPU ${reading.cpuMs.toFixed(0)} ms, ${reading.chunks} chunks`);
      results.set(label, [...(results.get(label) ?? []), reading]);
      await deletePods(target, namespace);
    }
  }
} finally {
  await deletePods(target, namespace);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log(`\n${lines.toLocaleString("en-US")} lines per pod, ${rounds} rounds, medians:`);
for (const [label, readings] of results) {
  const ms = median(readings.map((r) => r.ms));
  console.log(`${label.padEnd(30)} ${(ms / 1000).toFixed(2)} s  ${Math.round(lines / (ms / 1000)).toLocaleString("en-US")} lines/s  CPU ${median(readings.map((r) => r.cpuMs)).toFixed(0)} ms  ${median(readings.map((r) => r.chunks))} chunks`);
}
process.exit(0);
