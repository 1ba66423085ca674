import type { KubeConfig } from "@kubernetes/client-node";
import type { ConnectionOptions } from "../compile/description.ts";
import { RunEventStream } from "../run/event_stream.ts";
import type { RunEvent } from "../run/events.ts";
import type { CompiledPod, LogLine, RunResult } from "../run/result.ts";
import type { RunOptions, Runner } from "../run/runner.ts";
import { execute } from "./execution.ts";

/**
 * Options of a {@link KubernetesRunner}.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { KubernetesRunner } from "podkit/kubernetes";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromFile("/etc/podkit/kubeconfig");
 * const runner = new KubernetesRunner({ kubeConfig });
 * ```
 */
export interface KubernetesRunnerOptions {
  /** A ready client configuration. Wins over every connection option. */
  readonly kubeConfig?: KubeConfig;
  /**
   * How to reach the cluster when the pod's description names no connection.
   * @default discovery: `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account
   */
  readonly connection?: ConnectionOptions;
}

/**
 * A run in progress: its events and log lines as they arrive, and its outcome. Await
 * `result` (or attach a handler to it) even when only the events matter: it rejects when
 * the run fails.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { KubernetesRunner, type RunHandle } from "podkit/kubernetes";
 * const handle: RunHandle = new KubernetesRunner().start(pod().container({ name: "main", image: "busybox", command: ["seq", "3"] }).compile());
 * for await (const event of handle.events()) if (event.type === "log") console.log(event.line);
 * await handle.result;
 * ```
 */
export interface RunHandle {
  /**
   * The log lines of the user containers, in arrival order (in order per container). Each
   * iteration starts from the first line still kept (`keepLogs`: by default the last
   * 100 000), whenever it begins, and ends when the run settles, whether it succeeded or
   * not. Lines dropped before the iteration reached them are skipped: with
   * `keepLogs: "none"` it yields nothing (take lines from `onLog` or `onEvent` then).
   */
  readonly logs: AsyncIterable<LogLine>;
  /**
   * Every event of the run, the kept log lines among them (see {@link logs}), in order.
   * Each call starts from the first event, whenever it is made, and its iteration ends
   * when the run settles.
   */
  events(): AsyncIterable<RunEvent>;
  /** Resolves with the result, or rejects with a `PodRunError`. */
  readonly result: Promise<RunResult>;
}

/**
 * Runs compiled pods on a Kubernetes cluster and brings back everything they produced:
 * logs (lossless, byte-exact, per container), exit codes, output files and output values.
 *
 * Each run executes the plan's steps in order: create the pod (or reattach to the pod of
 * the same run id), wait until it is scheduled and started (failing fast on image and
 * configuration errors), upload input files, follow the logs, wait for the user
 * containers to end, download output files, parse output values, and delete the pod.
 * Waits are driven by a pod watch, never by polling. A failed container rejects the run
 * with a `PodRunError` whose `result` still holds the logs, files and values.
 *
 * The pod is deleted at the end when the plan says so, and always when the run could not
 * let it finish (abort, timeout, start-up failure), so that nothing keeps running or holds
 * quota. An aborted run deletes the pod with a grace period of 0.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { KubernetesRunner } from "podkit/kubernetes";
 * const compiled = pod()
 *   .container({ name: "main", image: "debian:stable-slim", command: ["bash", "-c", "for i in {1..10}; do echo $i; done"] })
 *   .compile();
 * const result = await new KubernetesRunner().run(compiled, { onLog: (l) => console.log(l.line) });
 * console.log(result.exitCode, result.logs.length);
 * ```
 */
export class KubernetesRunner implements Runner<RunResult> {
  readonly #options: KubernetesRunnerOptions;

  /** A runner for the cluster `options` name, else the one kubeconfig discovery finds. */
  constructor(options: KubernetesRunnerOptions = {}) {
    this.#options = options;
  }

  /**
   * Runs a compiled pod and resolves with its result.
   *
   * @throws {PodRunError} when the run fails; `error.result` holds what was collected
   * @example
   * ```ts
   * import { pod, PodRunError } from "podkit";
   * import { KubernetesRunner } from "podkit/kubernetes";
   * const compiled = pod().container({ name: "main", image: "busybox", command: ["sh", "-c", "exit 3"] }).compile();
   * try {
   *   await new KubernetesRunner().run(compiled);
   * } catch (error) {
   *   if (error instanceof PodRunError) console.log(error.exitCode); // 3
   * }
   * ```
   */
  run(compiled: CompiledPod, options: RunOptions = {}): Promise<RunResult> {
    return this.#start(compiled, options, false).result;
  }

  /**
   * Starts a run and returns at once with its events and log lines as async iterables
   * and its result as a promise. `run()` is `start().result`, except that a handle also
   * follows the pod's Kubernetes events while it starts, for `events()` to show.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * import { KubernetesRunner } from "podkit/kubernetes";
   * const compiled = pod().container({ name: "main", image: "busybox", command: ["echo", "hi"] }).compile();
   * const handle = new KubernetesRunner().start(compiled);
   * for await (const line of handle.logs) console.log(`${line.container}: ${line.line}`);
   * const result = await handle.result;
   * ```
   */
  start(compiled: CompiledPod, options: RunOptions = {}): RunHandle {
    return this.#start(compiled, options, true);
  }

  #start(compiled: CompiledPod, options: RunOptions, eventsWanted: boolean): RunHandle {
    const stream = new RunEventStream(options);
    const settings = { kubeConfig: this.#options.kubeConfig, connection: this.#options.connection, eventsWanted };
    const result = execute(compiled, options, stream, settings).finally(() => stream.close());
    return { logs: { [Symbol.asyncIterator]: () => stream.logs() }, events: () => stream.events(), result };
  }
}
