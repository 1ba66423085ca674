import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import type { KubeConfig, V1Container, V1Pod } from "@kubernetes/client-node";
import { match, P } from "ts-pattern";
import type { ConnectionOptions } from "../compile/description.ts";
import { formatDuration } from "../compile/duration.ts";
import { PodRunError, type PodRunFailure } from "../run/errors.ts";
import { FILE_TRANSFER, LABELS, type ExecutionPlan, type PlanStep, type PlanStepKind } from "../plan/plan.ts";
import type { CompiledPod, LogLine, OutputFile, PodEvent, RefusedEntry, RunResult } from "../run/result.ts";
import type { ProgressEvent, RunOptions, Runner } from "../run/runner.ts";
import { Backoff, delay } from "./backoff.ts";
import { KubernetesClient } from "./client.ts";
import { loadKubeConfig, resolveNamespace } from "./connection.ts";
import { downloadOutputs } from "./transfer/download.ts";
import { followPodEvents, formatEvents, listPodEvents } from "./watch/pod_events.ts";
import { touchMarker, type ExecTarget } from "./transfer/exec.ts";
import { LogCollector } from "./logs/log_collector.ts";
import { followContainerLogs, type FollowLogsReport } from "./logs/follow.ts";
import { collectOutputValues } from "./logs/output_values.ts";
import { containerResults, firstFailure, hasStarted, observePod, podMilestones, type PodLayout, type PodObservation } from "./watch/pod_state.ts";
import { PodTracker, type PodSnapshot, type UntilOutcome } from "./watch/pod_tracker.ts";
import { uploadInputs } from "./transfer/upload.ts";
import { watchPod } from "./watch/watch.ts";

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
 * A run in progress: its log lines as they arrive, and its outcome. Await `result` (or
 * attach a handler to it) even when only the logs matter: it rejects when the run fails.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { KubernetesRunner, type RunHandle } from "podkit/kubernetes";
 * const handle: RunHandle = new KubernetesRunner().start(pod().container({ name: "main", image: "busybox", command: ["seq", "3"] }).compile());
 * for await (const line of handle.logs) console.log(line.line);
 * await handle.result;
 * ```
 */
export interface RunHandle {
  /**
   * Every log line of the user containers, in arrival order (in order per container).
   * Each iteration starts from the first line, whenever it begins, and ends when the run
   * settles, whether it succeeded or not.
   */
  readonly logs: AsyncIterable<LogLine>;
  /** Resolves with the result, or rejects with a {@link PodRunError}. */
  readonly result: Promise<RunResult>;
}

/**
 * The environment variable that holds the run's output nonce in every user container when
 * `outputNonce` is on. Output lines must then read `::podkit-<nonce>::{"outputs":{…}}::`,
 * which log text from elsewhere cannot forge.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { OUTPUT_NONCE_ENV } from "podkit/kubernetes";
 * pod()
 *   .outputNonce()
 *   .container({ name: "main", image: "busybox", command: ["sh", "-c", `echo "::podkit-$${OUTPUT_NONCE_ENV}::{\"outputs\":{\"ok\":true}}::"`] });
 * ```
 */
export const OUTPUT_NONCE_ENV = "PODKIT_OUTPUT_NONCE";

const RUN_ID = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Runs compiled pods on a Kubernetes cluster and brings back everything they produced:
 * logs (lossless, byte-exact, per container), exit codes, output files and output values.
 *
 * Each run executes the plan's steps in order: create the pod (or reattach to the pod of
 * the same run id), wait until it is scheduled and started (failing fast on image and
 * configuration errors), upload input files, follow the logs, wait for the user
 * containers to end, download output files, parse output values, and delete the pod.
 * Waits are driven by a pod watch, never by polling. A failed container rejects the run
 * with a {@link PodRunError} whose `result` still holds the logs, files and values.
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
    return this.start(compiled, options).result;
  }

  /**
   * Starts a run and returns at once with its log lines as an async iterable and its
   * result as a promise. `run()` is `start().result`.
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
    const collector = new LogCollector(options.onLog);
    const execution = new Execution(compiled, options, collector, this.#options);
    const result = execution.execute().finally(() => collector.close());
    return { logs: collector, result };
  }
}

/** A failure found while waiting, turned into a {@link PodRunError} with events later. */
class StepFailure extends Error {
  readonly reason: PodRunFailure;
  readonly step: PlanStepKind;
  readonly exitCode: number | undefined;

  constructor(reason: PodRunFailure, step: PlanStepKind, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.step = step;
    this.exitCode = options.exitCode;
  }
}

/** The reasons after which the pod cannot have finished: it is deleted whatever `delete` says. */
const UNFINISHED: ReadonlySet<PodRunFailure> = new Set(["Aborted", "Timeout", "Unschedulable", "ImagePull", "ConfigError", "ApiError"]);

