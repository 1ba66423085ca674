/**
 * Run policies on a real cluster: retries by exit code and by failure class in fresh pods,
 * the finish policy, accepted exit codes, allowFailure, a graceful abort that carries the
 * containers' last words, and a pod that the cluster ends by itself once its driver died.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { pod as newPod, PodRunError, type PodBuilder, type RunEvent } from "../../lib/mod.ts";
import { deleteLeftoverPods, kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

const NAMESPACE = "podkit-policies-test";
const SUITE = { "podkit.test/suite": "policies" };
const runner = new KubernetesRunner();

function pod(): PodBuilder {
  return newPod().namespace(NAMESPACE).labels(SUITE);
}

beforeAll(async () => {
  const exists = await kubectl(["get", "namespace", NAMESPACE, "-o", "name"]);
  if (exists.code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

afterAll(async () => {
  await deleteLeftoverPods(NAMESPACE, "podkit.test/suite=policies");
});

async function rejection(promise: Promise<unknown>): Promise<PodRunError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PodRunError) return error;
    throw error;
  }
  throw new Error("Expected the run to fail");
}

async function podsOfRun(runId: string): Promise<{ name: string; attempt: string; finishedAt: string | undefined; deleting: boolean }[]> {
  const { stdout } = await kubectl(["get", "pods", "-n", NAMESPACE, "-l", `podkit.dev/run-id=${runId}`, "-o", "json"]);
  const list = JSON.parse(stdout) as { items: { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string } }[] };
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined).map((p) => ({
    name: p.metadata.name,
    attempt: p.metadata.labels?.["podkit.dev/attempt"] ?? "",
    finishedAt: p.metadata.annotations?.["podkit.dev/finished-at"],
    deleting: p.metadata.deletionTimestamp !== undefined,
  }));
}

describe("retry", () => {
  test("a container that fails on attempt 1 and succeeds on attempt 2, told by PODKIT_ATTEMPT", async () => {
    const events: RunEvent[] = [];
    const result = await pod()
      .retry({ attempts: 3, exitCodes: [75], backoff: "PT1S" })
      .container({ name: "main", image: "busybox", command: ["sh", "-c", 'echo "attempt $PODKIT_ATTEMPT"; [ "$PODKIT_ATTEMPT" -ge 2 ] || exit 75'] })
      .run(runner, { onEvent: (e) => events.push(e) });
    expect(result.failed).toBe(false);
    expect(result.logs.map((l) => l.line)).toEqual(["attempt 2"]);
    expect(result.attempts.map((a) => [a.attempt, a.reason, a.exitCode])).toEqual([
      [1, "ContainerFailed", 75],
      [2, undefined, 0],
    ]);
    expect(result.attempts[0]?.podName).not.toBe(result.attempts[1]?.podName);
    const failed = events.find((e) => e.type === "attemptFailed");
    expect(failed).toMatchObject({ attempt: 1, reason: "ContainerFailed", exitCode: 75, nextAttempt: 2, delayMs: 1000 });
    expect(events.filter((e) => e.type === "created").map((e) => (e.type === "created" ? e.attempt : 0))).toEqual([1, 2]);
    expect(await podsOfRun(result.runId)).toEqual([]);
  });

  test("an OOMKilled attempt is retried by default; an exit code not listed is not", async () => {
    const hog = pod()
      .retry({ attempts: 2, backoff: "PT1S" })
      .container({
        name: "hog",
        image: "busybox",
        command: ["sh", "-c", 'if [ "$PODKIT_ATTEMPT" = 1 ]; then exec tail /dev/zero; fi; echo "fits on attempt $PODKIT_ATTEMPT"'],
        resources: { limits: { memory: "16Mi" }, requests: { memory: "16Mi" } },
      });
    const result = await hog.run(runner);
    expect(result.attempts.map((a) => a.reason)).toEqual(["OOMKilled", undefined]);
    expect(result.logs.at(-1)?.line).toBe("fits on attempt 2");

    const error = await rejection(pod().retry({ attempts: 3, exitCodes: [75] }).container({ name: "main", image: "busybox", command: ["sh", "-c", "exit 3"] }).run(runner));
    expect(error.reason).toBe("ContainerFailed");
    expect(error.attempts).toHaveLength(1);
  });
});

describe("finish policy", () => {
  test("keepOnFailure leaves exactly the failed pod, annotated and named in the error; a succeeded run's pod is deleted", async () => {
    const keep = pod().onFinish("keepOnFailure");
    const ok = await keep.container({ name: "main", image: "busybox", command: ["true"] }).run(runner);
    expect(ok.deleted).toBe(true);
    expect(await podsOfRun(ok.runId)).toEqual([]);

    const error = await rejection(keep.container({ name: "main", image: "busybox", command: ["sh", "-c", "echo post-mortem; exit 2"] }).run(runner));
    expect(error.result?.deleted).toBe(false);
    expect(error.message).toContain(error.podName as string);
    const left = await podsOfRun(error.runId);
    expect(left.map((p) => p.name)).toEqual([error.podName]);
    expect(Date.parse(left[0]?.finishedAt ?? "")).toBeGreaterThan(Date.now() - 120_000);
    const logs = await kubectl(["logs", error.podName as string, "-n", NAMESPACE, "-c", "main"]);
    expect(logs.stdout.trim()).toBe("post-mortem");
    await kubectl(["delete", "pod", error.podName as string, "-n", NAMESPACE, "--wait=false"]);
  });
});

describe("accepted exit codes and allowFailure", () => {
  test("an accepted exit code does not fail the run; the exit code is still reported", async () => {
    const result = await pod().acceptExitCodes(1).container({ name: "main", image: "busybox", command: ["sh", "-c", "echo no match; exit 1"] }).run(runner);
    expect(result.failed).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.logs.map((l) => l.line)).toEqual(["no match"]);
  });

  test("allowFailure resolves with the failed result instead of rejecting", async () => {
    const result = await pod().allowFailure().container({ name: "main", image: "busybox", command: ["sh", "-c", "echo broken; exit 9"] }).run(runner);
    expect(result.failed).toBe(true);
    expect(result.reason).toBe("ContainerFailed");
    expect(result.exitCode).toBe(9);
    expect(result.shortMessage).toMatch(/exit code 9/);
  });
});

describe("graceful cancel", () => {
  test("an abort deletes the pod with its grace period: the containers get SIGTERM and their last lines come back", async () => {
    const controller = new AbortController();
    const pending = rejection(
      pod()
        .terminationGracePeriod("PT20S")
        .container({ name: "main", image: "busybox", command: ["sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo ready; sleep 300 & wait $!"] })
        .run(runner, {
          onEvent: (e) => {
            if (e.type === "log" && e.line === "ready") controller.abort();
          },
          signal: controller.signal,
        }),
    );
    const error = await pending;
    expect(error.reason).toBe("Aborted");
    expect(error.logTail).toContain("main: got TERM");
    expect(error.result?.logs.map((l) => l.line)).toEqual(["ready", "got TERM"]);
    expect(error.message).toMatch(/with its grace period/);
    expect(await waitFor(async () => ((await podsOfRun(error.runId)).length === 0 ? true : undefined), 60_000)).toBe(true);
  });

  test("a forced abort cuts the grace period short: the pod is deleted at once", async () => {
    const controller = new AbortController();
    const force = new AbortController();
    const started = performance.now();
    const error = await rejection(
      pod()
        .terminationGracePeriod("PT60S")
        .container({ name: "main", image: "busybox", command: ["sh", "-c", "trap '' TERM; echo ready; sleep 300 & wait $!; sleep 300"] })
        .run(runner, {
          onEvent: (e) => {
            if (e.type === "log" && e.line === "ready") {
              controller.abort();
              setTimeout(() => force.abort(), 1000);
            }
          },
          signal: controller.signal,
          forceSignal: force.signal,
        }),
    );
    expect(error.reason).toBe("Aborted");
    // Far less than the 60 s grace period the pod asked for.
    expect(performance.now() - started).toBeLessThan(45_000);
    expect(await waitFor(async () => ((await podsOfRun(error.runId)).length === 0 ? true : undefined), 30_000)).toBe(true);
  });
});

describe("no orphans without the driver", () => {
  test("a driver killed with SIGKILL during `sleep 3600`: the cluster ends the pod by itself at its activeDeadlineSeconds", async () => {
    const runId = `orphan-${Date.now()}`;
    const child = spawn(process.execPath, ["test/fixtures/sleep_driver.ts", JSON.stringify({ namespace: NAMESPACE, runId, labels: SUITE })], {
      env: { ...process.env, KUBECONFIG: kubeconfigPath() },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const messages: Record<string, unknown>[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => messages.push(JSON.parse(line) as Record<string, unknown>));
    await waitFor(async () => (messages.some((m) => m["started"] === true) ? true : undefined), 60_000);
    const deadline = messages.find((m) => m["activeDeadlineSeconds"] !== undefined)?.["activeDeadlineSeconds"] as number;
    expect(deadline).toBe(30 + 20 + 60);
    const podName = messages.find((m) => m["created"] !== undefined)?.["created"] as string;
    child.kill("SIGKILL");
    const killedAt = performance.now();
    const phase = await waitFor(
      async () => {
        const { stdout } = await kubectl(["get", "pod", podName, "-n", NAMESPACE, "-o", "jsonpath={.status.phase}/{.status.reason}"]);
        return stdout.startsWith("Failed") ? stdout : undefined;
      },
      (deadline + 60) * 1000,
    );
    expect(phase).toBe("Failed/DeadlineExceeded");
    console.log(`[policies figures] orphan: ended by the cluster ${Math.round((performance.now() - killedAt) / 1000)} s after the driver was killed (deadline ${deadline} s from start)`);
    await kubectl(["delete", "pod", podName, "-n", NAMESPACE, "--wait=false"]);
  }, 400_000);
});
