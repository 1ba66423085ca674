/**
 * Helpers of the fault and security tests: a namespace of the suite's own (created before,
 * deleted after, even when a test fails), the pods left in it, figures printed with a
 * `[fault figures]` prefix, and a run's rejection as a {@link PodRunError}.
 *
 * @example
 * ```ts
 * import { ownNamespace, report } from "./_faults.ts";
 * const ns = ownNamespace("podkit-faults");
 * report("deleted externally", { detectedAfterMs: 812 });
 * ```
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { PodRunError } from "../../../lib/mod.ts";
import { kubectl, waitFor } from "../_cluster.ts";

/** The label every pod of these suites carries, so that "pods left" counts only theirs. */
export const SUITE_LABEL = "podkit.test/suite";

/**
 * Creates `name` before the file's tests and deletes it (with its pods) after them.
 * Returns the name.
 */
export function ownNamespace(name: string, labels: Readonly<Record<string, string>> = {}): string {
  beforeAll(async () => {
    await createNamespace(name, labels);
  });
  afterAll(async () => {
    await deleteNamespace(name);
  });
  return name;
}

/** Creates a namespace (idempotent) and waits for its default service account. */
export async function createNamespace(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
  // The namespace of an earlier run may still be terminating: wait until it is gone.
  await waitFor(
    async () => {
      const { stdout, code } = await kubectl(["get", "namespace", name, "-o", "jsonpath={.status.phase}"]);
      if (code === 0 && stdout === "Active") return true;
      if (code !== 0) return (await kubectl(["create", "namespace", name])).code === 0 ? true : undefined;
      return undefined;
    },
    180_000,
    { what: `namespace "${name}" to be active`, intervalMs: 1000 },
  );
  for (const [key, value] of Object.entries(labels)) {
    await kubectl(["label", "namespace", name, `${key}=${value}`, "--overwrite"]);
  }
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", name])).code === 0 ? true : undefined), 60_000, {
    what: `the default service account of "${name}"`,
  });
}

/** Deletes a namespace's pods at once, then the namespace, without waiting for it to go. */
export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(["delete", "pods", "--all", "-n", name, "--grace-period=0", "--force", "--ignore-not-found", "--wait=false"]);
  await kubectl(["delete", "namespace", name, "--ignore-not-found", "--wait=false"]);
}

/** Names of the pods in `namespace` (matching `selector` when given), terminating ones included. */
export async function podsIn(namespace: string, selector?: string): Promise<string[]> {
  const { stdout, code, stderr } = await kubectl(["get", "pods", "-n", namespace, ...(selector === undefined ? [] : ["-l", selector]), "-o", "name"]);
  if (code !== 0) throw new Error(`Cannot list pods of "${namespace}": ${stderr.trim()}`);
  return stdout.split("\n").filter((l) => l.trim() !== "");
}

/** Waits until no pod of `namespace` matches `selector`; returns how long that took. */
export async function waitNoPods(namespace: string, selector: string, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  await waitFor(async () => ((await podsIn(namespace, selector)).length === 0 ? true : undefined), timeoutMs, {
    what: `no pod "${selector}" left in "${namespace}"`,
  });
  return Math.round(performance.now() - started);
}

/** Prints a test's figures, quotable from the test output. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[fault figures] ${name}: ${JSON.stringify(figures)}`);
}

/** The run's rejection; fails when the run succeeds or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<PodRunError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PodRunError) return error;
    throw error;
  }
  throw new Error("Expected the run to fail");
}

/** What a command printed and how it exited. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly ms: number;
}

/** Runs a command to its end (no shell), with a time limit. */
export function command(file: string, args: readonly string[], timeoutMs = 180_000): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, ms: Math.round(performance.now() - started) });
    });
  });
}

/**
 * Stops one component of the local cluster and starts it again with the cluster's
 * `test/cluster/restart.sh`, which returns once the component answers again.
 */
export async function restartComponent(component: "kube-apiserver" | "containerd" | "kubelet"): Promise<CommandResult> {
  const result = await command("bash", ["test/cluster/restart.sh", component], 240_000);
  if (result.code !== 0) {
    throw new Error(`Cannot restart ${component} with test/cluster/restart.sh (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
  }
  return result;
}
