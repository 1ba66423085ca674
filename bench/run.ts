// The benchmark suite: podkit against kubectl and hand-written client-node code, on the
// local cluster (or KUBECONFIG). Usage:
//   node bench/run.ts            full suite (5 runs), writes bench/RESULTS.md and bench/chart.svg
//   node bench/run.ts --smoke    1 run of small cases; exits non-zero if podkit loses or corrupts
//   options: --runs N, --only startup,logs, --contenders podkit,podkit-cli,kubectl, --cases "100 MB,1M lines",
//            --write / --no-write (a subset is written only with --write; the report names what ran)
//   node bench/run.ts --from bench/results/a.json [b.json …]   re-render saved results, merged into one
//            report (a suite run in parts); writes RESULTS.md unless --no-write
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CONTENDERS, type CaseSpec, type ContenderId, type InputBlob, type Measurement, RESULT_PREFIX, SCENARIOS, type Task, caseLabel, isPodkit } from "./case.ts";
import { renderChart } from "./chart.ts";
import { type ClusterTarget, deletePods, ensureNamespace, kubectl, resolveTarget } from "./cluster.ts";
import { inputBlob } from "./input_blob.ts";
import { clusterInfo, machineInfo } from "./machine.ts";
import { PodWatcher } from "./pod_watcher.ts";
import { buildCli } from "./contenders/podkit_cli.ts";
import { headlineRatios, mergeResults, podkitProblems, renderMarkdown, type SuiteResult } from "./report.ts";
import type { Mode, Scenario } from "./scenario.ts";
import { concurrency, files, logs, memory, overhead, startup } from "./scenarios/mod.ts";

const ALL: readonly Scenario[] = [startup, overhead, logs, memory, files, concurrency];
const HERE = dirname(fileURLToPath(import.meta.url));
const NAMESPACE = process.env["PODKIT_BENCH_NAMESPACE"] ?? "podkit-bench";
const SHORT: Record<ContenderId, string> = { podkit: "pk", "podkit-cli": "pc", kubectl: "kc", "kubectl-logs": "kl", "client-node": "cn" };
const TIMEOUT_MS: Record<Scenario["id"], number> = {
  startup: 180_000,
  overhead: 180_000,
  logs: 600_000,
  memory: 900_000,
  files: 900_000,
  concurrency: 900_000,
};

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): readonly T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const i of items) {
    if (!(allowed as readonly string[]).includes(i)) {
      throw new RangeError(`Cannot select ${what} "${i}": expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
    }
  }
  return items as T[];
}

function commandLine(): string {
  const event = process.env["npm_lifecycle_event"];
  if (event === "bench" || event === "bench:smoke") return `npm run ${event}`;
  return ["node", relative(process.cwd(), fileURLToPath(import.meta.url)), ...process.argv.slice(2)].join(" ");
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

let current: ReturnType<typeof spawn> | undefined;

/** Runs one task in its own process and reads its measurement. */
function runChild(task: Task, timeoutMs: number): Promise<Measurement> {
  const dir = task.scratchDir;
  mkdirSync(dir, { recursive: true });
  const taskFile = join(dir, "..", `${task.podPrefix}.task.json`);
  writeFileSync(taskFile, JSON.stringify(task));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(HERE, "child.ts"), taskFile], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    current = child;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-4000)));
    const started = Date.now();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      rmSync(taskFile, { force: true });
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Measurement);
        return;
      }
      const now = Date.now();
      resolve({
        contender: task.contender,
        case: task.case,
        ok: false,
        error:
          signal === "SIGKILL" && now - started >= timeoutMs
            ? `timed out after ${timeoutMs / 1000} s`
            : `child exited with ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
        calledAt: started,
        resultAt: now,
        wallMs: now - started,
        rssKb: 0,
        apiRequests: 0,
      });
    });
  });
}

/** Changes when the cluster is recreated: the kubeconfig is rewritten with new credentials. */
function clusterIdentity(target: ClusterTarget): string {
  try {
    return readFileSync(target.kubeconfig, "utf8");
  } catch {
    return "";
  }
}

