/**
 * A Kubernetes cluster for the integration tests of your own pipelines:
 * {@link startTestCluster} finds or starts one (your kubeconfig, `KUBECONFIG`, K3s in
 * Docker, or podkit's local single-node cluster) and gives each test a fresh namespace
 * that is deleted with everything in it when the test ends.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { startTestCluster } from "podkit/testing";
 *
 * await using cluster = await startTestCluster();
 * const result = await pod()
 *   .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo '::{\"outputs\":{\"ok\":true}}::'"] })
 *   .run(cluster.runner);
 * console.log(result.vars.ok); // true
 * ```
 *
 * @module
 */
export { startTestCluster, type StartTestClusterOptions, type TestCluster, type TestClusterSource } from "./start_test_cluster.ts";