/** One run of one compiled pod. */
class Execution {
  readonly #compiled: CompiledPod;
  readonly #plan: ExecutionPlan;
  readonly #options: RunOptions;
  readonly #runnerOptions: KubernetesRunnerOptions;
  readonly #logs: LogCollector;
  readonly #layout: PodLayout;
  readonly #controller = new AbortController();
  readonly #logController = new AbortController();
  readonly #startupController = new AbortController();
  #eventsFollowed: Promise<void> | undefined;
  readonly #startedAt = performance.now();
  readonly #stepMs: Record<string, number> = {};
  readonly #followers = new Map<string, Promise<FollowLogsReport>>();

  #step: PlanStepKind = "create";
  #client: KubernetesClient | undefined;
  #namespace: string;
  #runId: string;
  #nonce: string | undefined;
  #pod: V1Pod | undefined;
  #podName: string | undefined;
  #uid: string | undefined;
  #pendingCreate: Promise<V1Pod> | undefined;
  #tracker: PodTracker | undefined;
  #unsubscribe: (() => void) | undefined;
  #following: readonly string[] = [];
  #resumed = false;
  #deleted = false;
  #deleting = false;
  #finished = false;
  #startupDeadline = Number.POSITIVE_INFINITY;
  #failure: StepFailure | undefined;
  #outputDir: string | undefined;
  #outputFiles: readonly OutputFile[] = [];
  #refused: readonly RefusedEntry[] = [];
  #vars: Record<string, unknown> = {};
  #events: readonly PodEvent[] = [];
  #callbackError: unknown;
  #lastWaitingFor: string | undefined;
  readonly #incompleteLogs: { container: string; reason: string }[] = [];
  #quietCutoffMs: number | undefined;
  #logActivity = 0;

  constructor(compiled: CompiledPod, options: RunOptions, logs: LogCollector, runnerOptions: KubernetesRunnerOptions) {
    this.#compiled = compiled;
    this.#plan = compiled.plan;
    this.#options = options;
    this.#runnerOptions = runnerOptions;
    this.#logs = logs;
    this.#layout = { containers: this.#plan.containers, initContainers: this.#plan.initContainers };
    this.#namespace = this.#plan.namespace;
    this.#runId = this.#plan.runId ?? randomUUID();
    this.#nonce = this.#plan.outputNonce ? randomBytes(12).toString("hex") : undefined;
  }

