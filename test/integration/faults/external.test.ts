/**
 * Faults from outside the run: the pod deleted by someone else while inputs are uploaded
 * or outputs downloaded, the pod evicted through the eviction API, and the start-up and
 * running budgets exceeded. Each must end the run quickly with a typed error, and leave
 * no pod behind. (runner.test.ts covers a deletion while the pod runs.)
 */
import { expect, test } from "vitest";
import { KubernetesRunner } from "../../../lib/kubernetes/mod.ts";
import { pod as newPod, type PodBuilder, type RunEvent } from "../../../lib/mod.ts";
import { kubectl, waitFor } from "../_cluster.ts";
import { ownNamespace, podsIn, rejection, report, SUITE_LABEL, waitNoPods } from "./_faults.ts";

const NAMESPACE = ownNamespace("podkit-faults-external");
const LABELS = { [SUITE_LABEL]: "faults-external" };
const SELECTOR = `${SUITE_LABEL}=faults-external`;
const runner = new KubernetesRunner();

function pod(): PodBuilder {
  // A short grace period: a pod deleted from outside is not deleted again by the run, and
  // would otherwise linger 30 s terminating.
  return newPod().namespace(NAMESPACE).labels(LABELS).spec({ terminationGracePeriodSeconds: 2 });
}

/** Runs `builder`, calls `fault(podName)` at the first run event `when` accepts. */
async function runWithFault(builder: PodBuilder, when: (e: RunEvent) => boolean, fault: (podName: string) => Promise<void>) {
  let faultAt: number | undefined;
  let faulted: Promise<void> | undefined;
  let podName: string | undefined;
  const pending = rejection(
    builder.run(runner, {
      onEvent: (e) => {
        if (e.type === "created") podName = e.podName;
        if (faulted === undefined && podName !== undefined && when(e)) {
          faultAt = performance.now();
          faulted = fault(podName);
        }
      },
    }),
  );
  const error = await pending;
  const detectedAfterMs = faultAt === undefined ? undefined : Math.round(performance.now() - faultAt);
  await faulted;
  return { error, detectedAfterMs };
}

async function deleteFromOutside(name: string): Promise<void> {
  const result = await kubectl(["delete", "pod", name, "-n", NAMESPACE, "--wait=false"]);
  expect(result.code, result.stderr).toBe(0);
}

test("a pod deleted while its inputs are uploaded: a typed error within seconds, no hang, no pod left", async () => {
  const input = new Uint8Array(256 * 1024 * 1024).fill(7);
  const { error, detectedAfterMs } = await runWithFault(
    pod().container({ name: "main", image: "busybox", command: ["sh", "-c", "wc -c {{workingDir}}/big.bin"] }).inputFile("big.bin", input),
    (e) => e.type === "transfer" && e.direction === "upload" && e.bytes > 0,
    deleteFromOutside,
  );
  expect(detectedAfterMs).toBeDefined();
  expect(error.reason).toBe("DeletedExternally");
  expect(error.message).toMatch(/deleted by someone else/);
  // A deleted pod's containers live on for their grace period: the upload may still
  // complete, and the deletion is then seen by the next wait.
  expect(["uploadInputs", "waitRunning"]).toContain(error.step);
  expect(detectedAfterMs).toBeLessThan(15_000);
  const goneMs = await waitNoPods(NAMESPACE, SELECTOR);
  report("deleted during upload", { reason: error.reason, step: error.step, detectedAfterMs, podGoneAfterMs: goneMs, podsLeft: 0, message: error.message.split("\n")[0] });
});

