// Where the time of following a log goes: the same log, read five ways, each from a fresh
// pod that printed `seq 1 N` and then sleeps (N small enough that the kubelet does not
// rotate the file): `kubectl logs -f --timestamps`; a bare HTTPS read of the same follow
// stream that only counts newlines (the transport, nothing of podkit); the same over
// HTTP/2 (`node:http2`, which kubectl's Go client speaks); a bare HTTPS read without
// following (the server's pace, in the larger pieces it sends then); podkit's
// `followContainerLogs` (the transport, plus splitting, decoding, ordering, keeping). Prints
// time to the N-th line, the reader's CPU time and how many chunks the stream came in.
// Usage: node bench/probes/log_stream.ts [lines] [rounds] [readers, e.g. "HTTP/2,podkit"]
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import * as http2 from "node:http2";
import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { KubernetesClient } from "../../lib/kubernetes/client.ts";
import { openStream } from "../../lib/kubernetes/http.ts";
import { followContainerLogs } from "../../lib/kubernetes/logs/follow.ts";
import { deletePods, ensureNamespace, kubectl, resolveTarget } from "../cluster.ts";

const lines = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
// Readers whose label contains one of these words (comma-separated), e.g. "HTTP/2,HTTPS follow".
const only = process.argv[4]?.split(",");
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

function bare(follow: boolean) {
  return async (pod: string): Promise<Reading> => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const response = await openStream(kubeConfig, `/api/v1/namespaces/${namespace}/pods/${pod}/log`, { follow: String(follow), timestamps: "true" }, { signal: AbortSignal.timeout(300_000) });
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
  };
}

async function bareHttp2(pod: string): Promise<Reading> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const tls: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(tls);
  const server = kubeConfig.getCurrentCluster()?.server ?? "";
  const session = http2.connect(server, { ca: tls.ca, cert: tls.cert, key: tls.key } as http2.SecureClientSessionOptions);
  const headers = Object.fromEntries(Object.entries((tls.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
  const stream = session.request({ ...headers, ":path": `/api/v1/namespaces/${namespace}/pods/${pod}/log?follow=true&timestamps=true` });
  let seen = 0;
  let chunks = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks++;
    seen += countNewlines(chunk);
    if (seen >= lines) break;
  }
  stream.destroy();
  session.close();
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

const readers = {
  "kubectl logs -f --timestamps": withKubectl,
  "bare HTTPS follow stream": bare(true),
  "bare HTTP/2 follow stream": bareHttp2,
  "bare HTTPS read, not following": bare(false),
  "podkit followContainerLogs": podkit,
} as const;
await ensureNamespace(target, namespace);
await deletePods(target, namespace);
const results = new Map<string, Reading[]>();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [label, read] of Object.entries(readers).filter(([label]) => only === undefined || only.some((word) => label.includes(word)))) {
      const pod = `probe-${round}-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-+$/, "")}`;
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