/** Waits until the API server answers and a node is Ready. */
async function waitForCluster(target: ClusterTarget): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      const out = await kubectl(target, ["get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}"]);
      if (out.includes("True")) return;
    } catch {
      // Not up yet.
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  throw new Error("Cannot reach the cluster again after it restarted: no Ready node within 10 minutes");
}

/** Deletes the namespace's pods; makes sure the namespace exists for the next measurement. */
async function cleanup(target: ClusterTarget): Promise<void> {
  await deletePods(target, NAMESPACE).catch((e: unknown) => log(`cleanup: ${String(e)}`));
  await ensureNamespace(target, NAMESPACE).catch((e: unknown) => log(`cleanup: ${String(e)}`));
}

function emit(result: SuiteResult, write: boolean): void {
  const md = renderMarkdown(result, ALL);
  process.stdout.write(`${md}\n`);
  if (write) {
    writeFileSync(join(HERE, "RESULTS.md"), md);
    writeFileSync(join(HERE, "chart.svg"), renderChart(headlineRatios(result, ALL)));
    log("wrote bench/RESULTS.md and bench/chart.svg");
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      smoke: { type: "boolean", default: false },
      runs: { type: "string" },
      only: { type: "string" },
      contenders: { type: "string" },
      cases: { type: "string" },
      write: { type: "boolean" },
      "no-write": { type: "boolean", default: false },
      from: { type: "boolean", default: false },
    },
  });

  if (values.from) {
    if (positionals.length === 0) throw new TypeError("Cannot re-render without result files: pass their paths");
    const merged = mergeResults(positionals.map((p) => JSON.parse(readFileSync(p, "utf8")) as SuiteResult));
    emit(merged, values["no-write"] ? false : (values.write ?? true));
    return podkitProblems(merged, ALL).length > 0 ? 1 : 0;
  }

  const mode: Mode = values.smoke ? "smoke" : "full";
  const runs = values.runs !== undefined ? Number(values.runs) : mode === "smoke" ? 1 : 5;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`Cannot run "${values.runs}" times: expected a positive integer`);
  const only = list(values.only, SCENARIOS, "scenario");
  const contenders = list(values.contenders, CONTENDERS, "contender");
  // Case labels as the report prints them: "sleep 2", "1M lines", "100 MB", "50 pods".
  const caseFilter = values.cases?.split(",").map((x) => x.trim());
  const subset = only !== undefined || contenders !== undefined || caseFilter !== undefined;
  const write = values["no-write"] ? false : (values.write ?? (mode === "full" && !subset));
  const scenarios = ALL.filter((s) => only === undefined || only.includes(s.id));

  const target = resolveTarget();
  const startedAt = new Date();
  const suiteId = stamp(startedAt).toLowerCase();
  const root = join(tmpdir(), "podkit-bench");
  const scratchRoot = join(root, "scratch", suiteId);
  log(`podkit bench ${mode}: ${runs} run(s), namespace "${NAMESPACE}", kubeconfig ${target.kubeconfig}, kubectl ${target.kubectl}`);

  const measured = (id: ContenderId): boolean => scenarios.some((s) => s.contenders.includes(id) && (contenders === undefined || contenders.includes(id)));
  if (measured("podkit") || measured("podkit-cli")) {
    log("building dist/ (npm run build): the library and the command line measured are the built ones");
    buildCli();
  }
  await cleanup(target);
  const [machine, cluster] = [machineInfo(), await clusterInfo(target)];
  let watcher = new PodWatcher(target.kubeconfig, NAMESPACE);
  await watcher.start();

  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    log("interrupted: stopping after cleanup");
    if (current?.pid !== undefined) process.kill(-current.pid, "SIGKILL");
  });

  const measurements: Measurement[] = [];
  try {
    for (const s of scenarios) {
      for (const c of s.cases(mode).filter((x) => caseFilter === undefined || caseFilter.includes(caseLabel(x)))) {
        const input = c.scenario === "files" ? await inputBlob(join(root, "inputs"), c.bytes) : undefined;
        const who = s.contenders.filter((x) => contenders === undefined || contenders.includes(x));
        const taskFor = (contender: ContenderId, round: string, spec: CaseSpec, blob: InputBlob | undefined): Task => {
          const podPrefix = `bench-${s.id.slice(0, 2)}-${SHORT[contender]}-${round}-${Math.random().toString(36).slice(2, 6)}`;
          return {
            case: spec,
            contender,
            namespace: NAMESPACE,
            labels: { "podkit.dev/bench": suiteId },
            podPrefix,
            kubeconfig: target.kubeconfig,
            kubectl: target.kubectl,
            scratchDir: join(scratchRoot, podPrefix),
            ...(blob !== undefined ? { input: blob } : {}),
          };
        };
        if (s.warmup === true) {
          for (const contender of who) {
            if (interrupted) break;
            const task = taskFor(contender, "w", c, input);
            const m = await runChild(task, TIMEOUT_MS[s.id]);
            rmSync(task.scratchDir, { recursive: true, force: true });
            await cleanup(target);
            log(`[${s.id} ${caseLabel(c)}] warm-up ${contender} (not counted): ${(m.wallMs / 1000).toFixed(2)} s${m.ok ? "" : ` FAILED ${m.error ?? ""}`}`);
          }
        }
        for (let r = 0; r < runs && !interrupted; r++) {
          // Rotate the order so no contender always runs first on a cold or warm cluster.
          const order = who.map((_, i) => who[(i + r) % who.length]!);
          for (const contender of order) {
            if (interrupted) break;
            const task = taskFor(contender, String(r), c, input);
            // A restart of the cluster under a measurement (new kubeconfig) voids it: retry.
            let m0: Measurement | undefined;
            for (let attempt = 0; attempt < 3 && !interrupted; attempt++) {
              const before = clusterIdentity(target);
              m0 = await runChild(task, TIMEOUT_MS[s.id]);
              if (clusterIdentity(target) === before) break;
              log(`[${s.id} ${caseLabel(c)}] the cluster restarted during ${contender}'s run; measuring again`);
              watcher.stop();
              await waitForCluster(target);
              await cleanup(target);
              watcher = new PodWatcher(target.kubeconfig, NAMESPACE);
              await watcher.start();
            }
            if (m0 === undefined) break;
            const pods = m0.observation?.pods ?? [];
            const first = pods.length === 1 ? pods[0] : undefined;
            const pod = first === undefined ? undefined : await watcher.waitTerminated(first, 10_000);
            const m: Measurement = pod === undefined ? m0 : { ...m0, pod };
            measurements.push(m);
            rmSync(task.scratchDir, { recursive: true, force: true });
            await cleanup(target);
            const problems = isPodkit(contender) ? s.problems(m) : [];
            log(
              `[${s.id} ${caseLabel(c)}] run ${r + 1}/${runs} ${contender}: ${(m.wallMs / 1000).toFixed(2)} s` +
                (m.cpuMs !== undefined ? `, CPU ${(m.cpuMs / 1000).toFixed(2)} s` : "") +
                (m.rssKb > 0 ? `, peak RSS ${Math.round(m.rssKb / 1024)} MiB` : "") +
                (m.ok ? "" : ` FAILED ${m.error ?? ""}`) +
                (problems.length > 0 ? ` PROBLEMS ${problems.join("; ")}` : ""),
            );
          }
        }
      }
    }
  } finally {
    watcher.stop();
    await cleanup(target);
    rmSync(scratchRoot, { recursive: true, force: true });
  }

  const result: SuiteResult = {
    format: "podkit-bench/1",
    mode,
    command: commandLine(),
    runs,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    cluster,
    measurements,
  };
  const resultsDir = join(HERE, "results");
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  log(`wrote ${relative(process.cwd(), file)}`);
  emit(result, write);
  const problems = podkitProblems(result, scenarios);
  if (problems.length > 0) {
    log(`podkit failed ${problems.length} check(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return 1;
  }
  return interrupted ? 130 : 0;
}

process.exitCode = await main().catch((e: unknown) => {
  log(e instanceof Error ? e.message : String(e));
  return 2;
});
// The pod watcher's last reconnect may hold the event loop.
process.exit();
