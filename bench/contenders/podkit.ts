// podkit as its README shows it: describe the pod, compile, run with the Kubernetes runner.
// It is the built package (dist/, as `import … from "podkit"` loads it once installed), which
// the suite builds when it starts; the types come from the sources it is built from.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunEvent } from "../../lib/run/events.ts";
import type { RunResult } from "../../lib/run/result.ts";
import type { Observation, Task } from "../case.ts";
import { now } from "../clock.ts";
import { hashFile, parseSha256sum } from "../file_hash.ts";
import { LineChecker } from "../line_check.ts";
import { CONCURRENCY_OUTPUT, FILES, PULL_POLICY, workload } from "../workload.ts";

const CONTAINER = "main";

const dist = (name: string): string => new URL(`../../dist/${name}.js`, import.meta.url).href;
const { pod } = (await import(dist("mod"))) as typeof import("../../lib/mod.ts");
const { KubernetesRunner } = (await import(dist("kubernetes"))) as typeof import("../../lib/kubernetes/mod.ts");

function steps(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.timings.steps)) if (typeof v === "number") out[k] = v;
  return out;
}

/** An event of the run and when it arrived. */
export interface Mark {
  readonly at: number;
  readonly event: RunEvent;
}

/**
 * Splits the transfer steps by the run's events: for the upload, waiting for the init
 * container (`upload.wait`: from the pod's last `created` or `scheduled` event to the
 * first upload `transfer` event, sent as the archive starts), sending the archive
 * (`upload.transfer`: to the last upload event before the end), checking it in the
 * container and releasing the pod (`upload.verify`: to the upload's `done` event); for
 * the download, from `completed` (the containers ended, the download starts) to the
 * download's `done` event (`download.transfer`).
 */
export function transferPhases(marks: readonly Mark[]): Record<string, number> {
  const out: Record<string, number> = {};
  const transfers = (direction: "upload" | "download"): Mark[] =>
    marks.filter((m) => m.event.type === "transfer" && m.event.direction === direction);
  const done = (m: Mark): boolean => m.event.type === "transfer" && m.event.done;
  const uploads = transfers("upload");
  const upStart = uploads[0];
  const upSent = uploads.findLast((m) => !done(m));
  const upDone = uploads.find(done);
  const scheduled = upStart === undefined ? undefined : marks.findLast((m) => m.at <= upStart.at && (m.event.type === "scheduled" || m.event.type === "created"));
  if (scheduled !== undefined && upStart !== undefined) out["upload.wait"] = upStart.at - scheduled.at;
  if (upStart !== undefined && upSent !== undefined) out["upload.transfer"] = upSent.at - upStart.at;
  if (upSent !== undefined && upDone !== undefined) out["upload.verify"] = upDone.at - upSent.at;
  const downStart = marks.find((m) => m.event.type === "completed");
  const downDone = transfers("download").find(done);
  if (downStart !== undefined && downDone !== undefined) out["download.transfer"] = downDone.at - downStart.at;
  return out;
}

/** The lines podkit kept around the first lost or duplicated line, with their timestamps. */
function aroundTrouble(r: RunResult, lost: number | undefined, duplicate: string | undefined): string {
  const logs = r.logs.filter((l) => l.container === CONTAINER);
  const at = (i: number): string =>
    logs
      .slice(Math.max(0, i - 2), i + 3)
      .map((l) => `${l.timestamp} ${JSON.stringify(l.line)}`)
      .join("; ");
  const parts: string[] = [];
  if (lost !== undefined) {
    const before = logs.findIndex((l) => l.line === String(lost - 1));
    parts.push(`around lost line ${lost}: ${before < 0 ? `the first lines delivered were ${at(2)}` : at(before)}`);
  }
  if (duplicate !== undefined) {
    const first = logs.findIndex((l) => l.line === duplicate);
    const second = logs.findIndex((l, i) => i > first && l.line === duplicate);
    parts.push(`"${duplicate}" delivered at ${first} and ${second}: ${at(second)}`);
  }
  return parts.join(" | ");
}

