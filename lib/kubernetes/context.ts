import { setTimeout as sleep } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { formatDuration } from "../compile/duration.ts";
import { OUTPUT_NONCE_ENV, type RunIdentity } from "../plan/identity.ts";
import { findStep, type ExecutionPlan, type PlanStepKind } from "../plan/plan.ts";
import type { RunEventStream } from "../run/event_stream.ts";
import type { RunEventInput } from "../run/events.ts";
import type { AttemptSummary, CompiledPod, IncompleteLog, LogLine, Metric, OutputFile, PodEvent, RefusedEntry } from "../run/result.ts";
import type { RunOptions } from "../run/runner.ts";
import { apiMessage, apiStatus } from "./api_error.ts";
import { Backoff } from "./backoff.ts";
import type { KubernetesClient } from "./client.ts";
import { capitalize, StepFailure } from "./step_failure.ts";
import type { LogFile } from "./logs/log_file.ts";
import { mergeOutputValues } from "./logs/output_values.ts";
import { parseProtocolLine } from "./logs/protocol.ts";
import { LogFollowers } from "./steps/logs.ts";
import type { ExecTarget } from "./transfer/exec.ts";
import { listPodEvents } from "./watch/pod_events.ts";
import { hasStarted, observePod, type PodLayout, type PodObservation } from "./watch/pod_state.ts";
import type { PodSnapshot, PodTracker, UntilOutcome } from "./watch/pod_tracker.ts";

/** What the steps collect for the result, in one place. */
export interface RunRecord {
  outputDir: string | undefined;
  outputFiles: readonly OutputFile[];
  refused: readonly RefusedEntry[];
  outputsError: string | undefined;
  vars: Record<string, unknown>;
  /** Why the output values file gave no values. */
  outputValuesError: string | undefined;
  podEvents: readonly PodEvent[];
  readonly incompleteLogs: IncompleteLog[];
  /** A failure found by a step that let the run go on (a failed container): raised at the end. */
  failure: StepFailure | undefined;
  readonly stepMs: Partial<Record<PlanStepKind, number>>;
}

/**
 * One run's context, passed to every step: the client, the namespace, the run's identity,
 * its signal and event sink, and the pod as the watch last saw it. Steps talk to each
 * other only through it.
 */
export class RunContext {
  readonly compiled: CompiledPod;
  readonly plan: ExecutionPlan;
  readonly layout: PodLayout;
  readonly client: KubernetesClient;
  readonly namespace: string;
  readonly runId: string;
  /** The attempt this context runs (from 1); a reattached pod's own replaces it. */
  attempt: number;
  /** The attempts before this one, for the result. */
  readonly previousAttempts: readonly AttemptSummary[];
  /** When this attempt started (`performance.now()`). */
  readonly attemptStartedAt = performance.now();
  /** The failure that ended this attempt, once the failure module told it. */
  lastFailure: StepFailure | undefined;
  /** The output nonce; a reattached pod's own replaces the drawn one. */
  nonce: string | undefined;
  readonly options: RunOptions;
  readonly events: RunEventStream;
  readonly record: RunRecord = {
    outputDir: undefined,
    outputFiles: [],
    refused: [],
    outputsError: undefined,
    vars: {},
    outputValuesError: undefined,
    podEvents: [],
    incompleteLogs: [],
    failure: undefined,
    stepMs: {},
  };
  /** Aborted when the caller aborts, and when the run ends: every step's waits end with it. */
  readonly controller = new AbortController();
  /** Aborted when the run ends: the pod watch lives this long, through a graceful stop. */
  readonly lifetime = new AbortController();
  /** Aborted once the containers run: ends what only start-up needs (following pod events). */
  readonly startupController = new AbortController();
  step: PlanStepKind = "create";
  /** The log followers of the user containers. */
  readonly logs: LogFollowers = new LogFollowers(this);

