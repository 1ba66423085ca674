/**
 * `podkit gc` against the cluster under test, in a namespace of its own: a pod kept by its
 * finish policy and a pod that outlived its deadline are deleted, with what was deleted
 * and why printed; the pod of a run still in progress is left alone, and its run ends
 * normally; `--dry-run` deletes nothing.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pod, type PodRunError, type RunEvent, type RunResult } from "../../lib/mod.ts";
import { kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const namespace = `podkit-gc-${Date.now().toString(36)}`;

function podkitGc(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, "gc", "--namespace", namespace, ...args], {
    cwd: join(MAIN, "..", ".."),
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function podNames(): Promise<string[]> {
  const { stdout, code } = await kubectl(["get", "pods", "-n", namespace, "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{'\\n'}{end}"]);
  expect(code).toBe(0);
  // A pod being deleted is as good as gone here.
  return stdout.split("\n").filter((l) => l.trim() !== "" && l.trim().split(" ").length === 1).map((l) => l.trim());
}

beforeAll(async () => {
  expect((await kubectl(["create", "namespace", namespace])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await kubectl(["delete", "namespace", namespace, "--wait=false"]);
});

const connection = { kubeconfigPath: kubeconfigPath() };

describe("podkit gc", () => {
  test("deletes a kept pod and an expired one, prints them and why, and leaves a running run's pod alone", async () => {
    // A pod kept by its finish policy: annotated podkit.dev/finished-at when its run ended.
    const kept: RunResult = await pod("gc-kept").namespace(namespace).connection(connection).container({ name: "main", image: "busybox", command: ["true"] }).onFinish("keep").run();
    expect(kept.deleted).toBe(false);

    // A podkit pod nobody follows that cannot be scheduled: the cluster never starts it, so
    // its deadline never ends it; gc counts the deadline from its creation.
    const expired = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "gc-expired", namespace, labels: { "app.kubernetes.io/managed-by": "podkit" } },
      spec: { restartPolicy: "Never", activeDeadlineSeconds: 1, nodeSelector: { "podkit.dev/no-such-node": "true" }, containers: [{ name: "main", image: "busybox", command: ["true"] }] },
    };
    expect((await kubectl(["apply", "-f", "-"], { input: JSON.stringify(expired) })).code).toBe(0);

    // A run in progress: Running, within its deadline, not annotated.
    const events: RunEvent[] = [];
    const controller = new AbortController();
    const live = pod("gc-live")
      .namespace(namespace)
      .connection(connection)
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "sleep 20; echo still here"] })
      .waitRunning("PT2M")
      .run({ signal: controller.signal, onEvent: (e) => events.push(e) });
    live.catch(() => undefined);
    await waitFor(async () => (events.some((e) => e.type === "started") ? true : undefined), 90_000);
    await new Promise((r) => setTimeout(r, 1500)); // past gc-expired's 1 s deadline

    expect((await podNames()).sort()).toEqual(["gc-expired", "gc-kept", "gc-live"]);

    const dry = await podkitGc(["--dry-run", "--older-than", "PT0S"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split("\n").filter(Boolean).sort()).toEqual([
      expect.stringMatching(new RegExp(`^would delete {1}${namespace}/gc-expired: Pending, outlived its deadline \\(activeDeadlineSeconds 1\\)`)),
      expect.stringMatching(new RegExp(`^would delete {1}${namespace}/gc-kept: finished PT\\d+S ago, kept by its finish policy \\(podkit\\.dev/finished-at\\)$`)),
    ]);
    expect((await podNames()).sort()).toEqual(["gc-expired", "gc-kept", "gc-live"]);

    const run = await podkitGc(["--older-than", "PT0S"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[0]).sort()).toEqual([`deleted      ${namespace}/gc-expired`, `deleted      ${namespace}/gc-kept`]);
    expect(run.stderr).toMatch(new RegExp(`3 podkit pods in namespace "${namespace}": 2 deleted, 1 kept`));
    expect(await podNames()).toEqual(["gc-live"]);

    // The run gc left alone ends as if nothing happened.
    const result = await live.catch((error: PodRunError) => error.result);
    expect(result?.failed).toBe(false);
    expect(result?.logs.map((l) => l.line)).toEqual(["still here"]);
  }, 240_000);
});
