/**
 * Lossless log following against a real kubelet, with the connection cut on purpose: the
 * cursor and the API server's `sinceTime` (rounded down to the second) must together give
 * every line once, whatever byte a stream breaks at.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { KubernetesClient } from "../../lib/kubernetes/client.ts";
import { followContainerLogs, type LogSource } from "../../lib/kubernetes/logs/follow.ts";
import { KubernetesRunner, loadKubeConfig } from "../../lib/kubernetes/mod.ts";
import { observePod } from "../../lib/kubernetes/watch/pod_state.ts";
import { PodTracker } from "../../lib/kubernetes/watch/pod_tracker.ts";
import { watchPod } from "../../lib/kubernetes/watch/watch.ts";
import { pod as newPod } from "../../lib/mod.ts";
import { kubectl, waitFor, deleteLeftoverPods } from "./_cluster.ts";

const NAMESPACE = "podkit-runner-test";
const LABEL = "podkit.test/suite=runner-logs";
let client: KubernetesClient;

beforeAll(async () => {
  client = new KubernetesClient(await loadKubeConfig());
  if ((await kubectl(["get", "namespace", NAMESPACE, "-o", "name"])).code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

afterAll(async () => {
  await deleteLeftoverPods(NAMESPACE, LABEL);
});

/** A log source whose first `cuts.length` streams break after that many bytes. */
function cutting(source: LogSource, cuts: number[]): LogSource & { opened: { follow: boolean; sinceTime?: string }[] } {
  const opened: { follow: boolean; sinceTime?: string }[] = [];
  return {
    opened,
    open: async (request) => {
      opened.push({ follow: request.follow, ...(request.sinceTime === undefined ? {} : { sinceTime: request.sinceTime }) });
      const stream = await source.open(request);
      const limit = cuts.shift();
      if (limit === undefined) return stream;
      return {
        destroy: () => stream.destroy?.(),
        async *[Symbol.asyncIterator]() {
          let sent = 0;
          for await (const chunk of stream) {
            if (sent + chunk.length >= limit) {
              yield chunk.subarray(0, limit - sent);
              stream.destroy?.();
              throw Object.assign(new Error("connection cut by the test"), { code: "ECONNRESET" });
            }
            sent += chunk.length;
            yield chunk;
          }
        },
      };
    },
  };
}

async function startPod(name: string, script: string): Promise<{ pod: V1Pod; tracker: PodTracker; stop: AbortController }> {
  const pod = await client.createPod(NAMESPACE, {
    metadata: { generateName: `${name}-`, labels: { "podkit.test/suite": "runner-logs" } },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] },
  });
  const stop = new AbortController();
  const tracker = new PodTracker(watchPod(client.podWatchSource(NAMESPACE, pod.metadata?.name as string), { signal: stop.signal }), pod);
  const layout = { containers: ["main"], initContainers: [] };
  await tracker.until((s) => (s.pod !== undefined && observePod(s.pod, layout).userStarted ? true : undefined), {
    signal: stop.signal,
    deadline: Date.now() + 60_000,
  });
  return { pod, tracker, stop };
}

function terminated(tracker: PodTracker): () => boolean {
  return () => {
    const pod = tracker.snapshot.pod;
    return pod !== undefined && observePod(pod, { containers: ["main"], initContainers: [] }).userDone;
  };
}

