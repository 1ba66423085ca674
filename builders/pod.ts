import type { V1Container, V1ObjectMeta, V1PodSpec, V1ResourceRequirements, V1Volume } from "@kubernetes/client-node";
import { compile } from "../lib/compile/compile.ts";
import { frozenCopy, isPlainObject } from "../lib/compile/_data.ts";
import {
  DESCRIPTION_DEFAULTS,
  type ConnectionOptions,
  type FileSidecar,
  type InputContent,
  type PodDescription,
  type RetryInput,
  type TimeoutInputs,
} from "../lib/compile/description.ts";
import { parseDuration, type DurationInput } from "../lib/compile/duration.ts";
import type { FinishPolicy } from "../lib/plan/policy.ts";
import type { CompiledPod, RunResult } from "../lib/run/result.ts";
import type { RunOptions, Runner } from "../lib/run/runner.ts";

/** Options of {@link PodBuilder.fileSidecar}; each one left out keeps its current value. */
export interface FileSidecarOptions {
  /**
   * Image with a POSIX shell and `tar`.
   * @default "busybox"
   */
  readonly image?: string | undefined;
  /** Resources of the init container and the sidecar that move files. */
  readonly resources?: V1ResourceRequirements | undefined;
  /** Container defaults for those two containers only; they replace `.defaults()` for them. */
  readonly defaultSpec?: Partial<V1Container> | undefined;
}

/** The pod spec fields `.spec()` accepts: any field of a V1PodSpec, containers included. */
export type PodSpecInput = Partial<V1PodSpec>;

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

function requireObject(method: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected a plain object`);
  }
}

function requireString(method: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected a string`);
  }
}

function requireBoolean(method: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected true or false`);
  }
}

function requireDuration(method: string, value: unknown): asserts value is DurationInput {
  if (typeof value !== "string" && typeof value !== "number") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected an ISO 8601 duration like "PT3M" or milliseconds`);
  }
}

function requireStringMap(method: string, value: unknown): asserts value is Record<string, string> {
  requireObject(method, value);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new TypeError(`Cannot use ${method}(): the value of "${key}" is ${describeValue(item)}, expected a string`);
    }
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return String(value);
}

