import { compile } from "../lib/compile/compile.ts";
import { frozenCopy } from "../lib/compile/_data.ts";
import { DESCRIPTION_DEFAULTS, type ConnectionOptions, type PodDescription, type RetryInput } from "../lib/compile/description.ts";
import { parseDuration, type DurationInput } from "../lib/compile/duration.ts";
import type { FinishPolicy } from "../lib/plan/policy.ts";
import type { CompiledPod, RunResult } from "../lib/run/result.ts";
import type { RunOptions, Runner } from "../lib/run/runner.ts";
import { PodShapeBuilder } from "./pod_shape.ts";
export { PodShapeBuilder, type FileSidecarOptions, type PodSpecInput } from "./pod_shape.ts";
import { describeValue, requireBoolean, requireDuration, requireObject, requireString } from "./_checks.ts";

/** The failure classes `.retry({ on })` takes. */
const RETRYABLE: ReadonlySet<string> = new Set(["ContainerFailed", "OOMKilled", "ImagePull", "Unschedulable", "Timeout", "DeletedExternally", "Evicted", "TransferFailed", "ApiError"]);

function emptyDescription(name: string | undefined): PodDescription {
  return Object.freeze({
    kind: "pod",
    ...(name === undefined ? {} : { name }),
    metadata: Object.freeze({}),
    containers: Object.freeze([]),
    initContainers: Object.freeze([]),
    volumes: Object.freeze([]),
    spec: Object.freeze({}),
    inputFiles: Object.freeze([]),
    outputFiles: Object.freeze([]),
    workingDir: DESCRIPTION_DEFAULTS.workingDir,
    fileSidecar: Object.freeze({ image: DESCRIPTION_DEFAULTS.fileSidecarImage }),
    timeouts: DESCRIPTION_DEFAULTS.timeouts,
    onFinish: "delete",
    acceptExitCodes: Object.freeze([]),
    allowFailure: false,
    resume: true,
    outputNonce: false,
  });
}

/**
 * An immutable description of a pod to run, built call by call. Every method returns a
 * new builder and leaves the one it was called on unchanged, so a builder can be shared
 * and specialised freely. Arguments of the wrong type throw a `TypeError` at the call;
 * everything else (names, durations, paths, unknown fields) is checked at once by
 * {@link PodBuilder.compile}, which throws a `PodValidationError` listing every problem.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * const base = pod().namespace("jobs").labels({ team: "data" });
 * const hello = base.container({ name: "hello", image: "busybox", command: ["echo", "hello"] });
 * const { manifest } = hello.compile();
 * manifest.spec?.containers[0]?.name; // "hello"
 * ```
 */
export class PodBuilder extends PodShapeBuilder {
  /**
   * Whether to delete the pod when the run ends, successful or not: the Kestra-compatible
   * shorthand of {@link PodBuilder.onFinish} (`true` is `"delete"`, `false` is `"keep"`).
   * An aborted run always deletes it.
   *
   * @default true
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().delete(false); // keep the pod for debugging
   * ```
   */
  delete(enabled = true): this {
    requireBoolean("delete", enabled);
    return this.with({ onFinish: enabled ? "delete" : "keep" });
  }

  /**
   * What happens to the pod when the run ends: `"delete"` always; `"keepOnFailure"` keeps
   * a failed run's pod for a post-mortem (its name is in the error) and deletes a
   * succeeded one; `"keep"` never deletes. An aborted run always deletes its pod. A kept
   * pod carries the annotation `podkit.dev/finished-at`, which `podkit gc` goes by.
   *
   * @default "delete"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().onFinish("keepOnFailure");
   * ```
   */
  onFinish(policy: FinishPolicy): this {
    if (policy !== "delete" && policy !== "keepOnFailure" && policy !== "keep") {
      throw new TypeError(`Cannot use onFinish(${describeValue(policy)}): expected "delete", "keepOnFailure" or "keep"`);
    }
    return this.with({ onFinish: policy });
  }

