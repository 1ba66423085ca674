import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the project's local cluster keeps its admin kubeconfig. */
export function localKubeconfigPath(): string {
  return join(process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster", "kubeconfig");
}

/**
 * The directory of the local cluster's scripts (`test/cluster` of the podkit package,
 * shipped with it), found from this module's own location in a checkout or in
 * `node_modules/podkit`.
 */
export function localClusterScripts(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "podkit") {
      const scripts = join(dir, "test/cluster");
      if (!existsSync(join(scripts, "up.sh"))) throw new Error(`Cannot start the local cluster: "${scripts}/up.sh" is missing from the podkit package`);
      return scripts;
    }
    if (dirname(dir) === dir) throw new Error("Cannot start the local cluster: the podkit package that holds its scripts was not found");
  }
}

/**
 * Starts the project's local single-node cluster (`test/cluster/up.sh`, idempotent: a
 * running cluster returns at once). It builds Kubernetes from source on its first start,
 * installs Debian packages and configures the network, so it needs root. Its progress goes
 * to standard error.
 *
 * @example
 * ```ts
 * import { startLocalCluster } from "./_local_cluster.ts";
 * const kubeconfigPath = await startLocalCluster(AbortSignal.timeout(3_600_000));
 * console.log(kubeconfigPath); // /var/lib/podkit-cluster/kubeconfig
 * ```
 */
export async function startLocalCluster(signal?: AbortSignal): Promise<string> {
  if (process.platform !== "linux") throw new Error(`Cannot start the local cluster on ${process.platform}: it runs on Linux only; set KUBECONFIG to a cluster of your own`);
  if (process.getuid?.() !== 0) {
    throw new Error("Cannot start the local cluster: it needs root (it installs packages and configures network interfaces); run as root, or set KUBECONFIG to a cluster of your own");
  }
  const up = join(localClusterScripts(), "up.sh");
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [up], { stdio: ["ignore", process.stderr, process.stderr], ...(signal === undefined ? {} : { signal }) });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`Cannot start the local cluster: ${up} exited with code ${code}`))));
  });
  return localKubeconfigPath();
}
