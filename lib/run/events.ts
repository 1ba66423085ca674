import type { PodRunFailure } from "./errors.ts";
import type { PlanStepKind } from "../plan/plan.ts";
import type { LogLevel, Metric, PodEvent, PodPhase } from "./result.ts";

/** What every event says: when it happened, counted from the start of the run. */
export interface EventBase {
  /** Milliseconds from the start of the run. */
  readonly elapsedMs: number;
}

/** The pod was created, or an earlier call's pod of the same run id was adopted. */
export interface CreatedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "created";
  /** The pod's name. */
  readonly podName: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its UID. */
  readonly uid?: string;
  /** The run's identity (label `podkit.dev/run-id`). */
  readonly runId: string;
  /** True when this run reattached to a pod an earlier call created. */
  readonly resumed: boolean;
  /** The attempt the pod runs (from 1; see `.retry()`). */
  readonly attempt: number;
}

/** The scheduler assigned the pod to a node. */
export interface ScheduledEvent extends EventBase {
  /** Discriminant. */
  readonly type: "scheduled";
  /** The node's name. */
  readonly node: string;
}

/** The kubelet started pulling a container's image. */
export interface PullingEvent extends EventBase {
  /** Discriminant. */
  readonly type: "pulling";
  /** The container whose image is pulled, when the kubelet names it. */
  readonly container?: string;
  /** The image, as the pod names it. */
  readonly image?: string;
  /** The kubelet's message. */
  readonly message: string;
}

/** The kubelet has a container's image (pulled, or already present). */
export interface PulledEvent extends EventBase {
  /** Discriminant. */
  readonly type: "pulled";
  /** The container whose image it is, when the kubelet names it. */
  readonly container?: string;
  /** The image, as the pod names it. */
  readonly image?: string;
  /** The kubelet's message, e.g. how long the pull took. */
  readonly message: string;
}

/** A container is waiting to start, with the kubelet's reason (`ContainerCreating`, …). */
export interface WaitingEvent extends EventBase {
  /** Discriminant. */
  readonly type: "waiting";
  /** The reason the kubelet gives. */
  readonly reason: string;
}

/** Another Kubernetes event about the pod while it starts (back-off, failed scheduling, …). */
export interface PodEventEvent extends EventBase {
  /** Discriminant. */
  readonly type: "podEvent";
  /** The event as the API server reports it. */
  readonly event: PodEvent;
}

/** A user container started (it runs, or already ended). */
export interface StartedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "started";
  /** The container's name. */
  readonly container: string;
  /** `init` for init containers, `main` for the others. */
  readonly kind: "init" | "main";
}

/** The pod's Ready condition became true. */
export interface ReadyEvent extends EventBase {
  /** Discriminant. */
  readonly type: "ready";
}

/** Bytes moved by a file transfer: repeated while it runs, and once with `done` at its end. */
export interface TransferEvent extends EventBase {
  /** Discriminant. */
  readonly type: "transfer";
  /** `upload` for input files, `download` for output files. */
  readonly direction: "upload" | "download";
  /** Bytes moved so far. */
  readonly bytes: number;
  /** Bytes to move in all, when known before the transfer ends. */
  readonly totalBytes?: number;
  /** Files moved, on the last event of the transfer. */
  readonly files?: number;
  /** True on the last event of the transfer. */
  readonly done: boolean;
}

/** One log line of a user container. */
export interface LogEvent extends EventBase {
  /** Discriminant. */
  readonly type: "log";
  /** The container that printed it. */
  readonly container: string;
  /** The text, byte-exact, without its trailing newline. */
  readonly line: string;
  /** RFC 3339 timestamp with nanoseconds, as the kubelet recorded it. */
  readonly timestamp: string;
  /** Present only on an entry of a `::{"logs":[…]}::` line: its level (`line` is its message). */
  readonly level?: LogLevel;
}

/** A container reported a metric with a `::{"metrics":[…]}::` line. */
export interface MetricEvent extends EventBase {
  /** Discriminant. */
  readonly type: "metric";
  /** The metric, as `result.metrics` holds it. */
  readonly metric: Metric;
}

/** A user container ended. */
export interface ContainerTerminatedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "containerTerminated";
  /** The container's name. */
  readonly container: string;
  /** `init` for init containers, `main` for the others. */
  readonly kind: "init" | "main";
  /** Its exit code. */
  readonly exitCode: number;
  /** `Completed`, `Error`, `OOMKilled`, … */
  readonly reason?: string;
}

/** Every user container ended and their logs are read: the run collects what they left. */
export interface CompletedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "completed";
  /** `Succeeded` when every user container exited 0, else `Failed`. */
  readonly phase: PodPhase;
  /** Exit code of the first failed user container, else 0. */
  readonly exitCode: number;
}

/** The pod was deleted. */
export interface DeletedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "deleted";
  /** The pod's name. */
  readonly podName: string;
  /** The grace period asked for; absent means the pod's own. */
  readonly gracePeriodSeconds?: number;
}

/** An attempt failed and the run tries again in a fresh pod after a delay. */
export interface AttemptFailedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "attemptFailed";
  /** The attempt that failed (from 1). */
  readonly attempt: number;
  /** Why it failed. */
  readonly reason: PodRunFailure;
  /** The exit code of its failed container, if one failed. */
  readonly exitCode?: number;
  /** What failed, in one line. */
  readonly shortMessage: string;
  /** The attempt that comes next. */
  readonly nextAttempt: number;
  /** Milliseconds until it starts. */
  readonly delayMs: number;
}

/** The run failed; the run's promise rejects with a `PodRunError` telling the same. */
export interface FailedEvent extends EventBase {
  /** Discriminant. */
  readonly type: "failed";
  /** Why. */
  readonly reason: PodRunFailure;
  /** The plan step that failed. */
  readonly step: PlanStepKind;
  /** One line, without the log tail or the pod's events. */
  readonly shortMessage: string;
}

/**
 * What happens during a run, as data: a discriminated union on `type`. A runner emits them
 * in order; `log` events are in order per container.
 *
 * @example
 * ```ts
 * import type { RunEvent } from "podkit";
 * function render(event: RunEvent): string | undefined {
 *   switch (event.type) {
 *     case "created":
 *       return `created ${event.podName}`;
 *     case "transfer":
 *       return `${event.direction} ${event.bytes} of ${event.totalBytes ?? "?"} bytes`;
 *     case "log":
 *       return `${event.container} | ${event.line}`;
 *     default:
 *       return undefined;
 *   }
 * }
 * ```
 */
export type RunEvent =
  | CreatedEvent
  | ScheduledEvent
  | PullingEvent
  | PulledEvent
  | WaitingEvent
  | PodEventEvent
  | StartedEvent
  | ReadyEvent
  | TransferEvent
  | LogEvent
  | MetricEvent
  | ContainerTerminatedEvent
  | CompletedEvent
  | DeletedEvent
  | AttemptFailedEvent
  | FailedEvent;

/** The `type` of every {@link RunEvent}. */
export type RunEventType = RunEvent["type"];

/** An event as a runner builds it, before the time is stamped. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "elapsedMs"> : never) : never;