test("a pod deleted while its outputs are downloaded: a typed error within seconds, no hang, no pod left", async () => {
  const { error, detectedAfterMs } = await runWithFault(
    pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo writing; head -c 400000000 /dev/zero > {{workingDir}}/big.bin; echo written"] })
      .outputFiles("big.bin"),
    (e) => e.type === "transfer" && e.direction === "download" && e.bytes > 0,
    deleteFromOutside,
  );
  expect(detectedAfterMs).toBeDefined();
  expect(error.reason).toBe("DeletedExternally");
  expect(error.message).toMatch(/deleted by someone else while podkit was downloading output files/);
  expect(error.step).toBe("downloadOutputs");
  expect(detectedAfterMs).toBeLessThan(15_000);
  // The logs the container printed before are still part of the story.
  expect(error.result?.logs.map((l) => l.line)).toEqual(["writing", "written"]);
  expect(error.result?.outputFiles).toEqual([]);
  const goneMs = await waitNoPods(NAMESPACE, SELECTOR);
  report("deleted during download", { reason: error.reason, detectedAfterMs, podGoneAfterMs: goneMs, podsLeft: 0, message: error.message.split("\n")[0] });
});

test("a running pod evicted through the eviction API: a typed error within seconds, the lines printed so far, no pod left", async () => {
  const { error, detectedAfterMs } = await runWithFault(
    pod().container({ name: "main", image: "busybox", command: ["sh", "-c", "echo up; sleep 300"] }),
    (e) => e.type === "started" && e.container === "main",
    async (name) => {
      const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: NAMESPACE } };
      const result = await kubectl(["create", "--raw", `/api/v1/namespaces/${NAMESPACE}/pods/${name}/eviction`, "-f", "-"], {
        input: JSON.stringify(eviction),
      });
      expect(result.code, result.stderr).toBe(0);
    },
  );
  expect(["Evicted", "DeletedExternally"]).toContain(error.reason);
  expect(error.message).toMatch(/evicted|deleted by someone else/);
  expect(detectedAfterMs).toBeLessThan(10_000);
  const goneMs = await waitNoPods(NAMESPACE, SELECTOR);
  report("evicted", { reason: error.reason, step: error.step, detectedAfterMs, logTail: error.logTail, podGoneAfterMs: goneMs, podsLeft: 0, message: error.message.split("\n")[0] });
});

test("budgets: an unschedulable pod past waitUntilRunning and `sleep 3600` past waitRunning fail with the reason and the budget, and their pods are deleted", async () => {
  const unschedulableStarted = performance.now();
  const unschedulable = await rejection(
    pod()
      .container({ name: "main", image: "busybox", command: ["true"] })
      .spec({ nodeSelector: { "podkit.test/no-such-node": "true" } })
      .waitUntilRunning("PT4S")
      .run(runner),
  );
  const unschedulableMs = Math.round(performance.now() - unschedulableStarted);
  expect(unschedulable.reason).toBe("Unschedulable");
  expect(unschedulable.message).toMatch(/within PT4S \(waitUntilRunning\)/);
  expect(unschedulable.message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector/);
  expect(unschedulable.elapsedMs).toBeGreaterThanOrEqual(4000);
  expect(unschedulableMs).toBeLessThan(20_000);

  const sleeperStarted = performance.now();
  const sleeper = await rejection(pod().container({ name: "main", image: "busybox", command: ["sleep", "3600"] }).waitRunning("PT4S").run(runner));
  const sleeperMs = Math.round(performance.now() - sleeperStarted);
  expect(sleeper.reason).toBe("Timeout");
  expect(sleeper.timedOut).toBe(true);
  expect(sleeper.step).toBe("waitCompletion");
  expect(sleeper.message).toMatch(/did not finish within PT4S \(waitRunning\)/);
  expect(sleeperMs).toBeLessThan(60_000);

  for (const name of [unschedulable.podName, sleeper.podName]) {
    expect(name).toBeDefined();
    // Deleted with a grace period of 0: gone, not merely terminating.
    await waitFor(async () => ((await podsIn(NAMESPACE)).includes(`pod/${name}`) ? undefined : true), 30_000, { what: `pod "${name}" to be gone` });
  }
  report("timeouts", { unschedulableFailedAfterMs: unschedulableMs, sleepFailedAfterMs: sleeperMs, podsLeft: (await podsIn(NAMESPACE, SELECTOR)).length });
});
