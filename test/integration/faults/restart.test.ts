/**
 * Faults in the cluster's own components, injected for real with the cluster's
 * `test/cluster/restart.sh` (stop one component by its PID file, start it again, wait
 * until it answers): the API server restarted, and the container runtime restarted, each
 * while a pod prints a line every 20 ms for about 15 s. The run completes, every line is
 * collected exactly once, in order.
 */
import { expect, test } from "vitest";
import { KubernetesRunner } from "../../../lib/kubernetes/mod.ts";
import { pod } from "../../../lib/mod.ts";
import { ownNamespace, report, restartComponent, SUITE_LABEL, waitNoPods } from "./_faults.ts";

const NAMESPACE = ownNamespace("podkit-faults-restart");
const LABELS = { [SUITE_LABEL]: "faults-restart" };
const LINES = 750;
const runner = new KubernetesRunner();

async function steadyRunThrough(component: "kube-apiserver" | "containerd") {
  const script = `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; i=$((i+1)); sleep 0.02; done`;
  let seen = 0;
  let restart: Promise<Awaited<ReturnType<typeof restartComponent>>> | undefined;
  let restartStartedAtLine = 0;
  const started = performance.now();
  const handle = runner.start(
    pod().namespace(NAMESPACE).labels(LABELS).container({ name: "main", image: "busybox", command: ["sh", "-c", script] }).compile(),
    {
      onLog: () => {
        seen += 1;
        // A few seconds into the run, while the pod keeps printing.
        if (seen === 100) {
          restartStartedAtLine = seen;
          restart = restartComponent(component);
        }
      },
    },
  );
  const outcome = await Promise.allSettled([handle.result]);
  const restarted = await restart;
  const wallMs = Math.round(performance.now() - started);
  if (outcome[0].status === "rejected") throw outcome[0].reason;
  const result = outcome[0].value;
  const lines = result.logs.map((l) => l.line);
  const expected = Array.from({ length: LINES }, (_, i) => `line ${i + 1}`);
  const duplicates = lines.length - new Set(lines).size;
  const missing = expected.filter((l) => !lines.includes(l)).length;
  const podsGoneMs = await waitNoPods(NAMESPACE, `${SUITE_LABEL}=faults-restart`);
  report(`${component} restart`, {
    restartMs: restarted?.ms,
    restartStartedAtLine,
    linesPrinted: LINES,
    linesCollected: lines.length,
    missing,
    duplicates,
    incompleteLogs: result.incompleteLogs,
    wallMs,
    steps: result.timings.steps,
    podsLeft: 0,
    podsGoneMs,
  });
  expect(restarted?.code).toBe(0);
  expect(lines).toEqual(expected);
  expect(result.incompleteLogs).toBeUndefined();
  expect(result.exitCode).toBe(0);
}

test("the container runtime restarted mid-run: the run completes, every line exactly once", async () => {
  await steadyRunThrough("containerd");
});

// Last: the scheduler's informers back off after an API server outage, and the next pods
// wait a while (up to a minute was seen) to be scheduled.
test("the API server restarted mid-run: the run completes, every line exactly once", async () => {
  await steadyRunThrough("kube-apiserver");
});