  get #signal(): AbortSignal {
    return this.#controller.signal;
  }

  get #where(): string {
    return `pod "${this.#namespace}/${this.#podName ?? this.#plan.podName ?? `${this.#plan.generateName}…`}"`;
  }

  async execute(): Promise<RunResult> {
    const userSignal = this.#options.signal;
    const onAbort = (): void => this.#controller.abort(userSignal?.reason);
    let result: RunResult;
    let settled: PodRunError | undefined;
    let setUp = false;
    try {
      if (userSignal?.aborted) throw new StepFailure("Aborted", "create", "The run was aborted before it started", { cause: userSignal.reason });
      userSignal?.addEventListener("abort", onAbort, { once: true });
      if (!RUN_ID.test(this.#runId)) {
        throw new TypeError(`Cannot use run id "${this.#runId}": a label value has at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
      }
      const connection = this.#plan.connection ?? this.#runnerOptions.connection;
      const kubeConfig = this.#runnerOptions.kubeConfig ?? (await loadKubeConfig(connection));
      this.#client = new KubernetesClient(kubeConfig);
      this.#namespace = resolveNamespace(kubeConfig, this.#plan.namespace, connection);
      setUp = true;

      for (const step of this.#plan.steps) {
        this.#step = step.kind;
        this.#signal.throwIfAborted();
        const started = performance.now();
        try {
          await this.#run(step);
        } finally {
          // Recorded for a failed step too: where the time went is part of the story.
          this.#stepMs[step.kind] = (this.#stepMs[step.kind] ?? 0) + Math.round(performance.now() - started);
        }
      }
      result = this.#result();
      if (this.#failure !== undefined) {
        settled = await this.#runError(this.#failure, result);
        throw settled;
      }
    } catch (error) {
      if (error === settled) throw error;
      // Bad arguments (run id, connection options) are the caller's to fix. Later
      // TypeErrors are failures of the run (fetch reports a refused connection as one).
      if (error instanceof TypeError && !setUp) throw error;
      throw await this.#fail(error);
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
      await this.#shutdown();
    }
    const callbackError = this.#logs.callbackError ?? this.#callbackError;
    if (callbackError !== undefined) throw callbackError;
    return result;
  }

  #run(step: PlanStep): Promise<void> {
    return match(step)
      .with({ kind: "create" }, (s) => this.#create(s.resume))
      .with({ kind: "waitScheduled" }, (s) => this.#waitScheduled(s.budgetMs))
      .with({ kind: "uploadInputs" }, (s) => this.#uploadInputs(s))
      .with({ kind: "waitRunning" }, (s) => this.#waitRunning(s.budgetMs))
      .with({ kind: "waitReady" }, (s) => this.#waitReady(s.budgetMs))
      .with({ kind: "followLogs" }, (s) => this.#followLogs(s.containers))
      .with({ kind: "waitCompletion" }, (s) => this.#waitCompletion(s.budgetMs, s.lateLogBudgetMs))
      .with({ kind: "downloadOutputs" }, (s) => this.#downloadOutputs(s))
      .with({ kind: "collectOutputValues" }, (s) => this.#collectOutputValues(s.nonce))
      .with({ kind: "delete" }, (s) => this.#deleteStep(s.enabled))
      .exhaustive();
  }

  // ---------------------------------------------------------------- steps

  async #create(resume: boolean): Promise<void> {
    const client = this.#requireClient();
    let pod: V1Pod | undefined;
    if (resume) pod = await raceAbort(this.#findRunPod(), this.#signal);
    if (pod !== undefined) {
      this.#resumed = true;
    } else {
      const body = this.#manifest();
      this.#pendingCreate = client.createPod(this.#namespace, body);
      // The start-up budget covers an API server that does not answer, too.
      const budget = AbortSignal.timeout(this.#plan.timeouts.waitUntilRunningMs);
      try {
        pod = await raceAbort(this.#pendingCreate, AbortSignal.any([this.#signal, budget]));
      } catch (error) {
        if (this.#signal.aborted) throw error;
        if (budget.aborted) {
          throw new StepFailure("Timeout", "create", `Cannot create ${this.#where}: the API server did not answer within ${formatDuration(this.#plan.timeouts.waitUntilRunningMs)} (waitUntilRunning)`);
        }
        this.#pendingCreate = undefined;
        if (apiCode(error) === 409 && resume && this.#plan.podName !== undefined) {
          const existing = await client.readPod(this.#namespace, this.#plan.podName).catch(() => undefined);
          if (existing?.metadata?.labels?.[LABELS.runId] === this.#runId && existing.metadata.deletionTimestamp == null) {
            pod = existing;
            this.#resumed = true;
          }
        }
        if (pod === undefined) {
          throw new StepFailure("ApiError", "create", `Cannot create ${this.#where}: ${apiMessage(error)}${apiCode(error) === 409 ? "; choose another name, delete that pod, or give the same run id to reattach" : ""}`, {
            cause: error,
          });
        }
      }
    }
    if (resume && !this.#resumed) pod = await this.#settleDuplicate(pod);
    this.#adopt(pod);
    this.#progress("create", this.#resumed ? `Reattached to pod "${this.#podName}"` : `Created pod "${this.#podName}"`);
    this.#startupDeadline = Date.now() + this.#plan.timeouts.waitUntilRunningMs;
    const source = client.podWatchSource(this.#namespace, this.#podName as string);
    this.#tracker = new PodTracker(watchPod(source, { signal: this.#signal }), pod);
    this.#unsubscribe = this.#tracker.subscribe(() => this.#onPodUpdate());
    if (this.#options.onProgress !== undefined) {
      // What the scheduler and the kubelet report while the pod starts (pulling, back-off,
      // failed scheduling, …), as it happens; followed until the containers run.
      this.#eventsFollowed = followPodEvents(client, this.#namespace, this.#podName as string, {
        signal: this.#startupController.signal,
        onEvent: (e) => {
          // The scheduler's "Successfully assigned …" says what the milestone "Scheduled on
          // node …" says: one line is enough.
          if (e.type !== "Warning" && e.reason === "Scheduled") return;
          this.#progress(this.#step, `${e.type === "Warning" ? "Warning: " : ""}${e.reason}: ${e.message}`);
        },
      });
    }
  }

  /** The run's pod to reattach to: the oldest alive one, which every caller agrees on. */
  async #findRunPod(): Promise<V1Pod | undefined> {
    const pods = await this.#requireClient().listPods(this.#namespace, `${LABELS.runId}=${this.#runId}`);
    return pods.filter((p) => p.metadata?.deletionTimestamp == null).sort(byAge)[0];
  }

  /**
   * Two calls with the same run id that both found no pod both create one. Each then looks
   * again: the one whose pod is not the oldest deletes it and reattaches to the oldest, so
   * the run keeps a single pod.
   */
  async #settleDuplicate(created: V1Pod): Promise<V1Pod> {
    const oldest = await this.#findRunPod().catch(() => undefined);
    if (oldest === undefined || oldest.metadata?.uid === created.metadata?.uid) return created;
    const name = created.metadata?.name;
    if (name !== undefined) {
      await this.#requireClient()
        .deletePod(this.#namespace, name, { gracePeriodSeconds: 0, ...(created.metadata?.uid === undefined ? {} : { uid: created.metadata.uid }) })
        .catch(() => undefined);
    }
    this.#resumed = true;
    return oldest;
  }

  #adopt(pod: V1Pod): void {
    this.#pod = pod;
    this.#podName = pod.metadata?.name;
    this.#uid = pod.metadata?.uid;
    if (this.#nonce !== undefined) {
      // A reattached pod prints the nonce it was created with, not this run's.
      const env = pod.spec?.containers.flatMap((c) => c.env ?? []).find((e) => e.name === OUTPUT_NONCE_ENV);
      if (env?.value !== undefined) this.#nonce = env.value;
    }
    if (this.#podName === undefined) throw new StepFailure("ApiError", "create", "The API server returned a pod without a name");
  }

  #manifest(): V1Pod {
    const manifest = structuredClone(this.#compiled.manifest) as V1Pod;
    manifest.metadata = { ...manifest.metadata, namespace: this.#namespace, labels: { ...manifest.metadata?.labels, [LABELS.runId]: this.#runId } };
    if (this.#nonce !== undefined && manifest.spec !== undefined) {
      const user = new Set([...this.#plan.containers, ...this.#plan.initContainers]);
      const withNonce = (c: V1Container): V1Container =>
        user.has(c.name) ? { ...c, env: [...(c.env ?? []).filter((e) => e.name !== OUTPUT_NONCE_ENV), { name: OUTPUT_NONCE_ENV, value: this.#nonce as string }] } : c;
      manifest.spec.containers = manifest.spec.containers.map(withNonce);
      if (manifest.spec.initContainers !== undefined) manifest.spec.initContainers = manifest.spec.initContainers.map(withNonce);
    }
    return manifest;
  }

  async #waitScheduled(budgetMs: number): Promise<void> {
    const budget = Math.min(budgetMs, this.#plan.timeouts.waitUntilRunningMs);
    const outcome = await this.#until((o) => (o.scheduled || o.userDone ? o : undefined), this.#deadline(budget, true));
    if (outcome.kind === "deadline") throw this.#startupTimeout(outcome.snapshot, budget);
    if (outcome.value.nodeName !== undefined) this.#progress("waitScheduled", `Scheduled on node "${outcome.value.nodeName}"`);
  }

  async #uploadInputs(step: Extract<PlanStep, { kind: "uploadInputs" }>): Promise<void> {
    const wanted = new Set(step.files);
    const files = this.#plan.inputFiles.filter((f) => wanted.has(f.name));
    if (files.length === 0) return;
    const budget = this.#plan.timeouts.waitUntilRunningMs;
    const outcome = await this.#until((o) => {
      const init = o.transferInit.kind;
      if (init === "running") return "upload" as const;
      // Reattached after the inputs were delivered: nothing to do.
      if (init === "terminated" || o.userStarted) return "done" as const;
      return undefined;
    }, this.#deadline(budget, true));
    if (outcome.kind === "deadline") throw this.#startupTimeout(outcome.snapshot, budget);
    if (outcome.value === "done") return;
    this.#progress("uploadInputs", `Uploading ${files.length} input file${files.length === 1 ? "" : "s"}`);
    try {
      const uploaded = await uploadInputs(this.#target(step.container), {
        workingDir: step.workingDir,
        files,
        marker: FILE_TRANSFER.readyMarker,
        signal: this.#signal,
        onProgress: (bytes, total) => this.#progress("uploadInputs", "Uploading input files", { bytes, ...(total === undefined ? {} : { totalBytes: total }) }),
      });
      this.#progress("uploadInputs", `Uploaded ${uploaded.files.length} file${uploaded.files.length === 1 ? "" : "s"} (${formatBytes(uploaded.bytes)})`, {
        bytes: uploaded.bytes,
      });
    } catch (error) {
      if (this.#signal.aborted) throw error;
      if (await this.#deletedByOthers()) {
        throw new StepFailure("DeletedExternally", "uploadInputs", `${capitalize(this.#where)} was deleted by someone else while podkit was uploading input files: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw new StepFailure("TransferFailed", "uploadInputs", `Cannot upload input files to ${this.#where}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #waitRunning(budgetMs: number): Promise<void> {
    const budget = Math.min(budgetMs, this.#plan.timeouts.waitUntilRunningMs);
    const outcome = await this.#until((o) => (o.userStarted ? o : undefined), this.#deadline(budget, true));
    if (outcome.kind === "deadline") throw this.#startupTimeout(outcome.snapshot, budget);
    this.#startupController.abort();
    this.#progress("waitRunning", outcome.value.userDone ? "Containers already finished" : "Running");
  }

  async #waitReady(budgetMs: number): Promise<void> {
    if (budgetMs <= 0) return;
    const outcome = await this.#until((o, s) => {
      const ready = s.pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return ready || o.userDone ? o : undefined;
    }, this.#deadline(budgetMs, false));
    if (outcome.kind === "deadline") {
      throw new StepFailure("Timeout", "waitReady", `${capitalize(this.#where)} was not ready within ${formatDuration(budgetMs)}`);
    }
    this.#progress("waitReady", "Ready");
  }

  #followLogs(containers: readonly string[]): Promise<void> {
    this.#following = containers;
    this.#startFollowers();
    return Promise.resolve();
  }

  async #waitCompletion(budgetMs: number, lateLogBudgetMs: number): Promise<void> {
    const outcome = await this.#until((o) => {
      if (o.evicted !== undefined) throw new StepFailure("Evicted", "waitCompletion", `${capitalize(this.#where)} was evicted: ${o.evicted}`);
      if (o.deadlineExceeded !== undefined) {
        throw new StepFailure("Timeout", "waitCompletion", `${capitalize(this.#where)} ran past its activeDeadlineSeconds: ${o.deadlineExceeded}`);
      }
      return o.userDone ? o : undefined;
    }, this.#deadline(budgetMs, false));
    if (outcome.kind === "deadline") {
      throw new StepFailure("Timeout", "waitCompletion", `${capitalize(this.#where)} did not finish within ${formatDuration(budgetMs)} (waitRunning)`);
    }
    this.#finished = true;
    this.#progress("waitCompletion", "User containers finished; collecting");
    this.#startFollowers();
    await this.#drainLogs(lateLogBudgetMs);

    const results = containerResults(this.#currentPod(), this.#layout);
    const failure = firstFailure(results);
    if (failure !== undefined) {
      const message = failure.oomKilled
        ? `Container "${failure.container}" of ${this.#where} was killed for exceeding its memory limit (OOMKilled, exit code ${failure.exitCode})`
        : `Container "${failure.container}" of ${this.#where} failed with exit code ${failure.exitCode} (${failure.reason})${failure.message ? `: ${failure.message.trim()}` : ""}`;
      this.#failure = new StepFailure(failure.oomKilled ? "OOMKilled" : "ContainerFailed", "waitCompletion", message, { exitCode: failure.exitCode });
    }
  }

  async #downloadOutputs(step: Extract<PlanStep, { kind: "downloadOutputs" }>): Promise<void> {
    // The kubelet starts containers one after another: a user container that ends at once
    // can be done before the sidecar, listed after it, has started. Wait for it to start.
    try {
      await this.#until((o, s) => {
        const starting = o.sidecar.kind === "absent" || (o.sidecar.kind === "waiting" && ["ContainerCreating", "PodInitializing"].includes(o.sidecar.reason));
        return s.deleted || !starting ? o : undefined;
      }, this.#deadline(this.#plan.timeouts.waitUntilRunningMs, false));
    } catch (error) {
      if (this.#signal.aborted) throw error;
    }
    const observation = observePod(this.#currentPod(), this.#layout);
    if (this.#tracker?.snapshot.deleted || observation.sidecar.kind !== "running") {
      // The sidecar never ran (an init container failed) or a previous run of the same
      // id already released it: there is nothing left to read.
      this.#refused = [
        { name: step.globs.join(", "), type: "outputs", reason: `the ${FILE_TRANSFER.sidecar} container is not running (${observation.sidecar.kind})` },
      ];
      return;
    }
    this.#outputDir = this.#options.outputDir ?? (await mkdtemp(join(tmpdir(), "podkit-outputs-")));
    this.#progress("downloadOutputs", `Collecting output files into ${this.#outputDir}`);
    const target = this.#target(step.container);
    try {
      const downloaded = await downloadOutputs(target, {
        workingDir: step.workingDir,
        globs: step.globs,
        outputDir: this.#outputDir,
        signal: this.#signal,
        onProgress: (bytes) => this.#progress("downloadOutputs", "Collecting output files", { bytes }),
      });
      this.#outputFiles = downloaded.files;
      this.#refused = downloaded.refused;
      this.#progress("downloadOutputs", `Collected ${downloaded.files.length} file${downloaded.files.length === 1 ? "" : "s"} (${formatBytes(downloaded.bytes)})`, {
        bytes: downloaded.bytes,
      });
    } catch (error) {
      if (this.#signal.aborted) throw error;
      const failure = (await this.#deletedByOthers())
        ? new StepFailure("DeletedExternally", "downloadOutputs", `${capitalize(this.#where)} was deleted by someone else while podkit was downloading output files: ${(error as Error).message}`, {
            cause: error,
          })
        : new StepFailure("TransferFailed", "downloadOutputs", `Cannot download output files from ${this.#where}: ${(error as Error).message}`, {
            cause: error,
          });
      // A failed container explains more than a failed download: keep it first, and say
      // in the result why the outputs are missing.
      this.#refused = [{ name: step.globs.join(", "), type: "outputs", reason: failure.message }];
      this.#failure ??= failure;
    } finally {
      if (!this.#signal.aborted) {
        try {
          // Lets the sidecar exit, so that a kept pod ends instead of idling.
          await touchMarker(target, posix.join(step.workingDir, FILE_TRANSFER.endedMarker), { signal: this.#signal });
        } catch (error) {
          if (!this.#plan.delete && !this.#signal.aborted) {
            this.#failure ??= new StepFailure("TransferFailed", "downloadOutputs", `Cannot release the ${FILE_TRANSFER.sidecar} container of ${this.#where}: ${(error as Error).message}`, {
              cause: error,
            });
          }
        }
      }
    }
  }

  #collectOutputValues(nonce: boolean): Promise<void> {
    this.#vars = collectOutputValues(
      this.#logs.lines.map((l) => l.line),
      nonce ? this.#nonce : undefined,
    );
    return Promise.resolve();
  }

  async #deleteStep(enabled: boolean): Promise<void> {
    this.#events = await this.#readEvents();
    if (!enabled) return;
    await this.#deletePod(undefined);
    this.#progress("delete", `Deleted pod "${this.#podName}"`);
  }

  /**
   * Whether someone else deleted the pod (or is deleting it): a transfer that breaks
   * because its container was killed is then told as the deletion it is. Asks the API
   * server when the watch has not told yet.
   */
  async #deletedByOthers(): Promise<boolean> {
    if (this.#deleting || this.#podName === undefined) return false;
    const snapshot = this.#tracker?.snapshot;
    if (snapshot?.deleted === true || snapshot?.pod?.metadata?.deletionTimestamp != null) return true;
    try {
      const pod = await this.#requireClient().readPod(this.#namespace, this.#podName);
      return pod.metadata?.deletionTimestamp != null || (this.#uid !== undefined && pod.metadata?.uid !== this.#uid);
    } catch (error) {
      return apiCode(error) === 404;
    }
  }

  // ---------------------------------------------------------------- waiting

  #deadline(budgetMs: number, startup: boolean): number {
    const own = Date.now() + budgetMs;
    return startup ? Math.min(own, this.#startupDeadline) : own;
  }

  /**
   * Waits on the pod watch until `check` gives a value. Deletion by someone else and
   * start-up failures (image pull, container configuration) end every wait at once.
   */
  #until<T>(check: (o: PodObservation, s: PodSnapshot) => T | undefined, deadline: number): Promise<UntilOutcome<T>> {
    const tracker = this.#requireTracker();
    const step = this.#step;
    return tracker.until((snapshot) => {
      const pod = snapshot.pod ?? this.#pod;
      if (pod === undefined) return undefined;
      const observation = observePod(pod, this.#layout);
      if (snapshot.deleted && !this.#deleting && !observation.userDone) {
        throw new StepFailure("DeletedExternally", step, `${capitalize(this.#where)} was deleted by someone else while podkit was waiting for it (${step})`);
      }
      if (observation.deleting && !this.#deleting && !observation.userDone) {
        throw new StepFailure("DeletedExternally", step, `${capitalize(this.#where)} is being deleted by someone else while podkit was waiting for it (${step})`);
      }
      if (observation.fatal !== undefined && !observation.userDone) {
        const f = observation.fatal;
        const what = f.reason === "ImagePull" ? "cannot pull its image" : "cannot be created";
        throw new StepFailure(f.reason, step, `Cannot start ${this.#where}: container "${f.container}" ${what} (${f.waitingReason}): ${f.message}`);
      }
      return check(observation, snapshot);
    }, { signal: this.#signal, deadline });
  }

  #startupTimeout(snapshot: PodSnapshot, budgetMs: number): StepFailure {
    const observation = observePod(snapshot.pod ?? this.#currentPod(), this.#layout);
    if (!observation.scheduled && observation.unschedulable !== undefined) {
      return new StepFailure("Unschedulable", this.#step, `Cannot schedule ${this.#where} within ${formatDuration(budgetMs)} (waitUntilRunning): ${observation.unschedulable}`);
    }
    const waiting = observation.waitingFor === undefined ? "" : ` (containers waiting: ${observation.waitingFor})`;
    return new StepFailure("Timeout", this.#step, `${capitalize(this.#where)} did not start within ${formatDuration(budgetMs)} (waitUntilRunning)${waiting}`);
  }

  #onPodUpdate(): void {
    const snapshot = this.#tracker?.snapshot;
    if (snapshot?.pod !== undefined) this.#pod = snapshot.pod;
    if (this.#following.length > 0) this.#startFollowers();
    if (snapshot?.pod === undefined || this.#finished) return;
    const observation = observePod(snapshot.pod, this.#layout);
    if (observation.scheduled && observation.waitingFor !== undefined && observation.waitingFor !== this.#lastWaitingFor && !observation.userStarted) {
      this.#lastWaitingFor = observation.waitingFor;
      const message = match(observation.waitingFor)
        .with("ContainerCreating", () => "Pulling images and creating containers")
        .with("PodInitializing", () => "Initializing")
        .otherwise((reason) => `Waiting: ${reason}`);
      this.#progress(this.#step, message);
    }
  }

  // ---------------------------------------------------------------- logs

  #startFollowers(): void {
    const snapshot = this.#tracker?.snapshot;
    const pod = snapshot?.pod ?? this.#pod;
    if (pod === undefined || this.#logController.signal.aborted) return;
    const observation = observePod(pod, this.#layout);
    for (const container of this.#following) {
      if (this.#followers.has(container)) continue;
      const state = observation.user.find((c) => c.name === container);
      if (state === undefined || !hasStarted(state.phase)) continue;
      const follower = followContainerLogs({
        source: this.#requireClient().logSource(this.#namespace, this.#podName as string),
        container,
        signal: this.#logController.signal,
        onLine: (line) => this.#logs.add(line),
        terminated: () => this.#containerTerminated(container),
        onActivity: () => (this.#logActivity += 1),
      })
        .catch((error: unknown): FollowLogsReport => ({ lines: 0, reopened: 0, incomplete: String(error) }))
        .then((report) => {
          if (report.incomplete !== undefined) {
            const reason = this.#quietCutoffMs === undefined ? report.incomplete : `no line arrived for ${this.#quietCutoffMs} ms (waitForLogInterval) after the container ended`;
            this.#incompleteLogs.push({ container, reason });
          }
          return report;
        });
      this.#followers.set(container, follower);
    }
  }

  #containerTerminated(container: string): boolean {
    const snapshot = this.#tracker?.snapshot;
    if (snapshot === undefined || snapshot.deleted) return true;
    const pod = snapshot.pod ?? this.#pod;
    if (pod === undefined) return false;
    const observation = observePod(pod, this.#layout);
    if (observation.phase === "Succeeded" || observation.phase === "Failed") return true;
    return observation.user.find((c) => c.name === container)?.phase.kind === "terminated";
  }

  /**
   * Lets the followers read to the end of every log. `budgetMs` bounds the silence, not
   * the reading: a follower still receiving bytes (new lines, or the replay a reconciling
   * read skips) is never cut off, one that receives nothing for `budgetMs` is stopped. No
   * wait at all once every log is complete.
   */
  async #drainLogs(budgetMs: number): Promise<void> {
    const all = Promise.all(this.#followers.values()).then(() => "done" as const);
    // Bytes that only replay seen lines count as life, but not for ever: a stream that
    // breaks before it gets past its replay would otherwise be waited on without end.
    const stuckMs = Math.max(4 * budgetMs, 30_000);
    let activity = this.#logActivity;
    let lines = this.#logs.lines.length;
    let quietSince = Date.now();
    let stuckSince = Date.now();
    while (true) {
      const timer = new AbortController();
      const tick = delay(Math.min(Math.max(0, quietSince + budgetMs - Date.now()), 1000), timer.signal).then(
        () => "tick" as const,
        () => "tick" as const,
      );
      const outcome = await Promise.race([all, tick]);
      timer.abort();
      if (outcome === "done") return;
      const now = Date.now();
      if (this.#logs.lines.length !== lines) {
        lines = this.#logs.lines.length;
        stuckSince = now;
      }
      if (this.#logActivity !== activity) {
        activity = this.#logActivity;
        quietSince = now;
      }
      if (now - quietSince >= budgetMs || now - stuckSince >= stuckMs) {
        this.#quietCutoffMs = budgetMs;
        this.#logController.abort();
        await all;
        return;
      }
    }
  }

  // ---------------------------------------------------------------- failure and cleanup

  async #fail(error: unknown): Promise<PodRunError> {
    const aborted = this.#options.signal?.aborted === true;
    const failure: StepFailure = aborted
      ? new StepFailure("Aborted", this.#step, `The run of ${this.#where} was aborted${this.#podName === undefined && this.#pendingCreate === undefined ? " before the pod was created" : "; the pod was deleted"}`, {
          cause: this.#options.signal?.reason,
        })
      : error instanceof StepFailure
        ? error
        : new StepFailure("ApiError", this.#step, `Cannot run ${this.#where}: ${apiMessage(error)}`, { cause: error });
    if (!aborted && failure.reason !== "DeletedExternally" && observePod(this.#currentPod(), this.#layout).userDone) {
      // Whatever the containers wrote explains the failure: read it to the end first.
      this.#finished = true;
      await this.#drainLogs(Math.min(this.#plan.timeouts.waitForLogIntervalMs, 5000));
    }
    this.#logController.abort();
    await Promise.all(this.#followers.values());
    if (this.#podName !== undefined || this.#pendingCreate !== undefined) {
      this.#events = await this.#readEvents();
      const finished = observePod(this.#currentPod(), this.#layout).userDone;
      const mustDelete = this.#plan.delete || UNFINISHED.has(failure.reason) || !finished;
      if (mustDelete && failure.reason !== "DeletedExternally") {
        // A pod that could not finish is stopped at once; one that ended has nothing to stop.
        await this.#deletePod(aborted || UNFINISHED.has(failure.reason) || !finished ? 0 : undefined).catch(() => undefined);
      }
    }
    this.#vars = collectOutputValues(
      this.#logs.lines.map((l) => l.line),
      this.#plan.outputNonce ? this.#nonce : undefined,
    );
    return this.#runError(failure, this.#podName === undefined ? undefined : this.#result());
  }

  async #runError(failure: StepFailure, result: RunResult | undefined): Promise<PodRunError> {
    const events = result?.events ?? this.#events;
    const eventText = events.length > 0 && failure.reason !== "ContainerFailed" && failure.reason !== "Aborted" ? `\n--- pod events ---\n${formatEvents(events)}` : "";
    const pod = this.#pod;
    return new PodRunError(`${failure.message}${eventText}`, {
      reason: failure.reason,
      step: failure.step,
      namespace: this.#namespace,
      ...(this.#podName === undefined ? {} : { podName: this.#podName }),
      ...(pod?.status?.phase === undefined ? {} : { phase: result?.phase ?? pod.status.phase }),
      ...(failure.exitCode === undefined ? {} : { exitCode: failure.exitCode }),
      ...(pod === undefined ? {} : { containers: containerResults(pod, this.#layout) }),
      events,
      logTail: this.#logs.tail(20),
      ...(result === undefined ? {} : { result }),
      elapsedMs: Math.round(performance.now() - this.#startedAt),
      ...(failure.cause === undefined ? {} : { cause: failure.cause }),
    });
  }

  async #deletePod(gracePeriodSeconds: number | undefined): Promise<void> {
    const client = this.#requireClient();
    if (this.#podName === undefined && this.#pendingCreate !== undefined) {
      // Created while the run was being aborted: the pod exists, and must go too.
      const pod = await this.#pendingCreate.catch(() => undefined);
      if (pod !== undefined) this.#adopt(pod);
    }
    if (this.#podName === undefined) return;
    this.#deleting = true;
    // Leaving a pod behind is the one thing a run must not do: keep trying through a
    // restart of the API server (about half a minute) before giving up.
    const backoff = new Backoff({ initialMs: 250, maxMs: 5000 });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.deletePod(this.#namespace, this.#podName, {
          ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
          ...(this.#uid === undefined ? {} : { uid: this.#uid }),
        });
        this.#deleted = true;
        return;
      } catch (error) {
        if (attempt >= 10) throw new StepFailure("ApiError", "delete", `Cannot delete ${this.#where}: ${apiMessage(error)}`, { cause: error });
        await backoff.wait();
      }
    }
  }

  async #shutdown(): Promise<void> {
    this.#unsubscribe?.();
    this.#startupController.abort();
    this.#logController.abort();
    this.#controller.abort();
    await Promise.all([...this.#followers.values(), this.#tracker?.closed, this.#eventsFollowed]);
  }

  async #readEvents(): Promise<readonly PodEvent[]> {
    if (this.#podName === undefined || this.#client === undefined) return this.#events;
    return listPodEvents(this.#client, this.#namespace, this.#podName, this.#uid);
  }

  // ---------------------------------------------------------------- results

  #currentPod(): V1Pod {
    return this.#tracker?.snapshot.pod ?? this.#pod ?? {};
  }

  #result(): RunResult {
    const pod = this.#currentPod();
    const containers = containerResults(pod, this.#layout);
    const failure = firstFailure(containers);
    const observation = observePod(pod, this.#layout);
    const phase = observation.userDone ? (failure === undefined && observation.phase !== "Failed" ? "Succeeded" : "Failed") : observation.phase;
    const milestones = podMilestones(pod, this.#layout);
    return {
      podName: this.#podName ?? "",
      namespace: this.#namespace,
      ...(this.#uid === undefined ? {} : { uid: this.#uid }),
      runId: this.#runId,
      phase,
      exitCode: failure?.exitCode ?? 0,
      containers,
      logs: this.#logs.lines,
      ...(this.#incompleteLogs.length === 0 ? {} : { incompleteLogs: [...this.#incompleteLogs] }),
      vars: this.#vars,
      ...(this.#outputDir === undefined ? {} : { outputDir: this.#outputDir }),
      outputFiles: this.#outputFiles,
      refusedOutputs: this.#refused,
      events: this.#events,
      timings: { ...milestones, durationMs: Math.round(performance.now() - this.#startedAt), steps: { ...this.#stepMs } },
      resumed: this.#resumed,
      deleted: this.#deleted,
    };
  }

  // ---------------------------------------------------------------- helpers

  #progress(step: PlanStepKind, message: string, extra: { bytes?: number; totalBytes?: number } = {}): void {
    const onProgress = this.#options.onProgress;
    if (onProgress === undefined || this.#callbackError !== undefined) return;
    const event: ProgressEvent = { step, message, ...(this.#podName === undefined ? {} : { podName: this.#podName }), ...extra };
    try {
      onProgress(event);
    } catch (error) {
      this.#callbackError = error ?? new Error("The onProgress callback threw");
    }
  }

  #target(container: string): ExecTarget {
    return { kubeConfig: this.#requireClient().kubeConfig, namespace: this.#namespace, pod: this.#podName as string, container };
  }

  #requireClient(): KubernetesClient {
    if (this.#client === undefined) throw new Error("The runner has no client yet");
    return this.#client;
  }

  #requireTracker(): PodTracker {
    if (this.#tracker === undefined) throw new Error("The plan waits on the pod before creating it: the create step must come first");
    return this.#tracker;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

function apiCode(error: unknown): number | undefined {
  return match(error)
    .with({ code: P.number }, (e) => e.code)
    .with({ status: P.number }, (e) => e.status)
    .otherwise(() => undefined);
}

/** The API server's own explanation when it gave one, else the error's message. */
function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // Not a Status object.
    }
  } else if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string") {
    return (body as { message: string }).message;
  }
  const message = error instanceof Error ? error.message : String(error);
  // client-node's ApiException message appends the body and every response header (a
  // proxy's Set-Cookie included): keep the status and the server's word only.
  const api = /^HTTP-Code: (\d+)\nMessage: ([^\n]*)/.exec(message);
  return api === null ? message : `${api[2]} (HTTP ${api[1]})`;
}

/** Oldest first; the name breaks ties, so that every caller sorts alike. */
function byAge(a: V1Pod, b: V1Pod): number {
  const age = timeOf(a.metadata?.creationTimestamp) - timeOf(b.metadata?.creationTimestamp);
  return age !== 0 ? age : (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}

function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") return Date.parse(value) || 0;
  return 0;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