function isInputContent(value: unknown): value is InputContent {
  if (typeof value === "string" || value instanceof Uint8Array) return true;
  if (typeof value !== "object" || value === null) return false;
  if (isPlainObject(value)) return typeof value["path"] === "string";
  // A Node Readable or a web ReadableStream, recognised by shape so either realm works.
  const candidate = value as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof candidate.getReader === "function" || typeof candidate.pipe === "function";
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
export class PodBuilder {
  readonly #description: PodDescription;

  /**
   * Wraps a description. Most code starts from {@link pod} instead.
   *
   * @param description a frozen description, e.g. `other.description`
   * @example
   * ```ts
   * import { PodBuilder, pod } from "podkit";
   * const copy = new PodBuilder(pod("a").container({ name: "c", image: "busybox" }).description);
   * ```
   */
  constructor(description: PodDescription) {
    this.#description = frozenCopy(description);
  }

  /**
   * The frozen data this builder has accumulated.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod("x").namespace("jobs").description.namespace; // "jobs"
   * ```
   */
  get description(): PodDescription {
    return this.#description;
  }

  #with(changes: Partial<Omit<PodDescription, "kind">>): PodBuilder {
    return new PodBuilder({ ...this.#description, ...changes });
  }

  /**
   * Sets the namespace the pod is created in.
   *
   * @param namespace a DNS-1123 label
   * @default "default"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().namespace("batch");
   * ```
   */
  namespace(namespace: string): PodBuilder {
    requireString("namespace", namespace);
    return this.#with({ namespace });
  }

  /**
   * Adds labels to the pod, replacing those with the same keys.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().labels({ "my-label": "my-value" });
   * ```
   */
  labels(labels: Readonly<Record<string, string>>): PodBuilder {
    requireStringMap("labels", labels);
    const metadata = this.#description.metadata;
    return this.#with({ metadata: { ...metadata, labels: { ...metadata.labels, ...labels } } });
  }

  /**
   * Adds annotations to the pod, replacing those with the same keys.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().annotations({ "example.com/owner": "data-team" });
   * ```
   */
  annotations(annotations: Readonly<Record<string, string>>): PodBuilder {
    requireStringMap("annotations", annotations);
    const metadata = this.#description.metadata;
    return this.#with({ metadata: { ...metadata, annotations: { ...metadata.annotations, ...annotations } } });
  }

  /**
   * Merges pod metadata (Kestra's `metadata`): `name` and `namespace` set the pod's name
   * and namespace, labels and annotations are added to those already given, any other
   * field replaces the previous value.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().metadata({ name: "report", labels: { app: "report" } });
   * ```
   */
  metadata(metadata: Readonly<V1ObjectMeta>): PodBuilder {
    requireObject("metadata", metadata);
    const { name, namespace, labels, annotations, ...rest } = metadata;
    let next: PodBuilder = this;
    if (name !== undefined) {
      requireString("metadata", name);
      next = next.#with({ name });
    }
    if (namespace !== undefined) next = next.namespace(namespace);
    if (labels !== undefined) next = next.labels(labels);
    if (annotations !== undefined) next = next.annotations(annotations);
    const current = next.#description.metadata;
    return next.#with({ metadata: { ...current, ...rest } });
  }

  /**
   * Adds a container. Containers keep the order they are added in; the first one names
   * generated pods.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().container({ name: "main", image: "debian:stable-slim", command: ["echo", "hi"] });
   * ```
   */
  container(spec: Readonly<V1Container>): PodBuilder {
    requireObject("container", spec);
    return this.#with({ containers: [...this.#description.containers, spec] });
  }

  /**
   * Adds an init container, run in order before the containers (after podkit's own
   * `podkit-init` when input files are given).
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().initContainer({ name: "prepare", image: "busybox", command: ["true"] });
   * ```
   */
  initContainer(spec: Readonly<V1Container>): PodBuilder {
    requireObject("initContainer", spec);
    return this.#with({ initContainers: [...this.#description.initContainers, spec] });
  }

  /**
   * Adds a volume to the pod.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().volume({ name: "tmp", emptyDir: {} });
   * ```
   */
  volume(spec: Readonly<V1Volume>): PodBuilder {
    requireObject("volume", spec);
    return this.#with({ volumes: [...this.#description.volumes, spec] });
  }

  /**
   * Merges pod spec fields (Kestra's `spec`): `containers`, `initContainers` and
   * `volumes` are added to those already given; any other field (nodeSelector,
   * tolerations, serviceAccountName, restartPolicy, …) replaces the previous value.
   * `restartPolicy` defaults to `Never`.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().spec({ serviceAccountName: "runner", nodeSelector: { pool: "batch" } });
   * ```
   */
  spec(spec: Readonly<PodSpecInput>): PodBuilder {
    requireObject("spec", spec);
    const { containers, initContainers, volumes, ...rest } = spec;
    let next: PodBuilder = this;
    for (const c of containers ?? []) next = next.container(c);
    for (const c of initContainers ?? []) next = next.initContainer(c);
    for (const v of volumes ?? []) next = next.volume(v);
    return next.#with({ spec: { ...next.#description.spec, ...rest } });
  }

  /**
   * Sets container defaults (Kestra's `containerDefaultSpec`), merged into every user
   * container and init container, and into podkit's file-transfer containers unless
   * `fileSidecar({ defaultSpec })` is given. Objects are merged deeply with the
   * container's values winning; lists are concatenated defaults first, except `env`
   * (by name), `volumeMounts` (by mountPath), `ports` (by containerPort) and
   * `volumeDevices` (by devicePath), where the container's entry replaces the default's,
   * and `command`/`args`, which the container replaces whole.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().defaults({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } });
   * ```
   */
  defaults(spec: Readonly<Partial<V1Container>>): PodBuilder {
    requireObject("defaults", spec);
    return this.#with({ defaults: spec });
  }

  /**
   * Adds a file to place in the working directory before the containers start.
   *
   * @param name path relative to the working directory, e.g. `"data.txt"` or `"in/a.csv"`
   * @param content text (UTF-8), bytes, a local file `{ path }`, or a readable stream
   *   (read once, at upload)
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod()
   *   .inputFile("data.txt", "hello\n")
   *   .inputFile("model.bin", { path: "./model.bin" });
   * ```
   */
  inputFile(name: string, content: InputContent): PodBuilder {
    requireString("inputFile", name);
    if (!isInputContent(content)) {
      throw new TypeError(
        `Cannot use inputFile("${name}", ${describeValue(content)}): expected a string, a Uint8Array, { path }, or a readable stream`,
      );
    }
    return this.#with({ inputFiles: [...this.#description.inputFiles, Object.freeze({ name, content })] });
  }

  /**
   * Adds globs (picomatch syntax, relative to the working directory) of files to bring
   * back after the containers end.
   *
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().outputFiles("out.txt", "reports/**");
   * ```
   */
  outputFiles(...globs: readonly string[]): PodBuilder {
    for (const glob of globs) requireString("outputFiles", glob);
    return this.#with({ outputFiles: [...this.#description.outputFiles, ...globs] });
  }

  /**
   * Sets where files live inside the pod: an emptyDir shared by every container is
   * mounted there when input or output files are given. `{{workingDir}}` in any string
   * of the spec resolves to it. Without an argument, restores the default.
   *
   * @default "/podkit/work"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().workingDir("/data");
   * ```
   */
  workingDir(path?: string): PodBuilder {
    if (path !== undefined) requireString("workingDir", path);
    return this.#with({ workingDir: path ?? DESCRIPTION_DEFAULTS.workingDir });
  }

  /**
   * Configures the containers that move files (Kestra's `fileSidecar`); options left
   * out keep their current value.
   *
   * @default { image: "busybox" }
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().fileSidecar({ resources: { limits: { cpu: "300m", memory: "512Mi" } } });
   * ```
   */
  fileSidecar(options: FileSidecarOptions): PodBuilder {
    requireObject("fileSidecar", options);
    const merged: FileSidecar = { ...this.#description.fileSidecar };
    const next: { -readonly [K in keyof FileSidecar]: FileSidecar[K] } = merged;
    if (options.image !== undefined) {
      requireString("fileSidecar", options.image);
      next.image = options.image;
    }
    if (options.resources !== undefined) {
      requireObject("fileSidecar", options.resources);
      next.resources = options.resources;
    }
    if (options.defaultSpec !== undefined) {
      requireObject("fileSidecar", options.defaultSpec);
      next.defaultSpec = options.defaultSpec;
    }
    return this.#with({ fileSidecar: next });
  }

  #timeout(method: keyof TimeoutInputs, value: DurationInput): PodBuilder {
    requireDuration(method, value);
    return this.#with({ timeouts: { ...this.#description.timeouts, [method]: value } });
  }

  /**
   * Sets the budget from creation until the pod runs: scheduling, image pulls, input
   * upload and start-up.
   *
   * @param duration ISO 8601 (`"PT3M"`) or milliseconds
   * @default "PT10M"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().waitUntilRunning("PT3M");
   * ```
   */
  waitUntilRunning(duration: DurationInput): PodBuilder {
    return this.#timeout("waitUntilRunning", duration);
  }

  /**
   * Sets the budget from running until every user container has ended.
   *
   * @param duration ISO 8601 (`"PT2H"`) or milliseconds
   * @default "PT1H"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().waitRunning("PT2H");
   * ```
   */
  waitRunning(duration: DurationInput): PodBuilder {
    return this.#timeout("waitRunning", duration);
  }

  /**
   * Sets the upper bound for reading log lines that arrive after the containers end.
   * podkit does not sleep this long: it stops as soon as every log stream is complete.
   *
   * @param duration ISO 8601 (`"PT30S"`) or milliseconds
   * @default "PT5S"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().waitForLogInterval("PT30S");
   * ```
   */
  waitForLogInterval(duration: DurationInput): PodBuilder {
    return this.#timeout("waitForLogInterval", duration);
  }

  /**
   * Sets the budget for the pod's Ready condition once it runs; zero skips the wait.
   *
   * @param duration ISO 8601 (`"PT1M"`) or milliseconds
   * @default "PT0S"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod().waitUntilReady("PT1M");
   * ```
   */
  waitUntilReady(duration: DurationInput): PodBuilder {
    return this.#timeout("waitUntilReady", duration);
  }

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
  delete(enabled = true): PodBuilder {
    requireBoolean("delete", enabled);
    return this.#with({ onFinish: enabled ? "delete" : "keep" });
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
  onFinish(policy: FinishPolicy): PodBuilder {
    if (policy !== "delete" && policy !== "keepOnFailure" && policy !== "keep") {
      throw new TypeError(`Cannot use onFinish(${describeValue(policy)}): expected "delete", "keepOnFailure" or "keep"`);
    }
    return this.#with({ onFinish: policy });
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
  retry(policy: RetryInput): PodBuilder {
    requireObject("retry", policy);
    return this.#with({ retry: frozenCopy(policy) });
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
  timeout(duration: DurationInput): PodBuilder {
    requireDuration("timeout", duration);
    return this.#with({ timeout: duration });
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
  acceptExitCodes(...codes: readonly number[]): PodBuilder {
    for (const code of codes) {
      if (!Number.isInteger(code)) throw new TypeError(`Cannot use acceptExitCodes(${describeValue(code)}): expected integer exit codes`);
    }
    return this.#with({ acceptExitCodes: Object.freeze([...new Set([...this.#description.acceptExitCodes, ...codes])]) });
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
  allowFailure(enabled = true): PodBuilder {
    requireBoolean("allowFailure", enabled);
    return this.#with({ allowFailure: enabled });
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
  terminationGracePeriod(duration: DurationInput): PodBuilder {
    requireDuration("terminationGracePeriod", duration);
    return this.#with({ spec: { ...this.#description.spec, terminationGracePeriodSeconds: Math.ceil(parseDuration(duration) / 1000) } });
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
  resume(enabled = true): PodBuilder {
    requireBoolean("resume", enabled);
    return this.#with({ resume: enabled });
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
  runId(id: string): PodBuilder {
    requireString("runId", id);
    return this.#with({ runId: id });
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
  connection(options: ConnectionOptions): PodBuilder {
    requireObject("connection", options);
    return this.#with({ connection: options });
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
  outputNonce(enabled = true): PodBuilder {
    requireBoolean("outputNonce", enabled);
    return this.#with({ outputNonce: enabled });
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
    return compile(this.#description);
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
