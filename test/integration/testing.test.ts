/**
 * podkit/testing on the real cluster: `startTestCluster()` picks the cluster in its
 * documented order, gives a fresh namespace whose pods run through `cluster.runner`, and
 * `stop()` / `await using` delete that namespace with everything in it.
 *
 * Here the local-cluster path is exercised (KUBECONFIG is unset for those tests). The K3s
 * path needs a Docker engine: where one answers it is exercised too; where none does (the
 * project's build machines) the test says so in its output and checks that the reason
 * given by `startTestCluster()` states it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, expect, test } from "vitest";
import { pod } from "../../lib/mod.ts";
import { startTestCluster } from "../../lib/testing/mod.ts";
import { probeDocker } from "../../lib/testing/_docker.ts";
import { kubeconfigPath as clusterKubeconfig, kubectl } from "./_cluster.ts";

const saved = process.env["KUBECONFIG"];
const dirs: string[] = [];
beforeEach(() => {
  delete process.env["KUBECONFIG"];
});
afterEach(() => {
  if (saved === undefined) delete process.env["KUBECONFIG"];
  else process.env["KUBECONFIG"] = saved;
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function namespaceExists(name: string): Promise<boolean> {
  const { code, stderr } = await kubectl(["get", "namespace", name, "-o", "name"]);
  if (code !== 0 && !/NotFound/.test(stderr)) throw new Error(`kubectl get namespace failed: ${stderr}`);
  return code === 0;
}

test("without KUBECONFIG and without Docker, the local cluster is used: a fresh namespace, a runner into it, deleted by stop()", async () => {
  const docker = await probeDocker();
  const cluster = await startTestCluster({ k3s: docker.answers ? false : {} });
  try {
    console.log(`startTestCluster(): ${cluster.source}: ${cluster.reason}`);
    expect(cluster.source).toBe("local");
    expect(cluster.clusterKubeconfigPath).toBe(clusterKubeconfig());
    if (!docker.answers) expect(cluster.reason).toContain(`K3s not tried: ${docker.detail}`);
    expect(cluster.namespace).toMatch(/^podkit-test-[a-z0-9]{5}$/);
    expect(await namespaceExists(cluster.namespace)).toBe(true);

    // A pod without .namespace() runs in the handle's namespace.
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", 'echo hello; echo \'::{"outputs":{"ok":true}}::\''] })
      .run(cluster.runner);
    expect(result.namespace).toBe(cluster.namespace);
    expect(result.logs.map((l) => l.line)).toEqual(["hello", '::{"outputs":{"ok":true}}::']);
    expect(result.vars).toEqual({ ok: true });

    // Its kubeconfig file uses the namespace too, for child processes.
    const view = await kubectl(["--kubeconfig", cluster.kubeconfigPath, "config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}"]);
    expect(view.stdout).toBe(cluster.namespace);
    // Something left in the namespace is deleted with it.
    expect((await kubectl(["-n", cluster.namespace, "create", "configmap", "left-behind", "--from-literal=a=b"])).code).toBe(0);
  } finally {
    await cluster.stop();
  }
  expect(await namespaceExists(cluster.namespace)).toBe(false);
  expect(existsSync(cluster.kubeconfigPath)).toBe(false);
  await cluster.stop(); // idempotent
});

test("await using deletes the namespace when the block ends", async () => {
  let namespace: string;
  {
    await using cluster = await startTestCluster({ k3s: false, namespacePrefix: "podkit-using" });
    namespace = cluster.namespace;
    expect(namespace).toMatch(/^podkit-using-/);
    expect(await namespaceExists(namespace)).toBe(true);
  }
  expect(await namespaceExists(namespace)).toBe(false);
});

test("KUBECONFIG is used when set, and an explicit kubeconfigPath wins over it", async () => {
  process.env["KUBECONFIG"] = clusterKubeconfig();
  {
    await using cluster = await startTestCluster();
    expect(cluster.source).toBe("KUBECONFIG");
    expect(cluster.reason).toBe(`KUBECONFIG="${clusterKubeconfig()}"`);
  }
  process.env["KUBECONFIG"] = "/nonexistent/kubeconfig";
  {
    await using cluster = await startTestCluster({ kubeconfigPath: clusterKubeconfig() });
    expect(cluster.source).toBe("kubeconfigPath");
  }
});

test("a cluster that does not answer is an error that names it, never a skip", async () => {
  const dir = await mkdtemp(join(tmpdir(), "podkit-testing-"));
  dirs.push(dir);
  const path = join(dir, "kubeconfig");
  await writeFile(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: c, context: {cluster: gone, user: u}}]",
      "current-context: c",
    ].join("\n"),
  );
  await expect(startTestCluster({ kubeconfigPath: path })).rejects.toThrow(/^Cannot use the test cluster \(the kubeconfig given\): the API server at https:\/\/127\.0\.0\.1:1 does not answer: .*ECONNREFUSED/);
  await expect(startTestCluster({ kubeconfigPath: join(dir, "missing") })).rejects.toThrow(`the kubeconfig "${join(dir, "missing")}" does not exist`);
});

test("K3s through @testcontainers/k3s when a Docker engine answers; where none does, its absence is stated", async () => {
  const docker = await probeDocker();
  if (!docker.answers) {
    console.log(`K3s path NOT exercised on this machine: ${docker.detail}; startTestCluster() falls through to the local cluster and says why`);
    await using cluster = await startTestCluster();
    expect(cluster.source).toBe("local");
    expect(cluster.reason).toContain("K3s not tried: no Docker engine answered");
    return;
  }
  await using cluster = await startTestCluster({ k3s: {} });
  expect(cluster.source).toBe("k3s");
  const result = await pod().container({ name: "main", image: "busybox", command: ["echo", "on k3s"] }).run(cluster.runner);
  expect(result.logs.map((l) => l.line)).toEqual(["on k3s"]);
}, 600_000);
