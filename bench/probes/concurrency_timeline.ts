// Where the wall time of N pods started at once from one process goes: N podkit runs of
// `echo ok`, each run's milestones (from its events) on one clock, then the first, median,
// 90th percentile and last instant of each milestone across the runs, and how long each
// run took from its container's end to its result (podkit's own tail).
// Usage: node bench/probes/concurrency_timeline.ts [pods]
import { pod } from "../../lib/mod.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { deletePods, ensureNamespace, resolveTarget } from "../cluster.ts";
import { IMAGES } from "../workload.ts";

const namespace = process.env["PODKIT_BENCH_NAMESPACE"] ?? "podkit-bench";
const MILESTONES = ["created", "scheduled", "started", "containerTerminated", "completed", "deleted", "result"] as const;
type Milestone = (typeof MILESTONES)[number];

const pods = Number(process.argv[2] ?? 100);
const target = resolveTarget();
await ensureNamespace(target, namespace);
await deletePods(target, namespace);
const runner = new KubernetesRunner({ connection: { kubeconfigPath: target.kubeconfig } });
const t0 = performance.now();
const runs = await Promise.all(
  Array.from({ length: pods }, async () => {
    const marks: Partial<Record<Milestone, number>> = {};
    const result = await pod()
      .namespace(namespace)
      .container({ name: "main", image: IMAGES.small, command: ["echo", "ok"], imagePullPolicy: "IfNotPresent" })
      .run(runner, {
        onEvent: (e) => {
          if ((MILESTONES as readonly string[]).includes(e.type)) marks[e.type as Milestone] ??= performance.now() - t0;
        },
      });
    marks.result = performance.now() - t0;
    if (result.exitCode !== 0) throw new Error(`a pod ended with exit code ${result.exitCode}`);
    return marks;
  }),
);
const wall = performance.now() - t0;
await deletePods(target, namespace);

const at = (sorted: readonly number[], p: number): string => ((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) / 1000).toFixed(1);
console.log(`${pods} pods, one process: ${(wall / 1000).toFixed(1)} s\n`);
console.log("| milestone | runs | first (s) | median (s) | p90 (s) | last (s) |\n| --- | ---: | ---: | ---: | ---: | ---: |");
for (const m of MILESTONES) {
  const xs = runs.map((r) => r[m]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  console.log(`| ${m} | ${xs.length} | ${at(xs, 0)} | ${at(xs, 0.5)} | ${at(xs, 0.9)} | ${at(xs, 1)} |`);
}
const tails = runs.map((r) => (r.result ?? NaN) - (r.containerTerminated ?? NaN)).sort((a, b) => a - b);
console.log(`\ncontainer ended -> result, per run: median ${at(tails, 0.5)} s, last ${at(tails, 1)} s`);
