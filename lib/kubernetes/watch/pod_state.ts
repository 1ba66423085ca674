import type { V1ContainerState, V1ContainerStateRunning, V1ContainerStateWaiting, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { match, P } from "ts-pattern";
import { FILE_TRANSFER } from "../../plan/plan.ts";
import type { ContainerResult } from "../../run/result.ts";
import { isoTime as iso, withoutUndefined as defined } from "../_plain.ts";

/** The state of one container, reduced to what a runner decides on. */
export type ContainerPhase =
  | {
      /** The pod status does not list the container yet. */
      readonly kind: "absent";
    }
  | {
      /** Not started: being created, pulling, or stuck. */
      readonly kind: "waiting";
      /** The kubelet's reason, e.g. `ContainerCreating`, `ImagePullBackOff`. */
      readonly reason: string;
      /** The kubelet's explanation, when it gave one. */
      readonly message?: string;
    }
  | {
      /** Started and not ended. */
      readonly kind: "running";
      /** When it started (ISO 8601). */
      readonly startedAt?: string;
    }
  | {
      /** Ended. */
      readonly kind: "terminated";
      /** Its exit code. */
      readonly exitCode: number;
      /** `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`, … */
      readonly reason?: string;
      /** The termination message, when there is one. */
      readonly message?: string;
      /** The signal that ended it, when one did. */
      readonly signal?: number;
      /** When it started (ISO 8601). */
      readonly startedAt?: string;
      /** When it ended (ISO 8601). */
      readonly finishedAt?: string;
    };

/**
 * Waiting reasons after which a pod cannot start without someone changing it, and the
 * failure each one is reported as.
 *
 * @example
 * ```ts
 * import { FATAL_WAITING_REASONS } from "./pod_state.ts";
 * FATAL_WAITING_REASONS["ImagePullBackOff"]; // "ImagePull"
 * ```
 */
export const FATAL_WAITING_REASONS: Readonly<Record<string, "ImagePull" | "ConfigError">> = {
  ErrImagePull: "ImagePull",
  ImagePullBackOff: "ImagePull",
  InvalidImageName: "ImagePull",
  ErrImageNeverPull: "ImagePull",
  CreateContainerConfigError: "ConfigError",
  CreateContainerError: "ConfigError",
  PreStartHookError: "ConfigError",
  RunContainerError: "ConfigError",
};

/**
 * The kubelet's messages for failures it retries by itself: the container runtime did not
 * answer (restarting, or its socket gone for a moment), or the kubelet's own limit on
 * image pulls a second (`registryPullQPS`) was reached because many pods start at once.
 * It reports the pull or the creation as failed, yet retries, and the pod starts. Not a
 * reason to give up; the start-up budget bounds the wait.
 */
const RUNTIME_UNAVAILABLE = /rpc error: code = (Unavailable|DeadlineExceeded) |pull QPS exceeded/;

/** A container that cannot start, and why. */
export interface FatalWaiting {
  /** The failure it is reported as. */
  readonly reason: "ImagePull" | "ConfigError";
  /** The container that cannot start (podkit's own included). */
  readonly container: string;
  /** The kubelet's waiting reason, e.g. `ImagePullBackOff`. */
  readonly waitingReason: string;
  /** The kubelet's explanation, or the waiting reason when it gave none. */
  readonly message: string;
}

/** The names a runner needs to tell user containers from podkit's own. */
export interface PodLayout {
  /** The user containers, in order. */
  readonly containers: readonly string[];
  /** The user init containers, in order. */
  readonly initContainers: readonly string[];
}

/** One user container and its state. */
export interface UserContainerState {
  /** The container's name. */
  readonly name: string;
  /** `init` for an init container, `main` for a regular one. */
  readonly kind: "init" | "main";
  /** Where it stands. */
  readonly phase: ContainerPhase;
  /** How many times the kubelet restarted it. */
  readonly restartCount: number;
}

/**
 * Everything a runner decides on, read from one version of the pod. Pure: the same pod
 * gives the same observation.
 */
export interface PodObservation {
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  readonly phase: string;
  /** The pod has a deletion timestamp. */
  readonly deleting: boolean;
  /** The scheduler has placed the pod on a node. */
  readonly scheduled: boolean;
  /** The node the pod is placed on. */
  readonly nodeName?: string;
  /** The scheduler's message while the pod cannot be placed. */
  readonly unschedulable?: string;
  /** A container that cannot start without someone changing the pod. */
  readonly fatal?: FatalWaiting;
  /** Set when the kubelet evicted the pod: its message. */
  readonly evicted?: string;
  /** Set when `activeDeadlineSeconds` ran out: its message. */
  readonly deadlineExceeded?: string;
  /** The input-transfer init container. */
  readonly transferInit: ContainerPhase;
  /** The output-transfer sidecar. */
  readonly sidecar: ContainerPhase;
  /** The user containers, init containers first. */
  readonly user: readonly UserContainerState[];
  /** Every user container has left the waiting state, or the pod has ended. */
  readonly userStarted: boolean;
  /** Every user (main) container has terminated, or the pod has ended. */
  readonly userDone: boolean;
  /** A short account of what the pod waits for, e.g. `ContainerCreating`. */
  readonly waitingFor?: string;
}


/**
 * Reduces a container status to its phase.
 *
 * @example
 * ```ts
 * import { containerPhase } from "./pod_state.ts";
 * containerPhase({ name: "main", image: "busybox", imageID: "", ready: false, restartCount: 0,
 *   state: { waiting: { reason: "ImagePullBackOff" } } }); // { kind: "waiting", reason: "ImagePullBackOff" }
 * ```
 */
export function containerPhase(status: V1ContainerStatus | undefined): ContainerPhase {
  return match<V1ContainerState | undefined, ContainerPhase>(status?.state)
    .with({ terminated: P.nonNullable }, ({ terminated: t }) =>
      defined({
        kind: "terminated" as const,
        exitCode: t.exitCode,
        reason: t.reason,
        message: t.message,
        signal: t.signal,
        startedAt: iso(t.startedAt),
        finishedAt: iso(t.finishedAt),
      }),
    )
    .with({ running: P.nonNullable }, (s) => defined({ kind: "running" as const, startedAt: iso((s.running as V1ContainerStateRunning).startedAt) }))
    .with({ waiting: P.nonNullable }, (s) => {
      const waiting = s.waiting as V1ContainerStateWaiting;
      return { kind: "waiting" as const, reason: waiting.reason ?? "Waiting", ...(waiting.message === undefined ? {} : { message: waiting.message }) };
    })
    .otherwise(() => ({ kind: "absent" as const }));
}

function statusOf(statuses: readonly V1ContainerStatus[] | undefined, name: string): V1ContainerStatus | undefined {
  return statuses?.find((s) => s.name === name);
}

/**
 * Reads one version of a pod into a {@link PodObservation}.
 *
 * @example
 * ```ts
 * import { observePod } from "./pod_state.ts";
 * const seen = observePod({ status: { phase: "Pending" } }, { containers: ["main"], initContainers: [] });
 * seen.scheduled; // false
 * ```
 */
export function observePod(pod: V1Pod, layout: PodLayout): PodObservation {
  const status = pod.status ?? {};
  const phase = status.phase ?? "Pending";
  const ended = phase === "Succeeded" || phase === "Failed";
  const allStatuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  const user: UserContainerState[] = [
    ...layout.initContainers.map((name) => ({ name, kind: "init" as const, status: statusOf(status.initContainerStatuses, name) })),
    ...layout.containers.map((name) => ({ name, kind: "main" as const, status: statusOf(status.containerStatuses, name) })),
  ].map(({ name, kind, status: s }) => ({ name, kind, phase: containerPhase(s), restartCount: s?.restartCount ?? 0 }));
  const main = user.filter((c) => c.kind === "main");

  const scheduledCondition = status.conditions?.find((c) => c.type === "PodScheduled");
  const scheduled = scheduledCondition?.status === "True" || pod.spec?.nodeName !== undefined;
  const unschedulable = match(scheduledCondition)
    .with({ status: "False", reason: "Unschedulable" }, (c) => c.message ?? "The scheduler found no node for the pod")
    .otherwise(() => undefined);

  let fatal: FatalWaiting | undefined;
  for (const s of allStatuses) {
    const reason = s.state?.waiting?.reason;
    const kind = reason === undefined ? undefined : FATAL_WAITING_REASONS[reason];
    if (kind !== undefined && reason !== undefined && !RUNTIME_UNAVAILABLE.test(s.state?.waiting?.message ?? "")) {
      fatal = { reason: kind, container: s.name, waitingReason: reason, message: s.state?.waiting?.message ?? reason };
      break;
    }
  }

  const waitingFor = allStatuses
    .map((s) => s.state?.waiting?.reason)
    .find((r): r is string => r !== undefined);

  return defined({
    phase,
    deleting: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    scheduled,
    nodeName: pod.spec?.nodeName,
    unschedulable,
    fatal,
    evicted: phase === "Failed" && status.reason === "Evicted" ? (status.message ?? "The pod was evicted") : undefined,
    deadlineExceeded:
      phase === "Failed" && status.reason === "DeadlineExceeded" ? (status.message ?? "The pod ran past its deadline") : undefined,
    transferInit: containerPhase(statusOf(status.initContainerStatuses, FILE_TRANSFER.initContainer)),
    sidecar: containerPhase(statusOf(status.containerStatuses, FILE_TRANSFER.sidecar)),
    user,
    userStarted: ended || (main.length > 0 && main.every((c) => c.phase.kind === "running" || c.phase.kind === "terminated")),
    userDone: ended || (main.length > 0 && main.every((c) => c.phase.kind === "terminated")),
    waitingFor,
  });
}

/**
 * True when the container has produced or is producing output, so its logs can be read.
 *
 * @example
 * ```ts
 * import { hasStarted } from "./pod_state.ts";
 * hasStarted({ kind: "running" }); // true
 * ```
 */
export function hasStarted(phase: ContainerPhase): boolean {
  return phase.kind === "running" || phase.kind === "terminated";
}

/**
 * How each user container ended (or where it stands), init containers first.
 *
 * @example
 * ```ts
 * import { containerResults } from "./pod_state.ts";
 * containerResults({ status: { phase: "Pending" } }, { containers: ["main"], initContainers: [] })[0]?.name; // "main"
 * ```
 */
export function containerResults(pod: V1Pod, layout: PodLayout): ContainerResult[] {
  return observePod(pod, layout).user.map(({ name, kind, phase, restartCount }) =>
    match(phase)
      .with({ kind: "terminated" }, (t) =>
        defined({
          name,
          kind,
          exitCode: t.exitCode,
          reason: t.reason ?? (t.exitCode === 0 ? "Completed" : "Error"),
          message: t.message,
          signal: t.signal,
          startedAt: t.startedAt,
          finishedAt: t.finishedAt,
          restartCount,
        }),
      )
      .with({ kind: "running" }, (r) => defined({ name, kind, reason: "Running", startedAt: r.startedAt, restartCount }))
      .with({ kind: "waiting" }, (w) => defined({ name, kind, reason: w.reason, message: w.message, restartCount }))
      .with({ kind: "absent" }, () => ({ name, kind, restartCount }))
      .exhaustive(),
  );
}

/** The first user container that failed, and how. */
export interface ContainerFailure {
  /** The container's name. */
  readonly container: string;
  /** `init` for an init container, `main` for a regular one. */
  readonly kind: "init" | "main";
  /** Its exit code. */
  readonly exitCode: number;
  /** The kubelet's reason, e.g. `Error` or `OOMKilled`. */
  readonly reason: string;
  /** True when the kernel killed it for exceeding its memory limit. */
  readonly oomKilled: boolean;
  /** The termination message, when there is one. */
  readonly message?: string;
}

/**
 * Finds the first failed user container, init containers first (a failed init container
 * is why the others never ran).
 *
 * @example
 * ```ts
 * import { firstFailure } from "./pod_state.ts";
 * firstFailure([{ name: "main", kind: "main", exitCode: 137, reason: "OOMKilled", restartCount: 0 }])?.oomKilled; // true
 * ```
 */
export function firstFailure(results: readonly ContainerResult[]): ContainerFailure | undefined {
  for (const r of results) {
    const failure = match(r)
      .with({ reason: "OOMKilled", exitCode: P.number }, (c) => ({ exitCode: c.exitCode, reason: "OOMKilled", oomKilled: true }))
      .with({ exitCode: P.number.and(P.not(0)) }, (c) => ({ exitCode: c.exitCode, reason: c.reason ?? "Error", oomKilled: false }))
      .otherwise(() => undefined);
    if (failure !== undefined) {
      return defined({ container: r.name, kind: r.kind, ...failure, message: r.message });
    }
  }
  return undefined;
}

/** When a pod passed each milestone (ISO 8601). */
export interface PodMilestones {
  /** The pod was created. */
  created?: string;
  /** The scheduler placed it. */
  scheduled?: string;
  /** Its first user container started. */
  started?: string;
  /** Its last user container ended. */
  finished?: string;
}

/**
 * Converts the timestamps of the pod to the run's milestones.
 *
 * @example
 * ```ts
 * import { podMilestones } from "./pod_state.ts";
 * podMilestones({ metadata: { creationTimestamp: new Date(0) } }, { containers: [], initContainers: [] }).created; // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function podMilestones(pod: V1Pod, layout: PodLayout): PodMilestones {
  const results = containerResults(pod, layout);
  const starts = results.map((r) => r.startedAt).filter((t): t is string => t !== undefined).sort();
  const main = results.filter((r) => r.kind === "main");
  const finishes = main.map((r) => r.finishedAt);
  const finished = finishes.length > 0 && finishes.every((t) => t !== undefined) ? (finishes as string[]).sort().at(-1) : undefined;
  return defined({
    created: iso(pod.metadata?.creationTimestamp),
    scheduled: iso(pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "True")?.lastTransitionTime),
    started: starts[0],
    finished,
  });
}
