// What a user without podkit types: `kubectl run --rm -i` to run a command and see its
// output and exit code, `kubectl logs -f` to follow a pod, `kubectl cp` for files. Every
// kubectl invocation runs under /usr/bin/time (peak RSS) with -v=6 (one log line per API
// request, counted from stderr).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Observation, Task } from "../case.ts";
import { now } from "../clock.ts";
import { hashFile, parseSha256sum } from "../file_hash.ts";
import { LineChecker } from "../line_check.ts";
import { measuredCommand, type CommandResult } from "../process_stats.ts";
import { CONCURRENCY_OUTPUT, FILES, FILES_SCRIPT, IDLE_COMMAND, PULL_POLICY, workload } from "../workload.ts";

/** Accumulates what a sequence of kubectl invocations cost. */
class Tally {
  /** Peak RSS of any single invocation (they run one after another). */
  peakRssKb = 0;
  /** Sum of peak RSS of invocations that ran at the same time. */
  concurrentRssKb = 0;
  requests = 0;
  /** CPU time of every invocation, summed. */
  cpuMs = 0;

  add(r: CommandResult, concurrent = false): CommandResult {
    this.peakRssKb = Math.max(this.peakRssKb, r.rssKb);
    if (concurrent) this.concurrentRssKb += r.rssKb;
    this.cpuMs += r.cpuMs;
    this.requests += countRequests(r.stderr);
    return r;
  }
}

/**
 * API requests in kubectl's `-v=6` log: one `round_trippers` line per response
 * (`"Response" verb="GET" url=…` in recent versions, `GET https://… 200 OK` before).
 */
export function countRequests(stderr: string): number {
  let n = 0;
  for (const line of stderr.split("\n")) {
    if (/round_trippers\.go:\d+\]\s*(?:"Response"|(?:GET|POST|PUT|PATCH|DELETE|HEAD) https?:)/.test(line)) n++;
  }
  return n;
}

function base(task: Task): string[] {
  return ["--kubeconfig", task.kubeconfig, "-v=6", "-n", task.namespace];
}

