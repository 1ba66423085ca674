import type { V1Container, V1ObjectMeta, V1PodSpec, V1ResourceRequirements, V1Volume } from "@kubernetes/client-node";
import { frozenCopy } from "../lib/compile/_data.ts";
import { DESCRIPTION_DEFAULTS, type FileSidecar, type InputContent, type PodDescription, type TimeoutInputs } from "../lib/compile/description.ts";
import type { DurationInput } from "../lib/compile/duration.ts";
import { describeValue, isInputContent, requireDuration, requireObject, requireString, requireStringMap } from "./_checks.ts";

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

/**
 * What shapes the pod a {@link PodBuilder} describes: metadata, containers, volumes, the
 * pod spec and container defaults, input and output files, and the budgets of the run.
 * Every method returns a new builder of the same class and leaves this one unchanged.
 * Use it through {@link PodBuilder}, which adds the run's policies, identity and connection.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * pod().namespace("jobs").container({ name: "main", image: "busybox" }).inputFile("a.txt", "a").waitUntilRunning("PT3M");
 * ```
 */
export class PodShapeBuilder {
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

  /** A new builder of this builder's class, with `changes` applied to the description. */
  protected with(changes: Partial<Omit<PodDescription, "kind">>): this {
    const Builder = this.constructor as new (description: PodDescription) => this;
    return new Builder({ ...this.description, ...changes });
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
  namespace(namespace: string): this {
    requireString("namespace", namespace);
    return this.with({ namespace });
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
  labels(labels: Readonly<Record<string, string>>): this {
    requireStringMap("labels", labels);
    const metadata = this.description.metadata;
    return this.with({ metadata: { ...metadata, labels: { ...metadata.labels, ...labels } } });
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
  annotations(annotations: Readonly<Record<string, string>>): this {
    requireStringMap("annotations", annotations);
    const metadata = this.description.metadata;
    return this.with({ metadata: { ...metadata, annotations: { ...metadata.annotations, ...annotations } } });
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
  metadata(metadata: Readonly<V1ObjectMeta>): this {
    requireObject("metadata", metadata);
    const { name, namespace, labels, annotations, ...rest } = metadata;
    let next: this = this;
    if (name !== undefined) {
      requireString("metadata", name);
      next = next.with({ name });
    }
    if (namespace !== undefined) next = next.namespace(namespace);
    if (labels !== undefined) next = next.labels(labels);
    if (annotations !== undefined) next = next.annotations(annotations);
    const current = next.description.metadata;
    return next.with({ metadata: { ...current, ...rest } });
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
  container(spec: Readonly<V1Container>): this {
    requireObject("container", spec);
    return this.with({ containers: [...this.description.containers, spec] });
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
  initContainer(spec: Readonly<V1Container>): this {
    requireObject("initContainer", spec);
    return this.with({ initContainers: [...this.description.initContainers, spec] });
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
  volume(spec: Readonly<V1Volume>): this {
    requireObject("volume", spec);
    return this.with({ volumes: [...this.description.volumes, spec] });
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
  spec(spec: Readonly<PodSpecInput>): this {
    requireObject("spec", spec);
    const { containers, initContainers, volumes, ...rest } = spec;
    let next: this = this;
    for (const c of containers ?? []) next = next.container(c);
    for (const c of initContainers ?? []) next = next.initContainer(c);
    for (const v of volumes ?? []) next = next.volume(v);
    return next.with({ spec: { ...next.description.spec, ...rest } });
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
  defaults(spec: Readonly<Partial<V1Container>>): this {
    requireObject("defaults", spec);
    return this.with({ defaults: spec });
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
  inputFile(name: string, content: InputContent): this {
    requireString("inputFile", name);
    if (!isInputContent(content)) {
      throw new TypeError(
        `Cannot use inputFile("${name}", ${describeValue(content)}): expected a string, a Uint8Array, { path }, or a readable stream`,
      );
    }
    return this.with({ inputFiles: [...this.description.inputFiles, Object.freeze({ name, content })] });
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
  outputFiles(...globs: readonly string[]): this {
    for (const glob of globs) requireString("outputFiles", glob);
    return this.with({ outputFiles: [...this.description.outputFiles, ...globs] });
  }

  /**
   * Reads output values from a file as well as from log lines: the pod writes a JSON
   * object to `name` in the working directory (Airflow's `return.json`, Argo's
   * `valueFrom.path`); it is brought back with the output files (it adds the download
   * step when there are none) and its keys are merged over the values of
   * `::{"outputs":…}::` lines into `result.vars`. A file that is missing or not a JSON
   * object leaves `vars` as the lines made them and sets `result.outputValuesError`; the
   * run does not fail for it.
   *
   * @param name a file name relative to the working directory, not a glob
   * @default "outputs.json"
   * @example
   * ```ts
   * import { pod } from "podkit";
   * pod()
   *   .container({ name: "main", image: "busybox", command: ["sh", "-c", `echo '{"rows": 42}' > {{workingDir}}/outputs.json`] })
   *   .outputValuesFile(); // result.vars.rows === 42
   * ```
   */
  outputValuesFile(name = "outputs.json"): this {
    requireString("outputValuesFile", name);
    return this.with({ outputValuesFile: name });
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
  workingDir(path?: string): this {
    if (path !== undefined) requireString("workingDir", path);
    return this.with({ workingDir: path ?? DESCRIPTION_DEFAULTS.workingDir });
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
  fileSidecar(options: FileSidecarOptions): this {
    requireObject("fileSidecar", options);
    const merged: FileSidecar = { ...this.description.fileSidecar };
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
    return this.with({ fileSidecar: next });
  }

  #budget(method: keyof TimeoutInputs, value: DurationInput): this {
    requireDuration(method, value);
    return this.with({ timeouts: { ...this.description.timeouts, [method]: value } });
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
  waitUntilRunning(duration: DurationInput): this {
    return this.#budget("waitUntilRunning", duration);
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
  waitRunning(duration: DurationInput): this {
    return this.#budget("waitRunning", duration);
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
  waitForLogInterval(duration: DurationInput): this {
    return this.#budget("waitForLogInterval", duration);
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
  waitUntilReady(duration: DurationInput): this {
    return this.#budget("waitUntilReady", duration);
  }
}
