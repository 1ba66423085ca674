/**
 * Helpers for integration tests that talk to the cluster under test with kubectl: the
 * kubeconfig chosen by `_global_setup.ts`, a kubectl runner, polling, clean-up and a
 * server-side dry run.
 *
 * @example
 * ```ts
 * import { kubectl, waitFor } from "./_cluster.ts";
 *
 * await kubectl(["run", "hello", "--image=busybox", "--restart=Never", "--", "echo", "hi"]);
 * const phase = await waitFor(async () => {
 *   const { stdout } = await kubectl(["get", "pod", "hello", "-o", "jsonpath={.status.phase}"]);
 *   return stdout === "Succeeded" ? stdout : undefined;
 * }, 60_000);
 * ```
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

const LOCAL_STATE = process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster";

/** What a kubectl run printed and how it exited. */
export interface KubectlResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; non-zero is returned, not thrown: tests assert on failures too. */
  readonly code: number;
}

/** Options of {@linkcode kubectl}. */
export interface KubectlOptions {
  /** Written to kubectl's standard input (e.g. a manifest for `apply -f -`). */
  readonly input?: string;
  /**
   * Kills kubectl after this long; the result then has code 124.
   * @default 120_000
   */
  readonly timeoutMs?: number;
}

/**
 * Path of the kubeconfig of the cluster under test: what the global setup chose, else
 * `KUBECONFIG`, else the local cluster's.
 *
 * @example
 * ```ts
 * const config = kubeconfigPath(); // "/var/lib/podkit-cluster/kubeconfig"
 * ```
 */
export function kubeconfigPath(): string {
  try {
    return inject("kubeconfig");
  } catch {
    // Outside a vitest worker (a script importing these helpers): fall back to the env.
    return process.env["KUBECONFIG"] ?? join(LOCAL_STATE, "kubeconfig");
  }
}

/**
 * The kubectl to use: the one the local cluster built (same version as the cluster), else
 * `kubectl` from `PATH`.
 *
 * @example
 * ```ts
 * const bin = kubectlPath(); // "/var/lib/podkit-cluster/bin/kubectl"
 * ```
 */
export function kubectlPath(): string {
  const local = join(LOCAL_STATE, "bin", "kubectl");
  return existsSync(local) ? local : "kubectl";
}

/**
 * Runs kubectl against the cluster under test.
 *
 * @example
 * ```ts
 * const { stdout, code } = await kubectl(["get", "nodes", "-o", "name"]);
 * ```
 */
export function kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const { input, timeoutMs = 120_000 } = options;
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlPath(),
      ["--kubeconfig", kubeconfigPath(), ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number" && !error.killed) {
          reject(new Error(`Cannot run kubectl ${args.join(" ")}: ${error.message}`, { cause: error }));
          return;
        }
        const code = error ? (error.killed ? 124 : Number(error.code)) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    child.stdin?.end(input ?? "");
  });
}

/**
 * Polls `fn` every `intervalMs` until it returns something other than `undefined`,
 * `null` or `false`, and returns that. Errors thrown by `fn` count as "not yet"; the last
 * one is reported on timeout.
 *
 * @example
 * ```ts
 * const ip = await waitFor(async () => (await kubectl(["get", "pod", "p", "-o", "jsonpath={.status.podIP}"])).stdout || undefined, 30_000);
 * ```
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  options: { readonly intervalMs?: number; readonly what?: string } = {},
): Promise<T> {
  const { intervalMs = 250, what = "the condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: last error: ${last.message}` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Deletes, without waiting for graceful termination, the pods a previous (crashed or
 * interrupted) test run left behind.
 *
 * @example
 * ```ts
 * await deleteLeftoverPods("default", "app.kubernetes.io/managed-by=podkit-test");
 * ```
 */
export async function deleteLeftoverPods(namespace: string, labelSelector: string): Promise<void> {
  const result = await kubectl([
    "delete", "pods", "-n", namespace, "-l", labelSelector,
    "--ignore-not-found", "--grace-period=0", "--force", "--wait=false",
  ]);
  if (result.code !== 0) {
    throw new Error(
      `Cannot delete leftover pods "${labelSelector}" in namespace "${namespace}": ${result.stderr.trim()}`,
    );
  }
}

/**
 * Submits a manifest to the API server as a server-side dry run: admission, defaulting
 * and validation run, nothing is stored. Returns the object the server would have stored
 * (code 0) or the server's rejection in `stderr`.
 *
 * @example
 * ```ts
 * const { code, stderr } = await serverDryRun({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [] } });
 * // code 1, stderr mentions "spec.containers: Required value"
 * ```
 */
export function serverDryRun(manifest: object, namespace = "default"): Promise<KubectlResult> {
  return kubectl(["create", "--dry-run=server", "-n", namespace, "-o", "json", "-f", "-"], {
    input: JSON.stringify(manifest),
  });
}
