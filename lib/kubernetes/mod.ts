/**
 * Runs compiled pods on a Kubernetes cluster: {@link KubernetesRunner}, its options, the
 * {@link RunHandle} of a run in progress, and {@link loadKubeConfig}, which turns
 * connection options into a client configuration. A failed run rejects with the
 * `PodRunError` of `podkit`, which also holds the types a run reports (`RunResult`,
 * `RunEvent`, `LogLine`, `ConnectionOptions`).
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { KubernetesRunner } from "podkit/kubernetes";
 * const result = await pod()
 *   .container({ name: "main", image: "busybox", command: ["sh", "-c", 'echo \'::{"outputs":{"answer":42}}::\''] })
 *   .run(new KubernetesRunner());
 * console.log(result.vars.answer); // 42
 * ```
 *
 * @module podkit/kubernetes
 */
export { KubernetesRunner, type KubernetesRunnerOptions, type RunHandle } from "./runner.ts";
export { loadKubeConfig } from "./connection.ts";
