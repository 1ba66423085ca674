// podkit's command line as a user types it, kubectl-style:
//   podkit run --image IMAGE -n NAMESPACE --kubeconfig PATH -- CMD ARGS…
// one process per measurement, under /usr/bin/time (peak RSS, CPU) as kubectl is. Its
// stdout (`main | <line>` per log line) is checked line by line as it arrives.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Observation, Task } from "../case.ts";
import { now } from "../clock.ts";
import { LineChecker } from "../line_check.ts";
import { measuredCommand, type CommandResult } from "../process_stats.ts";
import { defaultsToIfNotPresent, workload } from "../workload.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The command line's entry point as the package installs it: the built `dist/cli.js`. */
export const CLI_MAIN = join(ROOT, "dist", "cli.js");

/**
 * Builds `dist/` from the working tree (`npm run build`), so that the command line measured
 * is the one a user installs, of the code being measured. Runs once, before any measurement.
 */
export function buildCli(): void {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

/** What `podkit run --image` puts before each log line on stdout: the container's name. */
const PREFIX = "main | ";

/** `podkit run --image IMAGE -n NS --kubeconfig PATH -- CMD…`, without the `node` in front. */
export function cliArgs(task: Task, image: string, command: readonly string[]): string[] {
  return [CLI_MAIN, "run", "--image", image, "-n", task.namespace, "--kubeconfig", task.kubeconfig, "--", ...command];
}

/** The command line's environment: no colour, whatever the harness's terminal. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["FORCE_COLOR"];
  return env;
}

/** The pod's name, from the command line's `podkit creating   Created pod "…"` line. */
export function podNameOf(stderr: string): string | undefined {
  return /Created pod "([^"]+)"/.exec(stderr)?.[1];
}

function failure(r: CommandResult): Error {
  const said = r.stderr.split("\n").filter((l) => l.trim() !== "");
  return new Error(`podkit run exited with ${r.code}: ${said.slice(-2).join(" | ")}`);
}

/** Runs one case with `podkit run`; `calledAt`/`resultAt` bracket the whole process. */
export async function run(task: Task): Promise<{ calledAt: number; resultAt: number; observation: Observation }> {
  const c = task.case;
  if (c.scenario !== "startup" && c.scenario !== "logs") {
    throw new TypeError(`Cannot run the ${c.scenario} scenario with podkit's command line`);
  }
  const w = workload(c);
  // kubectl is told IfNotPresent; `--image` cannot say it, so the image must default to it.
  if (!defaultsToIfNotPresent(w.image)) {
    throw new RangeError(
      `Cannot compare "podkit run --image ${w.image}" with kubectl: its default pull policy is Always; use a tagged image`,
    );
  }
  const checker = c.scenario === "logs" ? new LineChecker(c.lines) : undefined;
  let rest = "";
  const calledAt = now();
  const r = await measuredCommand(process.execPath, cliArgs(task, w.image, w.command), {
    env: cliEnv(),
    ...(checker !== undefined ? { onStdout: (chunk: string) => (rest = checker.addText(rest + chunk, PREFIX)) } : {}),
  });
  const resultAt = now();
  if (checker !== undefined && rest !== "") checker.addText(`${rest}\n`, PREFIX);
  const pod = podNameOf(r.stderr);
  if (r.code !== 0 && pod === undefined) throw failure(r);
  return {
    calledAt,
    resultAt,
    observation: {
      pods: pod === undefined ? [] : [pod],
      ...(r.code !== null ? { exitCode: r.code } : {}),
      ...(checker !== undefined ? { lines: checker.result() } : {}),
      rssKb: r.rssKb,
      cpuMs: r.cpuMs,
      // Made in another process; not counted.
      apiRequests: Number.NaN,
      ...(r.code !== 0 ? { notes: [failure(r).message] } : {}),
    },
  };
}
