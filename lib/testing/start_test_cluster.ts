import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, VersionApi } from "@kubernetes/client-node";
import { KubernetesRunner } from "../kubernetes/runner.ts";
import { makeApiClient } from "../kubernetes/transport/api_client.ts";
import { probeDocker } from "./_docker.ts";
import { DEFAULT_K3S_IMAGE, startK3s } from "./_k3s.ts";
import { localKubeconfigPath, startLocalCluster } from "./_local_cluster.ts";

/** Options of {@link startTestCluster}. */
export interface StartTestClusterOptions {
  /** A kubeconfig to use as it is; wins over everything else. @default `KUBECONFIG`, then K3s, then the local cluster */
  readonly kubeconfigPath?: string;
  /**
   * K3s through `@testcontainers/k3s` (installed by you) when a Docker engine answers;
   * `false` never tries it.
   * @default `{ image: "rancher/k3s:v1.31.2-k3s1" }`
   */
  readonly k3s?: false | { readonly image?: string };
  /**
   * Start the project's local cluster when it does not run (Linux, as root: the first
   * start builds Kubernetes from source, minutes); `false` only uses a running one.
   * @default true
   */
  readonly startLocalCluster?: boolean;
  /** Prefix of the fresh namespace's generated name. @default "podkit-test" */
  readonly namespacePrefix?: string;
  /** Aborts starting the cluster. */
  readonly signal?: AbortSignal;
}

/** Where a test cluster came from. */
export type TestClusterSource = "kubeconfigPath" | "KUBECONFIG" | "k3s" | "local";

/**
 * A cluster to run tests against, with a namespace of its own. `stop()` (or leaving an
 * `await using` block) deletes the namespace with everything in it, waits until it is
 * gone, and stops K3s when it was started for this handle. The local cluster is left
 * running for the next test run.
 */