  /**
   * Retries the run in a fresh pod when an attempt fails in a way worth retrying. Each
   * attempt is labelled with the run id and its number, and every user container gets the
   * number (from 1) in `PODKIT_ATTEMPT`. The result and the error list every attempt.
   *
   * @param policy `attempts` in all (at least 1); `on` the failure classes retried
   *   (default: `OOMKilled`, `Evicted`, `DeletedExternally`, a transient `ImagePull`, a
   *   retryable `ApiError`); `exitCodes` container exit codes retried; `backoff` one
   *   duration or `{ initial, factor, max }` (default `{ initial: "PT1S", factor: 2, max: "PT1M" }`)
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().retry({ attempts: 3, exitCodes: [75], backoff: { initial: "PT2S", factor: 2, max: "PT30S" } });
   * ```
   */
  retry(policy: RetryInput): this {
    requireObject("retry", policy);
    if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
      throw new RangeError(`Cannot use retry({ attempts: ${describeValue(policy.attempts)} }): attempts counts every try, the first included: an integer of 1 or more`);
    }
    for (const reason of policy.on ?? []) {
      if (!RETRYABLE.has(reason)) throw new RangeError(`Cannot use retry({ on: [${describeValue(reason)}] }): expected some of ${[...RETRYABLE].map((r) => `"${r}"`).join(", ")}`);
    }
    for (const code of policy.exitCodes ?? []) {
      if (!Number.isInteger(code)) throw new TypeError(`Cannot use retry({ exitCodes: [${describeValue(code)}] }): expected integer exit codes`);
    }
    const backoff = policy.backoff;
    if (typeof backoff === "object" && backoff !== null) {
      requireDuration("retry({ backoff: { initial } })", backoff.initial);
      if (backoff.max !== undefined) requireDuration("retry({ backoff: { max } })", backoff.max);
      if (backoff.factor !== undefined && !(backoff.factor >= 1)) throw new RangeError(`Cannot use retry({ backoff: { factor: ${describeValue(backoff.factor)} } }): expected a number of 1 or more`);
    } else if (backoff !== undefined) {
      requireDuration("retry({ backoff })", backoff);
    }
    return this.with({ retry: frozenCopy(policy) });
  }

  /**
   * Sets an overall deadline for the run, every attempt and the delays between them
   * included (Kestra's `timeout`). Past it, the run fails with `Timeout`.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().retry({ attempts: 5 }).timeout("PT2H");
   * ```
   */
  timeout(duration: DurationInput): this {
    requireDuration("timeout", duration);
    return this.with({ timeout: duration });
  }

  /**
   * Exit codes of user containers that do not fail the run: the run resolves, and
   * `result.exitCode` still reports the code.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().acceptExitCodes(1, 2); // grep's "no match" and "error" end the run normally
   * ```
   */
  acceptExitCodes(...codes: readonly number[]): this {
    for (const code of codes) {
      if (!Number.isInteger(code)) throw new TypeError(`Cannot use acceptExitCodes(${describeValue(code)}): expected integer exit codes`);
    }
    return this.with({ acceptExitCodes: Object.freeze([...new Set([...this.description.acceptExitCodes, ...codes])]) });
  }

  /**
   * Resolves with the result of a failed run instead of rejecting (Kestra's
   * `allowFailure`): `result.failed`, `reason` and `step` say what failed. A run that fails
   * before its pod exists still rejects.
   *
   * @default false
   * @example
   * ```ts
   * import { pod } from "podkit";
   * const result = await pod().allowFailure().container({ name: "main", image: "busybox", command: ["false"] }).run();
   * if (result.failed) console.log(result.reason, result.exitCode);
   * ```
   */
  allowFailure(enabled = true): this {
    requireBoolean("allowFailure", enabled);
    return this.with({ allowFailure: enabled });
  }

  /**
   * How long containers have between SIGTERM and SIGKILL when the pod is deleted (the
   * pod's `terminationGracePeriodSeconds`). An aborted run deletes its pod with this grace
   * period and keeps reading the logs while the containers stop; without it, an aborted
   * run stops the pod at once.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().terminationGracePeriod("PT20S");
   * ```
   */
  terminationGracePeriod(duration: DurationInput): this {
    requireDuration("terminationGracePeriod", duration);
    return this.with({ spec: { ...this.description.spec, terminationGracePeriodSeconds: Math.ceil(parseDuration(duration) / 1000) } });
  }

  /**
   * Whether a run reattaches to a pod of the same {@link PodBuilder.runId} left by an
   * earlier, interrupted call instead of creating another one.
   *
   * @default true
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().runId("nightly-2026-11-27").resume(true);
   * ```
   */
  resume(enabled = true): this {
    requireBoolean("resume", enabled);
    return this.with({ resume: enabled });
  }

  /**
   * Sets the stable identity of the run, stored as a label on the pod and used to find
   * an earlier pod of the same run. Must be a valid label value. Without it, each run
   * draws a fresh id.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().runId("invoice-42-attempt");
   * ```
   */
  runId(id: string): this {
    requireString("runId", id);
    return this.with({ runId: id });
  }

  /**
   * Sets how to reach the cluster (Kestra's `connection`). Without it, the usual
   * discovery applies: `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().connection({ masterUrl: "https://k8s.example.com:6443", oauthToken: "…", caCertFile: "/etc/ca.pem" });
   * ```
   */
  connection(options: ConnectionOptions): this {
    requireObject("connection", options);
    return this.with({ connection: options });
  }

  /**
   * Accept output values only from lines that carry this run's nonce
   * (`::podkit-<nonce>::{"outputs":…}::`, the nonce given to the containers as
   * `PODKIT_OUTPUT_NONCE`), so that untrusted log text cannot forge them.
   *
   * @default false
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().outputNonce();
   * ```
   */
  outputNonce(enabled = true): this {
    requireBoolean("outputNonce", enabled);
    return this.with({ outputNonce: enabled });
  }

  /**
   * Validates the description and turns it into a manifest and an execution plan,
   * without touching a cluster.
   *
   * @throws {PodValidationError} listing every problem found
   * @example
   * ```ts
   * import { pod } from "podkit";
   * const compiled = pod("hello").container({ name: "main", image: "busybox" }).compile();
   * console.log(compiled.describe());
   * ```
   */
  compile(): CompiledPod {
    return compile(this.description);
  }

  /**
   * Compiles the pod and runs it on the cluster, with the `KubernetesRunner` of
   * `podkit/kubernetes` (loaded on first use) and the usual kubeconfig discovery, or the
   * connection given with {@link PodBuilder.connection}.
   *
   * @throws {PodValidationError} before anything runs, when the description is invalid
   * @throws {PodRunError} when the run fails; `error.result` holds what was collected
   * @example
   * ```ts
   * import { pod } from "podkit";
   * const result = await pod("hello")
   *   .container({ name: "main", image: "busybox", command: ["echo", "hi"] })
   *   .run({ signal: AbortSignal.timeout(600_000) });
   * console.log(result.exitCode, result.logs);
   * ```
   */
  run(options?: RunOptions): Promise<RunResult>;
  /**
   * Compiles the pod and runs it through `runner`; the result is the runner's.
   *
   * @throws {PodValidationError} before anything runs, when the description is invalid
   * @throws {PodRunError} when the run fails (see the runner)
   * @example
   * ```ts
   * import { DryRunRunner, pod } from "podkit";
   * const result = await pod("hello")
   *   .container({ name: "main", image: "busybox", command: ["echo", "hi"] })
   *   .run(new DryRunRunner());
   * console.log(result.description);
   * ```
   */
  run<R>(runner: Runner<R>, options?: RunOptions): Promise<R>;
  async run<R>(runnerOrOptions?: Runner<R> | RunOptions, options?: RunOptions): Promise<R | RunResult> {
    const runner = isRunner(runnerOrOptions) ? runnerOrOptions : undefined;
    const chosenOptions = runner === undefined ? (runnerOrOptions as RunOptions | undefined) ?? options : options;
    chosenOptions?.signal?.throwIfAborted();
    const compiled = this.compile();
    return (runner ?? (await defaultRunner())).run(compiled, chosenOptions);
  }
}

function isRunner<R>(value: Runner<R> | RunOptions | undefined): value is Runner<R> {
  return typeof (value as { run?: unknown } | undefined)?.run === "function";
}

async function defaultRunner(): Promise<Runner<RunResult>> {
  const { KubernetesRunner } = await import("../lib/kubernetes/mod.ts");
  return new KubernetesRunner();
}

/**
 * Starts describing a pod.
 *
 * @param name the pod's name; without it, the API server generates one from the first
 *   container's name
 * @example
 * ```ts
 * import { pod } from "podkit";
 * const compiled = pod()
 *   .namespace("default")
 *   .labels({ "my-label": "my-value" })
 *   .container({ name: "unittest", image: "debian:stable-slim", command: ["bash", "-c", "echo hi"] })
 *   .compile();
 * compiled.manifest.metadata?.generateName; // "unittest-"
 * ```
 */
export function pod(name?: string): PodBuilder {
  if (name !== undefined) requireString("pod", name);
  return new PodBuilder(emptyDescription(name));
}