test("a burst read through streams cut mid-line comes out whole: every line once, in order", async () => {
  const count = 50_000;
  const { pod, tracker, stop } = await startPod("burst", `seq 1 ${count}; sleep 1`);
  try {
    const source = cutting(client.logSource(NAMESPACE, pod.metadata?.name as string), [100_003, 150_007, 200_011]);
    const lines: string[] = [];
    const report = await followContainerLogs({
      source,
      container: "main",
      signal: AbortSignal.timeout(120_000),
      onLine: (l) => lines.push(l.line),
      terminated: terminated(tracker),
      backoff: { initialMs: 10, maxMs: 50 },
    });
    expect(lines.length).toBe(count);
    expect(lines.every((line, i) => line === String(i + 1))).toBe(true);
    expect(report.incomplete).toBeUndefined();
    expect(source.opened.length).toBeGreaterThanOrEqual(4);
    console.log(`[runner figures] cut streams: ${JSON.stringify({ lines: lines.length, streams: source.opened.length, reopened: report.reopened })}`);
  } finally {
    stop.abort();
    await tracker.closed;
    await client.deletePod(NAMESPACE, pod.metadata?.name as string, { gracePeriodSeconds: 0 });
  }
});

test("a slow writer followed through cuts while it runs: no gap, no repeat", async () => {
  const { pod, tracker, stop } = await startPod("slow", "i=1; while [ $i -le 300 ]; do echo \"tick $i\"; i=$((i+1)); sleep 0.01; done");
  try {
    const source = cutting(client.logSource(NAMESPACE, pod.metadata?.name as string), [500, 1_001, 1_502, 2_003]);
    const lines: string[] = [];
    await followContainerLogs({
      source,
      container: "main",
      signal: AbortSignal.timeout(120_000),
      onLine: (l) => lines.push(l.line),
      terminated: terminated(tracker),
      backoff: { initialMs: 10, maxMs: 50 },
    });
    expect(lines).toEqual(Array.from({ length: 300 }, (_, i) => `tick ${i + 1}`));
    // The cuts happened while the container ran: the streams after them followed.
    expect(source.opened.slice(1, 4).every((o) => o.follow && o.sinceTime !== undefined)).toBe(true);
  } finally {
    stop.abort();
    await tracker.closed;
    await client.deletePod(NAMESPACE, pod.metadata?.name as string, { gracePeriodSeconds: 0 });
  }
});

test("the pod watch reopens where the server closed it, and sees the pod to its end", async () => {
  const pod = await client.createPod(NAMESPACE, {
    metadata: { generateName: "watched-", labels: { "podkit.test/suite": "runner-logs" } },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command: ["sleep", "7"] }] },
  });
  const name = pod.metadata?.name as string;
  const stop = new AbortController();
  const real = client.podWatchSource(NAMESPACE, name, { timeoutSeconds: 2 });
  const versions: string[] = [];
  const relists: string[] = [];
  const source = {
    list: real.list,
    watch: (resourceVersion: string, signal: AbortSignal) => {
      versions.push(resourceVersion);
      return real.watch(resourceVersion, signal);
    },
  };
  try {
    const phases: string[] = [];
    for await (const event of watchPod(source, { signal: stop.signal, onRelist: (why) => relists.push(why) })) {
      if (event.type === "deleted") break;
      const phase = event.pod.status?.phase ?? "";
      if (phases.at(-1) !== phase) phases.push(phase);
      if (phase === "Succeeded" || phase === "Failed") break;
    }
    expect(phases.at(-1)).toBe("Succeeded");
    // The server closed the stream every 2 s; each reopening resumed from a version seen.
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(relists).toEqual(["start"]);
  } finally {
    stop.abort();
    await client.deletePod(NAMESPACE, name, { gracePeriodSeconds: 0 });
  }
});

test("half a million lines (over 20 MB of log, more than the kubelet keeps in one file by default): every one, in order", async () => {
  const count = 500_000;
  const started = performance.now();
  const result = await newPod()
    .namespace(NAMESPACE)
    .labels({ "podkit.test/suite": "runner-logs" })
    .container({ name: "flood", image: "busybox", command: ["sh", "-c", `seq 1 ${count}; sleep 2`] })
    .run(new KubernetesRunner(), { keepLogs: "all" });
  let firstWrong = -1;
  for (let i = 0; i < result.logs.length && firstWrong < 0; i += 1) if (result.logs[i]?.line !== String(i + 1)) firstWrong = i;
  expect(firstWrong).toBe(-1);
  expect(result.logs).toHaveLength(count);
  expect(result.incompleteLogs).toBeUndefined();
  console.log(`[runner figures] 500k lines: ${JSON.stringify({ lines: result.logs.length, wallMs: Math.round(performance.now() - started), steps: result.timings.steps })}`);
});

