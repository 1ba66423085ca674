import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Where the local cluster of `test/cluster` keeps its state and binaries. */
const CLUSTER_STATE = process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster";
const CLUSTER_CACHE = process.env["PODKIT_CLUSTER_CACHE"] ?? "/var/cache/podkit-cluster";

/** The cluster the suite runs against and the kubectl it compares with. */
export interface ClusterTarget {
  readonly kubeconfig: string;
  readonly kubectl: string;
}

/**
 * `KUBECONFIG`, else the local cluster's kubeconfig; `PODKIT_KUBECTL`, else the kubectl
 * built with the local cluster, else `kubectl` on the PATH.
 */
export function resolveTarget(): ClusterTarget {
  const kubeconfig = process.env["KUBECONFIG"] ?? join(CLUSTER_STATE, "kubeconfig");
  if (!existsSync(kubeconfig)) {
    throw new Error(
      `Cannot find a kubeconfig at "${kubeconfig}": start the local cluster with "npm run cluster:up" or set KUBECONFIG`,
    );
  }
  return { kubeconfig, kubectl: findKubectl() };
}

function findKubectl(): string {
  const explicit = process.env["PODKIT_KUBECTL"];
  if (explicit !== undefined) return explicit;
  const local = join(CLUSTER_STATE, "bin", "kubectl");
  if (existsSync(local)) return local;
  const binDir = join(CLUSTER_CACHE, "bin");
  if (existsSync(binDir)) {
    for (const d of readdirSync(binDir).sort().reverse()) {
      const candidate = join(binDir, d, "kubectl");
      if (existsSync(candidate)) return candidate;
    }
  }
  return "kubectl";
}

/** Runs kubectl for the harness itself (setup, cleanup, versions); rejects on failure. */
export function kubectl(target: ClusterTarget, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      target.kubectl,
      ["--kubeconfig", target.kubeconfig, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr.trim() || error.message}`, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Creates the namespace if it is missing. */
export async function ensureNamespace(target: ClusterTarget, namespace: string): Promise<void> {
  try {
    await kubectl(target, ["get", "namespace", namespace, "-o", "name"]);
  } catch {
    await kubectl(target, ["create", "namespace", namespace]);
  }
  // The default service account appears a moment after the namespace; pods need it.
  for (let i = 0; i < 50; i++) {
    try {
      await kubectl(target, ["-n", namespace, "get", "serviceaccount", "default", "-o", "name"]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Deletes every pod of the namespace (it belongs to the suite) and waits until they are
 * gone, so that one measurement never shares the node with the previous one's leftovers.
 */
export async function deletePods(target: ClusterTarget, namespace: string): Promise<void> {
  await kubectl(
    target,
    ["-n", namespace, "delete", "pods", "--all", "--ignore-not-found", "--grace-period=1", "--wait=true", "--timeout=120s"],
    180_000,
  );
}