  podName: string | undefined;
  uid: string | undefined;
  #pod: V1Pod | undefined;
  /** A create request that may not have answered yet: its pod must be deleted too. */
  pendingCreate: Promise<V1Pod> | undefined;
  tracker: PodTracker | undefined;
  resumed = false;
  deleted = false;
  deleting = false;
  /** The user containers ended (or the run gave up on them): no more waiting on the pod. */
  finished = false;
  /** When the start-up budget ends, from the pod's creation. */
  startupDeadline = Number.POSITIVE_INFINITY;
  readonly #announced = new Set<string>();
  #lastWaitingFor: string | undefined;
  /** Called after every pod update, once the log step asked for it. */
  onPodUpdate: (() => void) | undefined;
  /** Work that runs beside the steps (following pod events); awaited at shutdown. */
  readonly background: Promise<unknown>[] = [];
  /** The run's overall deadline (`timeout`), when it has one. */
  readonly runDeadline: AbortSignal | undefined;
  /** Where this attempt's log lines start in the run's stream. */
  readonly lineStart: number;
  /** Someone may iterate the events: follow the pod's events while it starts even without callbacks. */
  readonly eventsWanted: boolean;
  /** Where every line is written too, when the caller asked for a file. */
  readonly #logFile: LogFile | undefined;
  /** The output values printed so far, merged as lines arrive (the lines need not be kept). */
  readonly #outputValues: Record<string, unknown> = {};
  /** The metrics printed so far, in order. */
  readonly metrics: Metric[] = [];
  /** Only lines with the run's nonce declare output values, metrics and structured logs. */
  readonly #nonceRequired: boolean;

