/**
 * Global setup of the `integration` vitest project: finds the Kubernetes cluster the
 * integration tests run against, checks that its API server answers, and hands its
 * kubeconfig to every test worker (as `process.env.KUBECONFIG` and as
 * `inject("kubeconfig")`).
 *
 * Which cluster, in this order:
 * 1. `KUBECONFIG` when set: any cluster.
 * 2. `PODKIT_TEST_CLUSTER=k3s`: a throwaway K3s in Docker, started with
 *    `@testcontainers/k3s` and stopped after the run. It needs a Docker engine, which the
 *    project's build machines do not have, so this path is not exercised in CI.
 * 3. Otherwise the project's local single-node cluster (`npm run cluster:up`), whose
 *    kubeconfig is `$PODKIT_CLUSTER_STATE/kubeconfig` (default
 *    `/var/lib/podkit-cluster/kubeconfig`).
 *
 * No cluster is an error, never a skip: integration tests that silently did not run would
 * pass CI without testing anything.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, VersionApi } from "@kubernetes/client-node";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the kubeconfig of the cluster under test. */
    kubeconfig: string;
    /** Where the cluster came from: `KUBECONFIG`, `k3s` or `local`. */
    clusterSource: "KUBECONFIG" | "k3s" | "local";
  }
}

/** K3s image used when `PODKIT_TEST_CLUSTER=k3s`; override with `PODKIT_K3S_IMAGE`. */
const DEFAULT_K3S_IMAGE = "rancher/k3s:v1.31.2-k3s1";

const LOCAL_STATE = process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let teardown = async (): Promise<void> => {};
  let kubeconfig: string;
  let source: "KUBECONFIG" | "k3s" | "local";
  let howToStart: string;

  if (process.env["KUBECONFIG"]) {
    kubeconfig = process.env["KUBECONFIG"];
    source = "KUBECONFIG";
    howToStart = `check that the cluster of KUBECONFIG="${kubeconfig}" is running, or unset KUBECONFIG and run \`npm run cluster:up\``;
  } else if (process.env["PODKIT_TEST_CLUSTER"] === "k3s") {
    source = "k3s";
    howToStart = "K3s needs a running Docker engine; without one, run `npm run cluster:up` and unset PODKIT_TEST_CLUSTER";
    ({ kubeconfig, teardown } = await startK3s(howToStart));
  } else {
    kubeconfig = join(LOCAL_STATE, "kubeconfig");
    source = "local";
    howToStart = "run `npm run cluster:up` (as root) to start the local cluster, or set KUBECONFIG to a cluster of your own";
    if (!existsSync(kubeconfig)) {
      throw new Error(
        `Cannot run the integration tests: no Kubernetes cluster, "${kubeconfig}" does not exist; ${howToStart}`,
      );
    }
  }

  await checkApiServer(kubeconfig, howToStart, teardown);
  process.env["KUBECONFIG"] = kubeconfig;
  project.provide("kubeconfig", kubeconfig);
  project.provide("clusterSource", source);
  return teardown;
}

/** Asks the API server for its version: proves the address, the TLS trust and the credentials. */
async function checkApiServer(kubeconfig: string, howToStart: string, teardown: () => Promise<void>): Promise<void> {
  const kc = new KubeConfig();
  let server = "(unknown server)";
  try {
    kc.loadFromFile(kubeconfig);
    server = kc.getCurrentCluster()?.server ?? server;
    const version = await withTimeout(kc.makeApiClient(VersionApi).getCode(), 15_000);
    console.log(`integration tests: Kubernetes ${version.gitVersion} at ${server} (kubeconfig "${kubeconfig}")`);
  } catch (cause) {
    await teardown();
    const why = describeError(cause);
    throw new Error(
      `Cannot run the integration tests: the Kubernetes API server at ${server} (kubeconfig "${kubeconfig}") does not answer: ${why}; ${howToStart}`,
      { cause },
    );
  }
}

async function startK3s(howToStart: string): Promise<{ kubeconfig: string; teardown: () => Promise<void> }> {
  const { K3sContainer } = await import("@testcontainers/k3s");
  const image = process.env["PODKIT_K3S_IMAGE"] ?? DEFAULT_K3S_IMAGE;
  let container;
  try {
    container = await new K3sContainer(image).start();
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Cannot start K3s (${image}) for the integration tests: ${why}; ${howToStart}`, { cause });
  }
  const dir = mkdtempSync(join(tmpdir(), "podkit-k3s-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, container.getKubeConfig(), { mode: 0o600 });
  const started = container;
  return {
    kubeconfig,
    teardown: async () => {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** "fetch failed" alone says little: append the causes (e.g. "connect ECONNREFUSED ..."). */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(": ");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
