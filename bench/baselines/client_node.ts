// What a user without podkit writes with @kubernetes/client-node: create the pod, poll its
// status once a second, read its logs once at the end, delete it; files with the `Cp`
// helper. Straightforward code, no workarounds for the library's known gaps.
import { CoreV1Api, Cp, Exec, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { type Observation, type Task, caseLabel } from "../case.ts";
import { now } from "../clock.ts";
import { hashFile, parseSha256sum } from "../file_hash.ts";
import { LineChecker } from "../line_check.ts";
import { CONCURRENCY_OUTPUT, FILES, FILES_SCRIPT, IDLE_COMMAND, PULL_POLICY, workload } from "../workload.ts";

const CONTAINER = "main";

function manifest(task: Task, name: string, image: string, command: readonly string[]): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: task.namespace, labels: { ...task.labels } },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: CONTAINER, image, imagePullPolicy: PULL_POLICY, command: [...command] }],
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates the pod, polls until it ends, reads its logs once, deletes it. */
async function runPod(
  api: CoreV1Api,
  task: Task,
  name: string,
  image: string,
  command: readonly string[],
): Promise<{ phase: string; exitCode?: number; logs: string }> {
  const namespace = task.namespace;
  await api.createNamespacedPod({ namespace, body: manifest(task, name, image, command) });
  let pod: V1Pod;
  for (;;) {
    pod = await api.readNamespacedPod({ name, namespace });
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") break;
    await sleep(1000);
  }
  const logs = await api.readNamespacedPodLog({ name, namespace, container: CONTAINER });
  await api.deleteNamespacedPod({ name, namespace });
  const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
  return { phase: pod.status?.phase ?? "Unknown", ...(exitCode !== undefined ? { exitCode } : {}), logs };
}

function setup(task: Task): { kc: KubeConfig; api: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(task.kubeconfig);
  return { kc, api: kc.makeApiClient(CoreV1Api) };
}

/** Runs one case with hand-written client-node code; `calledAt`/`resultAt` bracket it, checks come after. */
export async function run(task: Task): Promise<{ calledAt: number; resultAt: number; observation: Observation }> {
  const c = task.case;
  const w = workload(c);
  const name = `${task.podPrefix}-0`;
  switch (c.scenario) {
    case "startup":
    case "memory":
      throw new TypeError(`Cannot run the ${c.scenario} scenario with client-node code: it has no such contender`);
    case "overhead": {
      const calledAt = now();
      const { api } = setup(task);
      const r = await runPod(api, task, name, w.image, w.command);
      const resultAt = now();
      return { calledAt, resultAt, observation: { pods: [name], ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) } };
    }
    case "logs": {
      const calledAt = now();
      const { api } = setup(task);
      const r = await runPod(api, task, name, w.image, w.command);
      const resultAt = now();
      const checker = new LineChecker(c.lines);
      const rest = checker.addText(r.logs);
      if (rest !== "") checker.add(rest);
      return {
        calledAt,
        resultAt,
        observation: {
          pods: [name],
          ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
          lines: checker.result(),
          ...(checker.result().lost > 0
            ? { notes: [`${caseLabel(c)}: the one log read returned ${r.logs.length} characters`] }
            : {}),
        },
      };
    }
    case "files": {
      const input = task.input;
      if (input === undefined) throw new TypeError("Cannot run the files scenario without an input file");
      const namespace = task.namespace;
      const calledAt = now();
      const { kc, api } = setup(task);
      await api.createNamespacedPod({ namespace, body: manifest(task, name, w.image, IDLE_COMMAND) });
      for (;;) {
        const pod = await api.readNamespacedPod({ name, namespace });
        if (pod.status?.phase === "Running") break;
        if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") {
          throw new Error(`Pod "${name}" ended before the upload`);
        }
        await sleep(1000);
      }
      const cp = new Cp(kc);
      const inStart = now();
      // Cp packs a directory; the input is alone in its own.
      await cp.cpToPod(namespace, name, CONTAINER, dirname(input.path), "/tmp");
      const inMs = now() - inStart;
      // A failed work step is reported, not thrown: the copies below still show what came back.
      const notes = ["Cp resolves before the copy ends: in/out times are not transfer times"];
      const workError = await new Promise<string | undefined>((resolve) => {
        const stderr = new Writable({ write: (_c, _e, cb) => cb() });
        void new Exec(kc)
          .exec(namespace, name, CONTAINER, ["sh", "-c", `cd /tmp && ${FILES_SCRIPT}`], null, stderr, null, false, (s) =>
            resolve(s.status === "Success" ? undefined : (s.message ?? s.reason ?? "unknown")),
          )
          .catch((e: unknown) => resolve(String(e)));
      });
      if (workError !== undefined) notes.push(`the work step failed (${workError}): the input was not complete in the pod`);
      await mkdir(task.scratchDir, { recursive: true });
      await cp.cpFromPod(namespace, name, CONTAINER, FILES.inputSha, task.scratchDir, "/tmp");
      const outStart = now();
      await cp.cpFromPod(namespace, name, CONTAINER, FILES.output, task.scratchDir, "/tmp");
      const outMs = now() - outStart;
      await api.deleteNamespacedPod({ name, namespace });
      const resultAt = now();
      const inSha = parseSha256sum(await readFile(join(task.scratchDir, FILES.inputSha), "utf8").catch(() => ""));
      const out = await hashFile(join(task.scratchDir, FILES.output)).catch(() => undefined);
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
          notes,
        },
      };
    }
    case "concurrency": {
      const names = Array.from({ length: c.pods }, (_, i) => `${task.podPrefix}-${i}`);
      const calledAt = now();
      const { api } = setup(task);
      const results = await Promise.allSettled(names.map((n) => runPod(api, task, n, w.image, w.command)));
      const resultAt = now();
      const rejected = results.filter((r) => r.status === "rejected");
      const wrong = results.filter(
        (r) => r.status === "fulfilled" && (r.value.phase !== "Succeeded" || !r.value.logs.split("\n").includes(CONCURRENCY_OUTPUT)),
      ).length;
      const notes = [
        ...(rejected[0]?.status === "rejected" ? [`${c.pods} pods: ${rejected.length} failed, first: ${String(rejected[0].reason)}`] : []),
        ...(wrong > 0 ? [`${c.pods} pods: ${wrong} ended without success or without their output`] : []),
      ];
      return {
        calledAt,
        resultAt,
        observation: { pods: names, errors: rejected.length + wrong, ...(notes.length > 0 ? { notes } : {}) },
      };
    }
  }
}
