/**
 * The cross-runtime suite: packs podkit as it is published (`npm pack`), installs the
 * tarball into a fresh project, type-checks the scenarios there with `deno check`, and
 * runs test/runtimes/scenarios.ts under Node, Deno and Bun against a real cluster, each
 * runtime in a namespace of its own. Prints the matrix and exits non-zero when a scenario
 * failed, a runtime is missing, or a runtime reported nothing.
 *
 * `node test/runtimes/run.ts [--tarball podkit-0.1.0.tgz] [--runtimes node,deno,bun] [--only "logs flood,output values"]`
 *
 * Cluster: `KUBECONFIG`, else the project's local cluster (`npm run cluster:up`). Deno and
 * Bun: on PATH (`source scripts/ensure-runtimes.sh` installs them).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: {
    tarball: { type: "string" },
    runtimes: { type: "string", default: "node,deno,bun" },
    only: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});

interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}
interface RuntimeReport {
  readonly runtime: string;
  readonly version: string;
  readonly results: readonly ScenarioResult[];
}

const RUNTIMES: Readonly<Record<string, { readonly command: (script: string) => string[] }>> = {
  node: { command: (script) => [process.execPath, script] },
  deno: { command: (script) => ["deno", "run", "-A", script] },
  bun: { command: (script) => ["bun", script] },
};

const kubeconfig = process.env["KUBECONFIG"] || join(process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster", "kubeconfig");
if (!existsSync(kubeconfig)) {
  fail(`Cannot run the cross-runtime suite: no kubeconfig at "${kubeconfig}"; set KUBECONFIG or run \`npm run cluster:up\``);
}
const kubectl = findKubectl();
const runtimes = values.runtimes.split(",").filter((r) => r !== "");
for (const runtime of runtimes) {
  if (RUNTIMES[runtime] === undefined) fail(`Unknown runtime "${runtime}": expected node, deno or bun`);
  const binary = RUNTIMES[runtime].command("")[0]!;
  try {
    execFileSync(binary, ["--version"], { stdio: "ignore" });
  } catch {
    fail(`Cannot run the scenarios under ${runtime}: "${binary}" is not on PATH; \`source scripts/ensure-runtimes.sh\` installs Deno and Bun`);
  }
}

const started = performance.now();
const work = await mkdtemp(join(tmpdir(), "podkit-runtimes-"));
const project = join(work, "project");
let exitCode = 1;
try {
  const tarball = values.tarball === undefined ? pack(work) : resolve(values.tarball);
  await createProject(project, tarball);
  const packMs = Math.round(performance.now() - started);
  console.log(`runtimes: packed and installed ${tarball} into ${project} in ${packMs} ms`);
  if (runtimes.includes("deno")) {
    run(["deno", "check", "scenarios.ts"], project, "deno check of the scenarios against the packed package");
  }

  const reports: RuntimeReport[] = [];
  for (const runtime of runtimes) {
    reports.push(await runScenarios(runtime));
  }
  printMatrix(reports);
  const names = reports.flatMap((r) => r.results.map((s) => s.name));
  const failed = reports.flatMap((r) => r.results.filter((s) => !s.ok).map((s) => `${r.runtime}: ${s.name}: ${s.detail}`));
  const empty = reports.filter((r) => r.results.length === 0).map((r) => r.runtime);
  const uneven = reports.filter((r) => r.results.length !== new Set(names).size).map((r) => r.runtime);
  console.log(`runtimes: ${Math.round((performance.now() - started) / 1000)} s in all`);
  if (failed.length > 0 || empty.length > 0 || uneven.length > 0) {
    for (const f of failed) console.error(`runtimes: FAILED ${f}`);
    if (empty.length > 0) console.error(`runtimes: no scenario reported under ${empty.join(", ")}`);
    if (uneven.length > 0) console.error(`runtimes: not every scenario ran under ${uneven.join(", ")}`);
  } else {
    exitCode = 0;
  }
} finally {
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);

function pack(into: string): string {
  run(["npm", "run", "--silent", "build"], root, "build");
  const output = execFileSync("npm", ["pack", "--silent", "--pack-destination", into], { cwd: root, encoding: "utf8" });
  const name = output.trim().split("\n").at(-1);
  if (name === undefined || name === "") fail("npm pack printed no file name");
  return join(into, name);
}

async function createProject(dir: string, tarball: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "podkit-runtimes-check", private: true, type: "module", dependencies: { podkit: `file:${tarball}` } }, null, 2),
  );
  run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], dir, "npm install of the packed package");
  // The scenarios import the sources in this repository (so that they type-check here);
  // in the fresh project they import the package, as its users do.
  const source = await readFile(join(root, "test/runtimes/scenarios.ts"), "utf8");
  const rewritten = source
    .replace('from "../../lib/mod.ts"', 'from "podkit"')
    .replace('from "../../lib/kubernetes/mod.ts"', 'from "podkit/kubernetes"')
    .replace('from "../../lib/testing/mod.ts"', 'from "podkit/testing"');
  if (rewritten.includes("../../lib/")) fail("test/runtimes/scenarios.ts imports more of lib/ than the entry points podkit, podkit/kubernetes and podkit/testing");
  await writeFile(join(dir, "scenarios.ts"), rewritten);
  const installed = await readdir(join(dir, "node_modules/podkit/dist"));
  if (!["mod.js", "kubernetes.js", "testing.js"].every((f) => installed.includes(f))) fail(`The packed package lacks its entry points: ${installed.join(", ")}`);
}

async function runScenarios(runtime: string): Promise<RuntimeReport> {
  const namespace = `podkit-rt-${runtime}-${Date.now().toString(36)}`;
  kubectlRun(["create", "namespace", namespace]);
  const command = RUNTIMES[runtime]!.command("scenarios.ts");
  console.log(`\nruntimes: ${runtime}: ${command.join(" ")} in namespace ${namespace}`);
  let report: RuntimeReport | undefined;
  try {
    const code = await new Promise<number | null>((resolveExit, reject) => {
      const child = spawn(command[0]!, command.slice(1), {
        cwd: project,
        stdio: ["ignore", "pipe", "inherit"],
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          PODKIT_SCENARIO_NAMESPACE: namespace,
          PODKIT_SCENARIO_KUBECTL: kubectl,
          PODKIT_SCENARIO_SELF: JSON.stringify(command),
          ...(values.only === undefined ? {} : { PODKIT_SCENARIO_ONLY: values.only }),
          NO_COLOR: "1",
        },
      });
      let pending = "";
      child.stdout.on("data", (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (line.startsWith("RESULT ")) report = JSON.parse(line.slice("RESULT ".length)) as RuntimeReport;
          else console.log(`  ${runtime} | ${line}`);
        }
      });
      child.on("error", reject);
      child.on("close", (exit) => resolveExit(exit));
    });
    if (report === undefined) {
      console.error(`runtimes: ${runtime} exited with ${code} without a report`);
      return { runtime, version: "?", results: [] };
    }
    return report;
  } finally {
    try {
      kubectlRun(["delete", "namespace", namespace, "--wait=false"]);
    } catch (error) {
      // The scenarios' own failures say more; this one is left for the record.
      console.error(`runtimes: cannot delete namespace ${namespace}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function printMatrix(reports: readonly RuntimeReport[]): void {
  const names = [...new Set(reports.flatMap((r) => r.results.map((s) => s.name)))];
  const header = `| scenario | ${reports.map((r) => `${r.runtime} ${r.version}`).join(" | ")} |`;
  const rule = `|---|${reports.map(() => "---").join("|")}|`;
  const rows = names.map((name) => {
    const cells = reports.map((r) => {
      const s = r.results.find((x) => x.name === name);
      return s === undefined ? "not run" : `${s.ok ? "ok" : "FAILED"} ${(s.ms / 1000).toFixed(1)} s`;
    });
    return `| ${name} | ${cells.join(" | ")} |`;
  });
  console.log(["", header, rule, ...rows, ""].join("\n"));
}

function findKubectl(): string {
  const candidates = [process.env["PODKIT_KUBECTL"], "kubectl", join(process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster", "bin/kubectl")];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === "") continue;
    try {
      execFileSync(candidate, ["version", "--client"], { stdio: "ignore" });
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return fail("Cannot run the cross-runtime suite: no kubectl (on PATH, PODKIT_KUBECTL or the local cluster's bin/)");
}

function kubectlRun(args: readonly string[]): void {
  execFileSync(kubectl, ["--kubeconfig", kubeconfig, ...args], { stdio: ["ignore", "ignore", "inherit"] });
}

function run(command: readonly string[], cwd: string, what: string): void {
  const t0 = performance.now();
  try {
    execFileSync(command[0]!, command.slice(1), { cwd, stdio: ["ignore", "inherit", "inherit"] });
  } catch (error) {
    fail(`Cannot complete the ${what} (${command.join(" ")} in ${cwd}): ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`runtimes: ${what}: ${Math.round(performance.now() - t0)} ms`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
