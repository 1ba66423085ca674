import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The K3s image started when none is given. */
export const DEFAULT_K3S_IMAGE = "rancher/k3s:v1.31.2-k3s1";

/** What podkit uses of `@testcontainers/k3s`. */
interface K3sModule {
  readonly K3sContainer: new (image: string) => { start(): Promise<{ getKubeConfig(): string; stop(): Promise<unknown> }> };
}

/** A K3s started in Docker, and how to stop it. */
export interface StartedK3s {
  /** A kubeconfig file for it. */
  readonly kubeconfigPath: string;
  /** Stops the container and removes the kubeconfig. */
  stop(): Promise<void>;
}

/**
 * Starts K3s in Docker through `@testcontainers/k3s`, which the caller installs (it is an
 * optional peer of podkit, not a dependency).
 *
 * @example
 * ```ts
 * import { startK3s } from "./_k3s.ts";
 * const k3s = await startK3s("rancher/k3s:v1.31.2-k3s1");
 * console.log(k3s.kubeconfigPath);
 * await k3s.stop();
 * ```
 */
export async function startK3s(image: string): Promise<StartedK3s> {
  // A computed name keeps bundlers from inlining the optional module.
  const name = ["@testcontainers", "k3s"].join("/");
  let module: K3sModule;
  try {
    module = (await import(name)) as K3sModule;
  } catch (cause) {
    throw new Error(`Cannot start K3s: a Docker engine answers but "${name}" is not installed; add it to your dev dependencies, or set KUBECONFIG`, { cause });
  }
  let container;
  try {
    container = await new module.K3sContainer(image).start();
  } catch (cause) {
    throw new Error(`Cannot start K3s (${image}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const dir = await mkdtemp(join(tmpdir(), "podkit-k3s-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, container.getKubeConfig(), { mode: 0o600 });
  const started = container;
  return {
    kubeconfigPath,
    stop: async () => {
      await started.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