function labelArg(task: Task): string {
  return `--labels=${Object.entries(task.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;
}

/**
 * How long `kubectl run -i` waits for its pod to run in the concurrency scenario: podkit's
 * default budget (10 minutes from creation) instead of kubectl's 1 minute, which 100 pods
 * started at once on 2 cores outlast (`timed out waiting for the condition`), so that
 * both sides wait for every pod.
 */
const CONCURRENT_RUNNING_TIMEOUT = "--pod-running-timeout=10m";

function runArgs(task: Task, name: string, image: string, command: readonly string[], interactive: boolean): string[] {
  return [
    ...base(task),
    "run",
    name,
    ...(interactive ? ["--rm", "-i"] : []),
    ...(interactive && task.case.scenario === "concurrency" ? [CONCURRENT_RUNNING_TIMEOUT] : []),
    "--restart=Never",
    `--image=${image}`,
    `--image-pull-policy=${PULL_POLICY}`,
    labelArg(task),
    "--command",
    "--",
    ...command,
  ];
}

function failure(what: string, r: CommandResult): Error {
  // -v=6 chatter is prefixed like klog (`I1127 10:23:03.37 …`); keep the tool's own words.
  const said = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/^[IWE]\d{4} /.test(l));
  return new Error(`${what} exited with ${r.code}: ${said.slice(-3).join(" | ")}`);
}

/** Polls the pod phase once a second until it leaves Pending, as a shell loop would. */
async function waitStarted(task: Task, tally: Tally, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = tally.add(
      await measuredCommand(task.kubectl, [...base(task), "get", "pod", name, "-o", "jsonpath={.status.phase}"]),
    );
    if (r.code === 0 && r.stdout.trim() !== "" && r.stdout.trim() !== "Pending") return;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`Pod "${name}" stayed Pending for 10 minutes`);
}

/** Runs one case with kubectl; `calledAt`/`resultAt` bracket the commands, checks come after. */
export async function run(task: Task): Promise<{ calledAt: number; resultAt: number; observation: Observation }> {
  const c = task.case;
  const tally = new Tally();
  const w = workload(c);
  const name = `${task.podPrefix}-0`;
  switch (c.scenario) {
    case "startup":
    case "overhead": {
      const calledAt = now();
      const r = tally.add(await measuredCommand(task.kubectl, runArgs(task, name, w.image, w.command, true)));
      const resultAt = now();
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [name],
          ...(r.code !== null ? { exitCode: r.code } : {}),
          rssKb: tally.peakRssKb,
          cpuMs: tally.cpuMs,
          apiRequests: tally.requests,
        },
      };
    }
    case "memory":
      throw new TypeError("Cannot run the memory scenario with kubectl: it measures podkit alone");
    case "logs": {
      const checker = new LineChecker(c.lines);
      let rest = "";
      const onStdout = (chunk: string): void => {
        rest = checker.addText(rest + chunk);
      };
      const calledAt = now();
      let exitCode: number | undefined;
      if (task.contender === "kubectl") {
        const r = tally.add(await measuredCommand(task.kubectl, runArgs(task, name, w.image, w.command, true), { onStdout }));
        if (r.code !== null) exitCode = r.code;
      } else {
        const created = tally.add(await measuredCommand(task.kubectl, runArgs(task, name, w.image, w.command, false)));
        if (created.code !== 0) throw failure("kubectl run", created);
        await waitStarted(task, tally, name);
        const r = tally.add(await measuredCommand(task.kubectl, [...base(task), "logs", "-f", name], { onStdout }));
        if (r.code !== 0) throw failure("kubectl logs -f", r);
        tally.add(await measuredCommand(task.kubectl, [...base(task), "delete", "pod", name, "--wait=false"]));
      }
      const resultAt = now();
      if (rest !== "") checker.add(rest);
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [name],
          ...(exitCode !== undefined ? { exitCode } : {}),
          lines: checker.result(),
          rssKb: tally.peakRssKb,
          cpuMs: tally.cpuMs,
          apiRequests: tally.requests,
        },
      };
    }
    case "files": {
      const input = task.input;
      if (input === undefined) throw new TypeError("Cannot run the files scenario without an input file");
      const inTarget = `${task.namespace}/${name}:/tmp/${FILES.input}`;
      const calledAt = now();
      const created = tally.add(await measuredCommand(task.kubectl, runArgs(task, name, w.image, IDLE_COMMAND, false)));
      if (created.code !== 0) throw failure("kubectl run", created);
      const ready = tally.add(
        await measuredCommand(task.kubectl, [...base(task), "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=600s"]),
      );
      if (ready.code !== 0) throw failure("kubectl wait", ready);
      const inStart = now();
      const up = tally.add(await measuredCommand(task.kubectl, [...base(task), "cp", input.path, inTarget]));
      const inMs = now() - inStart;
      if (up.code !== 0) throw failure("kubectl cp (in)", up);
      const work = tally.add(
        await measuredCommand(task.kubectl, [...base(task), "exec", name, "--", "sh", "-c", `cd /tmp && ${FILES_SCRIPT}`]),
      );
      if (work.code !== 0) throw failure("kubectl exec", work);
      const shaOut = join(task.scratchDir, FILES.inputSha);
      const outPath = join(task.scratchDir, FILES.output);
      const sha = tally.add(
        await measuredCommand(task.kubectl, [...base(task), "cp", `${task.namespace}/${name}:/tmp/${FILES.inputSha}`, shaOut]),
      );
      if (sha.code !== 0) throw failure("kubectl cp (sha)", sha);
      const outStart = now();
      const down = tally.add(
        await measuredCommand(task.kubectl, [...base(task), "cp", `${task.namespace}/${name}:/tmp/${FILES.output}`, outPath]),
      );
      const outMs = now() - outStart;
      tally.add(await measuredCommand(task.kubectl, [...base(task), "delete", "pod", name, "--wait=false"]));
      const resultAt = now();
      const inSha = parseSha256sum(await readFile(shaOut, "utf8").catch(() => ""));
      const out = await hashFile(outPath).catch(() => undefined);
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [name],
          files: {
            inMs,
            outMs,
            inExact: inSha === input.sha256,
            outExact: out?.sha256 === input.sha256 && out.bytes === input.bytes,
            ...(out !== undefined ? { outBytes: out.bytes } : {}),
          },
          rssKb: tally.peakRssKb,
          apiRequests: tally.requests,
          ...(down.code !== 0 ? { notes: [failure("kubectl cp (out)", down).message] } : {}),
        },
      };
    }
    case "concurrency": {
      const names = Array.from({ length: c.pods }, (_, i) => `${task.podPrefix}-${i}`);
      const calledAt = now();
      const results = await Promise.all(
        names.map((n) => measuredCommand(task.kubectl, runArgs(task, n, w.image, w.command, true))),
      );
      const resultAt = now();
      let failedExit = 0;
      let missingOutput = 0;
      let firstError: string | undefined;
      for (const r of results) {
        tally.add(r, true);
        if (r.code !== 0) {
          failedExit++;
          firstError ??= failure("kubectl run", r).message;
        } else if (!r.stdout.split("\n").includes(CONCURRENCY_OUTPUT)) missingOutput++;
      }
      const notes = [
        ...(failedExit > 0 ? [`${c.pods} pods: ${failedExit} kubectl run exited non-zero, first: ${firstError}`] : []),
        ...(missingOutput > 0 ? [`${c.pods} pods: ${missingOutput} exited 0 without printing the pod's output`] : []),
      ];
      return {
        calledAt,
        resultAt,
        observation: {
          pods: names,
          errors: failedExit + missingOutput,
          rssKb: tally.concurrentRssKb,
          cpuMs: tally.cpuMs,
          apiRequests: tally.requests,
          ...(notes.length > 0 ? { notes } : {}),
        },
      };
    }
  }
}
