import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Where `npm run cluster:up` writes the admin kubeconfig of the project's local cluster.
 *
 * @example
 * ```ts
 * import { LOCAL_CLUSTER_KUBECONFIG } from "./kubeconfig.ts";
 * console.log(`export KUBECONFIG=${LOCAL_CLUSTER_KUBECONFIG}`);
 * ```
 */
export const LOCAL_CLUSTER_KUBECONFIG = "/var/lib/podkit-cluster/kubeconfig";

/** What {@link chooseKubeconfig} needs to know about the machine. */
export interface KubeconfigContext {
  /** The `--kubeconfig` flag. */
  readonly flag?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** @default fs.existsSync */
  readonly exists?: (path: string) => boolean;
}

/** The kubeconfig to use, and a note for stderr when it was not the user's choice. */
export interface KubeconfigChoice {
  /** A file to load; undefined leaves the usual discovery to the runner. */
  readonly path?: string;
  readonly note?: string;
}

/**
 * Picks the kubeconfig: `--kubeconfig`, else the usual discovery (`KUBECONFIG`,
 * `~/.kube/config`, in-cluster), else — when none of those exists — the local cluster of
 * the project, with a note saying so.
 *
 * @example
 * ```ts
 * import { chooseKubeconfig } from "./kubeconfig.ts";
 * chooseKubeconfig({ flag: "/tmp/kc", env: {}, homedir: "/root" }).path; // "/tmp/kc"
 * ```
 */
export function chooseKubeconfig(context: KubeconfigContext): KubeconfigChoice {
  if (context.flag !== undefined) return { path: context.flag };
  if (context.env["KUBECONFIG"]) return {};
  if (context.env["KUBERNETES_SERVICE_HOST"]) return {};
  const exists = context.exists ?? existsSync;
  if (exists(join(context.homedir, ".kube", "config"))) return {};
  if (exists(LOCAL_CLUSTER_KUBECONFIG)) {
    return {
      path: LOCAL_CLUSTER_KUBECONFIG,
      note: `No KUBECONFIG and no ~/.kube/config: using the project's local cluster (${LOCAL_CLUSTER_KUBECONFIG})`,
    };
  }
  return {};
}