test('keepLogs "none" keeps no line of a flood, yet gives its output values, its tail and a byte-exact log file', async () => {
  const count = 200_000;
  const dir = mkdtempSync(join(tmpdir(), "podkit-log-file-"));
  const logFile = join(dir, "run.log");
  let streamed = 0;
  try {
    const result = await newPod()
      .namespace(NAMESPACE)
      .labels({ "podkit.test/suite": "runner-logs" })
      .container({
        name: "flood",
        image: "busybox",
        command: ["sh", "-c", `echo '::{"outputs":{"first":1}}::'; printf 'tab\\there\\rmid\\n'; echo 'é ✓ 𝄞'; seq 1 ${count}; echo '::{"outputs":{"last":"x  y"}}::'`],
      })
      .run(new KubernetesRunner(), { keepLogs: "none", logFile, onLog: () => (streamed += 1) });
    const lines = ['::{"outputs":{"first":1}}::', "tab\there\rmid", "é ✓ 𝄞", ...Array.from({ length: count }, (_, i) => String(i + 1)), '::{"outputs":{"last":"x  y"}}::'];
    expect(result.logs).toEqual([]);
    expect(result.droppedLines).toBe(lines.length);
    expect(streamed).toBe(lines.length);
    expect(result.vars).toEqual({ first: 1, last: "x  y" });
    expect(result.logTail).toEqual(lines.slice(-20).map((l) => `flood: ${l}`));
    const written = readFileSync(logFile);
    expect(written.equals(Buffer.from(lines.map((l) => `flood\t${l}\n`).join("")))).toBe(true);
    expect(result.incompleteLogs).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A TCP proxy in front of the API server that cuts every connection older than `maxAgeMs`:
 * quick requests pass, every watch and log stream breaks again and again.
 */
async function flakyProxy(target: URL, maxAgeMs: number): Promise<{ url: string; cuts: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 443), target.hostname);
    sockets.add(client);
    const timer = setTimeout(() => {
      cuts += 1;
      client.destroy();
      upstream.destroy();
    }, maxAgeMs);
    const end = (): void => {
      clearTimeout(timer);
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test("the runner survives an API connection that breaks every 1.5 s: every line once, the run completes", async () => {
  const base = await loadKubeConfig();
  const server = new URL(base.getCurrentCluster()?.server as string);
  const proxy = await flakyProxy(server, 1500);
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: base.clusters.map((c) => (c.name === base.getCurrentCluster()?.name ? { ...c, server: proxy.url } : c)),
      users: base.users,
      contexts: base.contexts,
      currentContext: base.currentContext,
    });
    const count = 150;
    const script = `i=1; while [ $i -le ${count} ]; do echo "beat $i"; i=$((i+1)); sleep 0.04; done`;
    const result = await newPod()
      .namespace(NAMESPACE)
      .labels({ "podkit.test/suite": "runner-logs" })
      .container({ name: "main", image: "busybox", command: ["sh", "-c", script] })
      .run(new KubernetesRunner({ kubeConfig }));
    expect(result.logs.map((l) => l.line)).toEqual(Array.from({ length: count }, (_, i) => `beat ${i + 1}`));
    expect(result.deleted).toBe(true);
    expect(proxy.cuts()).toBeGreaterThanOrEqual(3);
    console.log(`[runner figures] flaky API: ${JSON.stringify({ lines: result.logs.length, connectionsCut: proxy.cuts(), durationMs: result.timings.durationMs })}`);
  } finally {
    await proxy.close();
  }
});