/** Runs one case with podkit; `calledAt`/`resultAt` bracket the calls a user makes, checks come after. */
export async function run(task: Task): Promise<{ calledAt: number; resultAt: number; observation: Observation }> {
  const c = task.case;
  const w = workload(c);
  const base = pod()
    .namespace(task.namespace)
    .labels(task.labels)
    .container({
      name: CONTAINER,
      image: w.image,
      imagePullPolicy: PULL_POLICY,
      command: [...w.command],
      // Input files land in, and output files are taken from, the working directory.
      ...(c.scenario === "files" ? { workingDir: "{{workingDir}}" } : {}),
    });
  switch (c.scenario) {
    case "overhead": {
      const calledAt = now();
      const runner = new KubernetesRunner({ connection: { kubeconfigPath: task.kubeconfig } });
      const r = await runner.run(base.compile());
      const resultAt = now();
      return { calledAt, resultAt, observation: { pods: [r.podName], exitCode: r.exitCode, steps: steps(r) } };
    }
    case "startup":
      throw new TypeError("Cannot run the startup scenario in process: it measures the command line (podkit-cli)");
    case "logs":
    case "memory": {
      // Lines are checked as they arrive, as a user streams them. The logs scenario leaves
      // the run's default (the last 100 000 lines kept), so memory shows what a default run
      // costs; the memory scenario keeps none, as the command line does.
      const checker = new LineChecker(c.lines);
      const calledAt = now();
      const runner = new KubernetesRunner({ connection: { kubeconfigPath: task.kubeconfig } });
      const r = await runner.run(base.compile(), {
        onLog: (l) => l.container === CONTAINER && checker.add(l.line),
        ...(c.scenario === "memory" ? { keepLogs: "none" as const } : {}),
      });
      const resultAt = now();
      const lines = checker.result();
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [r.podName],
          exitCode: r.exitCode,
          lines,
          steps: steps(r),
          ...(lines.lost > 0 || lines.duplicated > 0 ? { notes: [aroundTrouble(r, lines.gaps[0]?.[0], lines.duplicates[0])] } : {}),
        },
      };
    }
    case "files": {
      const input = task.input;
      if (input === undefined) throw new TypeError("Cannot run the files scenario without an input file");
      const marks: Mark[] = [];
      const calledAt = now();
      const runner = new KubernetesRunner({ connection: { kubeconfigPath: task.kubeconfig } });
      const r = await runner.run(
        base.inputFile(FILES.input, { path: input.path }).outputFiles(FILES.output, FILES.inputSha).compile(),
        {
          outputDir: task.scratchDir,
          onEvent: (event) => {
            if (event.type !== "log") marks.push({ at: now(), event });
          },
        },
      );
      const resultAt = now();
      const s = { ...steps(r), ...transferPhases(marks) };
      const inSha = parseSha256sum(await readFile(join(task.scratchDir, FILES.inputSha), "utf8").catch(() => ""));
      const out = await hashFile(join(task.scratchDir, FILES.output)).catch(() => undefined);
      const reported = r.outputFiles.find((f) => f.name === FILES.output);
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [r.podName],
          exitCode: r.exitCode,
          files: {
            // The transfer itself, as kubectl cp is timed: not the wait for the pod to start.
            ...(s["upload.transfer"] !== undefined ? { inMs: s["upload.transfer"] + (s["upload.verify"] ?? 0) } : {}),
            ...(s["download.transfer"] !== undefined ? { outMs: s["download.transfer"] } : {}),
            inExact: inSha === input.sha256,
            // Checked independently of what podkit reports, and against what it reports.
            outExact:
              out?.sha256 === input.sha256 && out.bytes === input.bytes && reported?.sha256 === input.sha256,
            ...(out !== undefined ? { outBytes: out.bytes } : {}),
          },
          steps: s,
        },
      };
    }
    case "concurrency": {
      const compiled = base.compile();
      const calledAt = now();
      const runner = new KubernetesRunner({ connection: { kubeconfigPath: task.kubeconfig } });
      const results = await Promise.allSettled(Array.from({ length: c.pods }, () => runner.run(compiled)));
      const resultAt = now();
      const errors = results.filter(
        (r) =>
          r.status === "rejected" ||
          r.value.exitCode !== 0 ||
          !r.value.logs.some((l) => l.container === CONTAINER && l.line === CONCURRENCY_OUTPUT),
      ).length;
      const pods = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.podName] : []));
      const firstError = results.find((r) => r.status === "rejected");
      return {
        calledAt,
        resultAt,
        observation: {
          pods,
          errors,
          ...(firstError?.status === "rejected" ? { notes: [`first error: ${String(firstError.reason)}`] } : {}),
        },
      };
    }
  }
}
