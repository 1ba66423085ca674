/**
 * Global setup of the `integration` vitest project: finds the Kubernetes cluster the
 * integration tests run against with `podkit/testing`'s `startTestCluster()`, and hands
 * its kubeconfig to every test worker (as `process.env.KUBECONFIG` and as
 * `inject("kubeconfig")`).
 *
 * Which cluster, in this order:
 * 1. `KUBECONFIG` when set: any cluster.
 * 2. `PODKIT_TEST_CLUSTER=k3s`: a throwaway K3s in Docker (`PODKIT_K3S_IMAGE`), started
 *    with `@testcontainers/k3s` and stopped after the run. It needs a Docker engine, which
 *    the project's build machines do not have, so this path is not exercised in CI; without
 *    one the setup fails rather than fall back to another cluster.
 * 3. Otherwise the project's local single-node cluster, started when it does not run
 *    (`npm run cluster:up`, as root), and left running.
 *
 * No cluster is an error, never a skip: integration tests that silently did not run would
 * pass CI without testing anything. The kubeconfig handed on is the cluster's own, so
 * tests see its `default` namespace; the handle's fresh namespace is deleted at the end.
 */
import type { TestProject } from "vitest/node";
import { startTestCluster, type TestClusterSource } from "../../lib/testing/mod.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the kubeconfig of the cluster under test. */
    kubeconfig: string;
    /** Where the cluster came from. */
    clusterSource: TestClusterSource;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wantsK3s = process.env["PODKIT_TEST_CLUSTER"] === "k3s";
  const image = process.env["PODKIT_K3S_IMAGE"];
  const cluster = await startTestCluster({
    k3s: wantsK3s ? (image === undefined ? {} : { image }) : false,
    namespacePrefix: "podkit-integration",
  });
  if (wantsK3s && cluster.source !== "k3s") {
    await cluster.stop();
    throw new Error(`Cannot run the integration tests on K3s (PODKIT_TEST_CLUSTER=k3s): ${cluster.reason}; K3s needs a running Docker engine; without one, unset PODKIT_TEST_CLUSTER`);
  }
  const server = cluster.kubeConfig.getCurrentCluster()?.server ?? "(unknown server)";
  console.log(`integration tests: cluster at ${server} (${cluster.source}: ${cluster.reason}; kubeconfig "${cluster.clusterKubeconfigPath}")`);
  process.env["KUBECONFIG"] = cluster.clusterKubeconfigPath;
  project.provide("kubeconfig", cluster.clusterKubeconfigPath);
  project.provide("clusterSource", cluster.source);
  return () => cluster.stop();
}
