// Runs one contender on one case in a process of its own, so that its peak RSS and its
// API requests are its own. Usage: node bench/child.ts <task.json>. The last stdout line
// is the measurement, prefixed by RESULT_PREFIX.
import { countRequests } from "./request_counter.ts";
import { readFileSync } from "node:fs";
import { type ContenderId, type Measurement, type Observation, RESULT_PREFIX, type Task } from "./case.ts";

const requests = countRequests();

/** What every contender module exports. */
export interface ContenderModule {
  /** Runs the task; `calledAt`/`resultAt` bracket the user-visible call, checks come after. */
  run(task: Task): Promise<{ calledAt: number; resultAt: number; observation: Observation }>;
}

/** CPU time of this process so far (user + system), in ms: the in-process contenders'. */
function cpuMs(): number {
  const u = process.resourceUsage();
  return Math.round((u.userCPUTime + u.systemCPUTime) / 1000);
}

async function load(id: ContenderId): Promise<ContenderModule> {
  switch (id) {
    case "podkit":
      return import("./contenders/podkit.ts");
    case "podkit-cli":
      return import("./contenders/podkit_cli.ts");
    case "kubectl":
    case "kubectl-logs":
      return import("./baselines/kubectl.ts");
    case "client-node":
      return import("./baselines/client_node.ts");
  }
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new TypeError("Cannot run a benchmark child without a task file argument");
  const task = JSON.parse(readFileSync(path, "utf8")) as Task;
  const mod = await load(task.contender);
  const started = performance.timeOrigin + performance.now();
  let m: Measurement;
  try {
    const { calledAt, resultAt, observation } = await mod.run(task);
    m = {
      contender: task.contender,
      case: task.case,
      ok: true,
      calledAt,
      resultAt,
      wallMs: resultAt - calledAt,
      rssKb: observation.rssKb ?? process.resourceUsage().maxRSS,
      apiRequests: observation.apiRequests ?? requests(),
      cpuMs: observation.cpuMs ?? cpuMs(),
      observation,
    };
  } catch (error) {
    const now = performance.timeOrigin + performance.now();
    m = {
      contender: task.contender,
      case: task.case,
      ok: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      calledAt: started,
      resultAt: now,
      wallMs: now - started,
      rssKb: process.resourceUsage().maxRSS,
      apiRequests: requests(),
      cpuMs: cpuMs(),
    };
  }
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(m)}\n`);
  // Contenders may leave sockets open (a Cp helper that resolved early, keep-alive agents).
  process.exit(0);
}

if (import.meta.main) await main();