export interface TestCluster extends AsyncDisposable {
  /** A kubeconfig file whose current context uses {@link namespace}: give it to child processes as `KUBECONFIG`. */
  readonly kubeconfigPath: string;
  /** The cluster's own kubeconfig, as found or started, its namespaces untouched. */
  readonly clusterKubeconfigPath: string;
  /** The same configuration as {@link kubeconfigPath}, loaded; its current context uses {@link namespace}. */
  readonly kubeConfig: KubeConfig;
  /** A runner on this cluster; pods without `.namespace()` run in {@link namespace}. */
  readonly runner: KubernetesRunner;
  /** The fresh namespace of this handle. */
  readonly namespace: string;
  /** Where the cluster came from. */
  readonly source: TestClusterSource;
  /** Why this cluster was chosen, and why the ones before it in the order were not. */
  readonly reason: string;
  /** Deletes the namespace (and waits until it is gone), stops K3s if it was started. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts (or finds) a Kubernetes cluster for integration tests and makes a fresh namespace
 * in it. The cluster is, in this order: `options.kubeconfigPath`; `KUBECONFIG`; K3s in
 * Docker through `@testcontainers/k3s` when a Docker engine answers; else this project's
 * local single-node cluster, started when it does not run. Rejects, naming what it tried,
 * when none answers: tests that silently do not run would pass without testing anything.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { startTestCluster } from "podkit/testing";
 *
 * await using cluster = await startTestCluster();
 * const result = await pod()
 *   .container({ name: "main", image: "busybox", command: ["echo", "hello"] })
 *   .run(cluster.runner);
 * console.log(cluster.namespace, result.logs[0]?.line); // podkit-test-x7k2q hello
 * ```
 */
export async function startTestCluster(options: StartTestClusterOptions = {}): Promise<TestCluster> {
  const { signal } = options;
  signal?.throwIfAborted();
  const found = await findCluster(options);
  let stopK3s = found.stop;
  try {
    const base = new KubeConfig();
    // KUBECONFIG may list several files, merged as kubectl merges them.
    if (found.source === "KUBECONFIG") base.loadFromDefault();
    else base.loadFromFile(found.kubeconfigPath);
    await checkApiServer(base, found);
    const core = makeApiClient(base, CoreV1Api);
    const created = await core.createNamespace({
      body: { metadata: { generateName: `${options.namespacePrefix ?? "podkit-test"}-`, labels: { "app.kubernetes.io/managed-by": "podkit-testing" } } },
    });
    const namespace = created.metadata?.name;
    if (namespace === undefined) throw new Error("Cannot create the test namespace: the API server returned no name");
    const cleanUp = async (): Promise<void> => {
      await deleteNamespace(core, namespace);
      await stopK3s?.();
      stopK3s = undefined;
    };
    try {
      // Pods are refused until the namespace's default service account exists.
      await until(`the service account "default" of namespace "${namespace}" exists`, 60_000, signal, async () => {
        try {
          await core.readNamespacedServiceAccount({ namespace, name: "default" });
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code === 404) return false;
          throw error;
        }
      });
      const kubeConfig = withNamespace(base, namespace);
      const dir = await mkdtemp(join(tmpdir(), "podkit-test-cluster-"));
      const kubeconfigPath = join(dir, "kubeconfig");
      await writeFile(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
      let stopping: Promise<void> | undefined;
      const stop = (): Promise<void> =>
        (stopping ??= (async () => {
          try {
            await cleanUp();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        })());
      return {
        kubeconfigPath,
        clusterKubeconfigPath: found.kubeconfigPath,
        kubeConfig,
        runner: new KubernetesRunner({ kubeConfig }),
        namespace,
        source: found.source,
        reason: found.reason,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    } catch (error) {
      await cleanUp().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    await stopK3s?.().catch(() => undefined);
    throw error;
  }
}

interface FoundCluster {
  readonly kubeconfigPath: string;
  readonly source: TestClusterSource;
  readonly reason: string;
  /** What to tell the user when its API server does not answer. */
  readonly fix: string;
  readonly stop?: () => Promise<void>;
}

async function findCluster(options: StartTestClusterOptions): Promise<FoundCluster> {
  if (options.kubeconfigPath !== undefined) {
    if (!existsSync(options.kubeconfigPath)) throw new Error(`Cannot use the test cluster: the kubeconfig "${options.kubeconfigPath}" does not exist`);
    return { kubeconfigPath: options.kubeconfigPath, source: "kubeconfigPath", reason: "the kubeconfig given", fix: "check that its cluster runs" };
  }
  const env = process.env["KUBECONFIG"];
  if (env !== undefined && env !== "") {
    return { kubeconfigPath: env, source: "KUBECONFIG", reason: `KUBECONFIG="${env}"`, fix: "check that the cluster of KUBECONFIG runs, or unset KUBECONFIG" };
  }
  const notes = ["KUBECONFIG is not set"];
  if (options.k3s === false) {
    notes.push("K3s is turned off");
  } else {
    const docker = await probeDocker();
    if (docker.answers) {
      const image = options.k3s?.image ?? DEFAULT_K3S_IMAGE;
      const k3s = await startK3s(image);
      return { kubeconfigPath: k3s.kubeconfigPath, source: "k3s", reason: `${notes.join("; ")}; K3s ${image} started in the ${docker.detail}`, fix: "check the K3s container", stop: k3s.stop };
    }
    notes.push(`K3s not tried: ${docker.detail}`);
  }
  const local = localKubeconfigPath();
  if (existsSync(local)) {
    const running = new KubeConfig();
    running.loadFromFile(local);
    if (await answers(running)) {
      return { kubeconfigPath: local, source: "local", reason: `${notes.join("; ")}; the local cluster runs`, fix: "run `npm run cluster:up`" };
    }
  }
  if (options.startLocalCluster === false) {
    throw new Error(`Cannot find a test cluster: ${notes.join("; ")}; the local cluster does not run and starting it is turned off; set KUBECONFIG or run \`npm run cluster:up\``);
  }
  const started = await startLocalCluster(options.signal);
  return { kubeconfigPath: started, source: "local", reason: `${notes.join("; ")}; the local cluster was started`, fix: "see the local cluster's logs in /var/lib/podkit-cluster/logs" };
}

/** Asks the API server for its version: proves the address, the TLS trust and the credentials. */
async function checkApiServer(kubeConfig: KubeConfig, found: FoundCluster): Promise<void> {
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no server)";
  try {
    await withTimeout(makeApiClient(kubeConfig, VersionApi).getCode(), 15_000);
  } catch (cause) {
    throw new Error(`Cannot use the test cluster (${found.reason}): the API server at ${server} does not answer: ${describe(cause)}; ${found.fix}`, { cause });
  }
}

async function answers(kubeConfig: KubeConfig): Promise<boolean> {
  try {
    await withTimeout(makeApiClient(kubeConfig, VersionApi).getCode(), 5_000);
    return true;
  } catch {
    return false;
  }
}

async function deleteNamespace(core: CoreV1Api, namespace: string): Promise<void> {
  try {
    await core.deleteNamespace({ name: namespace, body: { propagationPolicy: "Background" } });
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return;
    throw error;
  }
  await until(`namespace "${namespace}" is gone`, 180_000, undefined, async () => {
    try {
      await core.readNamespace({ name: namespace });
      return false;
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return true;
      throw error;
    }
  });
}

/** A copy of `kubeConfig` whose current context uses `namespace`. */
function withNamespace(kubeConfig: KubeConfig, namespace: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromString(kubeConfig.exportConfig());
  const current = copy.getCurrentContext();
  copy.loadFromOptions({
    clusters: copy.getClusters(),
    users: copy.getUsers(),
    contexts: copy.getContexts().map((c) => (c.name === current ? { ...c, namespace } : c)),
    currentContext: current,
  });
  return copy;
}

async function until(what: string, timeoutMs: number, signal: AbortSignal | undefined, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    signal?.throwIfAborted();
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** "fetch failed" alone says little: append the causes (e.g. "connect ECONNREFUSED ..."). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(": ");
}