  constructor(init: {
    compiled: CompiledPod;
    client: KubernetesClient;
    identity: RunIdentity;
    options: RunOptions;
    events: RunEventStream;
    eventsWanted: boolean;
    previousAttempts?: readonly AttemptSummary[];
    deadline?: AbortSignal | undefined;
    logFile?: LogFile | undefined;
  }) {
    this.eventsWanted = init.eventsWanted;
    this.#logFile = init.logFile;
    this.attempt = init.identity.attempt ?? 1;
    this.previousAttempts = init.previousAttempts ?? [];
    this.runDeadline = init.deadline;
    this.lineStart = init.events.lineCount;
    this.compiled = init.compiled;
    this.plan = init.compiled.plan;
    this.layout = { containers: this.plan.pod.containers, initContainers: this.plan.pod.initContainers };
    this.client = init.client;
    this.namespace = init.identity.namespace;
    this.runId = init.identity.runId;
    this.nonce = init.identity.nonce;
    this.options = init.options;
    this.events = init.events;
    this.#nonceRequired = findStep(this.plan, "collectOutputValues")?.nonce === true;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** This attempt's log lines that the run keeps (`keepLogs`). */
  lines(): readonly LogLine[] {
    return this.events.keptLines(this.lineStart);
  }

  /** How many log lines this attempt received, kept or not. */
  get lineCount(): number {
    return this.events.lineCount - this.lineStart;
  }

  /** This attempt's last log lines (at most 20), `container: line`. */
  logTail(): string[] {
    return this.events.tail(20, this.lineStart);
  }

  /**
   * Takes a log line of a user container: the event stream, the log file, and what a line
   * of Kestra's protocol declares. Output values and metrics are read from the line, which
   * stays a log line as printed; a line with `logs` is replaced by its entries, each a log
   * line with its `level`.
   */
  logLine(line: LogLine): void {
    const text = line.line;
    // Most lines are rejected on their first two bytes.
    const message = text.charCodeAt(0) === 58 /* : */ && text.charCodeAt(1) === 58 ? parseProtocolLine(text, this.#nonceRequired ? this.nonce : undefined) : undefined;
    if (message?.logs === undefined) this.#deliver(line);
    if (message === undefined) return;
    if (message.outputs !== undefined) mergeOutputValues(this.#outputValues, message.outputs);
    for (const entry of message.metrics ?? []) {
      const metric: Metric = { container: line.container, ...entry, timestamp: line.timestamp };
      this.metrics.push(metric);
      this.emit({ type: "metric", metric });
    }
    for (const entry of message.logs ?? []) this.#deliver({ container: line.container, line: entry.message, timestamp: line.timestamp, level: entry.level });
  }

  #deliver(line: LogLine): void {
    this.events.log(line);
    this.#logFile?.write(line);
  }

  /** The output values this attempt's lines declared so far, merged in order. */
  outputValues(): Record<string, unknown> {
    return { ...this.#outputValues };
  }

  /** `pod "namespace/name"`, for messages. */
  get where(): string {
    return `pod "${this.namespace}/${this.podName ?? this.plan.pod.name ?? `${this.plan.pod.generateName}…`}"`;
  }

  emit(event: RunEventInput): void {
    this.events.emit(event, this.step);
  }

  /** Takes a created or found pod as this run's. */
  adopt(pod: V1Pod): void {
    this.#pod = pod;
    this.podName = pod.metadata?.name;
    this.uid = pod.metadata?.uid;
    if (this.nonce !== undefined) {
      // A reattached pod prints the nonce it was created with, not this run's.
      const env = pod.spec?.containers.flatMap((c) => c.env ?? []).find((e) => e.name === OUTPUT_NONCE_ENV);
      if (env?.value !== undefined) this.nonce = env.value;
    }
    if (this.podName === undefined) throw new StepFailure("ApiError", "create", "The API server returned a pod without a name");
  }

  /** Starts tracking the adopted pod; every update announces what changed. */
  track(tracker: PodTracker): void {
    this.tracker = tracker;
    tracker.subscribe(() => this.#update());
    this.#update();
  }

  /** The latest version of the pod. */
  currentPod(): V1Pod {
    return this.tracker?.snapshot.pod ?? this.#pod ?? {};
  }

  /** What the latest version of the pod says, as the tracker published it. */
  observation(): PodObservation {
    return this.tracker?.snapshot.observation ?? observePod(this.currentPod(), this.layout);
  }

  target(container: string): ExecTarget {
    return { kubeConfig: this.client.kubeConfig, namespace: this.namespace, pod: this.podName as string, container };
  }

  /** An absolute deadline `budgetMs` from now; start-up waits end at the start-up deadline too. */
  deadline(budgetMs: number, startup: boolean): number {
    const own = Date.now() + budgetMs;
    return startup ? Math.min(own, this.startupDeadline) : own;
  }

  /**
   * Waits on the pod watch until `check` gives a value. Deletion by someone else and
   * start-up failures (image pull, container configuration) end every wait at once.
   */
  until<T>(check: (o: PodObservation, s: PodSnapshot) => T | undefined, deadline: number): Promise<UntilOutcome<T>> {
    const tracker = this.tracker;
    if (tracker === undefined) throw new Error("The plan waits on the pod before creating it: the create step must come first");
    const step = this.step;
    return tracker.until(
      (snapshot) => {
        const observation = snapshot.observation ?? (snapshot.pod === undefined ? undefined : observePod(snapshot.pod, this.layout));
        if (observation === undefined) return undefined;
        if ((snapshot.deleted || observation.deleting) && !this.deleting && !observation.userDone) {
          const how = snapshot.deleted ? "was deleted" : "is being deleted";
          throw new StepFailure("DeletedExternally", step, `${capitalize(this.where)} ${how} by someone else while podkit was waiting for it (${step})`);
        }
        if (observation.fatal !== undefined && !observation.userDone) {
          const f = observation.fatal;
          const what = f.reason === "ImagePull" ? "cannot pull its image" : "cannot be created";
          throw new StepFailure(f.reason, step, `Cannot start ${this.where}: container "${f.container}" ${what} (${f.waitingReason}): ${f.message}`);
        }
        return check(observation, snapshot);
      },
      { signal: this.signal, deadline },
    );
  }

  /** The failure of a start-up wait that ran out of budget: unschedulable, or a timeout. */
  startupTimeout(snapshot: PodSnapshot, budgetMs: number): StepFailure {
    const observation = snapshot.observation ?? observePod(snapshot.pod ?? this.currentPod(), this.layout);
    if (!observation.scheduled && observation.unschedulable !== undefined) {
      return new StepFailure("Unschedulable", this.step, `Cannot schedule ${this.where} within ${formatDuration(budgetMs)} (waitUntilRunning): ${observation.unschedulable}`);
    }
    const waiting = observation.waitingFor === undefined ? "" : ` (containers waiting: ${observation.waitingFor})`;
    return new StepFailure("Timeout", this.step, `${capitalize(this.where)} did not start within ${formatDuration(budgetMs)} (waitUntilRunning)${waiting}`);
  }

  /**
   * Whether someone else deleted the pod (or is deleting it): a transfer that breaks
   * because its container was killed is then told as the deletion it is. Asks the API
   * server when the watch has not told yet.
   */
  async deletedByOthers(): Promise<boolean> {
    if (this.deleting || this.podName === undefined) return false;
    const snapshot = this.tracker?.snapshot;
    if (snapshot?.deleted === true || snapshot?.pod?.metadata?.deletionTimestamp != null) return true;
    try {
      const pod = await this.client.readPod(this.namespace, this.podName);
      return pod.metadata?.deletionTimestamp != null || (this.uid !== undefined && pod.metadata?.uid !== this.uid);
    } catch (error) {
      return apiStatus(error) === 404;
    }
  }

  /** The pod's Kubernetes events, or what was read before when there is no pod. */
  async readPodEvents(): Promise<readonly PodEvent[]> {
    if (this.podName === undefined) return this.record.podEvents;
    this.record.podEvents = await listPodEvents(this.client, this.namespace, this.podName, this.uid);
    return this.record.podEvents;
  }

  /**
   * Deletes the pod (also one whose create request is still pending). Leaving a pod behind
   * is the one thing a run must not do: it keeps trying through a restart of the API
   * server (about half a minute) before giving up.
   */
  async deletePod(gracePeriodSeconds: number | undefined): Promise<void> {
    if (this.podName === undefined && this.pendingCreate !== undefined) {
      // Created while the run was being aborted: the pod exists, and must go too.
      const pod = await this.pendingCreate.catch(() => undefined);
      if (pod !== undefined) this.adopt(pod);
    }
    if (this.podName === undefined) return;
    this.deleting = true;
    const backoff = new Backoff({ initialMs: 250, maxMs: 5000 });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.deletePod(this.namespace, this.podName, {
          ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
          ...(this.uid === undefined ? {} : { uid: this.uid }),
        });
        this.deleted = true;
        this.emit({ type: "deleted", podName: this.podName, ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) });
        return;
      } catch (error) {
        if (attempt >= 10) throw new StepFailure("ApiError", "delete", `Cannot delete ${this.where}: ${apiMessage(error)}`, { cause: error });
        await sleep(backoff.next());
      }
    }
  }

  /** Announces what changed in the pod: containers waiting, started and ended. */
  #update(): void {
    const snapshot = this.tracker?.snapshot;
    if (snapshot?.pod !== undefined) this.#pod = snapshot.pod;
    if (snapshot?.pod !== undefined) this.#announce();
    // Followers start after the announcements: a container's `started` comes before its lines.
    this.onPodUpdate?.();
  }

  #announce(): void {
    const observation = this.observation();
    if (observation.nodeName !== undefined && !this.#announced.has("scheduled")) {
      this.#announced.add("scheduled");
      this.emit({ type: "scheduled", node: observation.nodeName });
    }
    if (!this.finished && observation.scheduled && observation.waitingFor !== undefined && observation.waitingFor !== this.#lastWaitingFor && !observation.userStarted) {
      this.#lastWaitingFor = observation.waitingFor;
      this.emit({ type: "waiting", reason: observation.waitingFor });
    }
    for (const container of observation.user) {
      if (hasStarted(container.phase) && !this.#announced.has(`s:${container.name}`)) {
        this.#announced.add(`s:${container.name}`);
        this.emit({ type: "started", container: container.name, kind: container.kind });
      }
      const phase = container.phase;
      if (phase.kind === "terminated" && !this.#announced.has(`t:${container.name}`)) {
        this.#announced.add(`t:${container.name}`);
        this.emit({ type: "containerTerminated", container: container.name, kind: container.kind, exitCode: phase.exitCode, ...(phase.reason === undefined ? {} : { reason: phase.reason }) });
      }
    }
  }
}
