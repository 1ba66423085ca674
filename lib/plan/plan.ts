import type { FinishPolicy, RetryPlan } from "./policy.ts";

/** Names of the containers and volume podkit adds for file transfer. */
export const FILE_TRANSFER = {
  /** Init container that receives input files, then lets the pod start. */
  initContainer: "podkit-init",
  /** Sidecar that stays up after the user containers end so outputs can be read. */
  sidecar: "podkit-outputs",
  /** emptyDir volume mounted at the working directory in every container. */
  volume: "podkit-work",
  /** Marker the init container waits for (deleted before the user containers start). */
  readyMarker: ".podkit-ready",
  /** Marker the sidecar waits for before it exits. */
  endedMarker: ".podkit-ended",
} as const;

/** Label keys podkit puts on every pod it creates. */
export const LABELS = {
  /** The run's stable identity; set by the runner, used to resume. */
  runId: "podkit.dev/run-id",
  /** Always `podkit`; set by `compile()`. */
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** Create the pod, or adopt the pod an interrupted run with the same run id left. */
export interface CreateStep {
  /** Discriminant. */
  readonly kind: "create";
  /** Look for a pod of the same run id before creating one. */
  readonly resume: boolean;
  /** Give every user container a fresh output nonce (`PODKIT_OUTPUT_NONCE`). */
  readonly outputNonce: boolean;
  /** How long the API server may take to answer, in milliseconds (`waitUntilRunning`). */
  readonly budgetMs: number;
}

/** Wait until the scheduler assigns the pod to a node. */
export interface WaitScheduledStep {
  /** Discriminant. */
  readonly kind: "waitScheduled";
  /** Budget from creation, in milliseconds (`waitUntilRunning`). */
  readonly budgetMs: number;
}

/** Upload the input files into the working directory, then write the ready marker. */
export interface UploadInputsStep {
  /** Discriminant. */
  readonly kind: "uploadInputs";
  /** Budget from creation until the upload can start, in milliseconds (`waitUntilRunning`). */
  readonly budgetMs: number;
  /** The container to exec into: `podkit-init`. */
  readonly container: string;
  /** Absolute directory the files go into. */
  readonly workingDir: string;
  /**
   * File names relative to the working directory, in the order given. Their contents are
   * not in the plan: they are in the compiled pod's `inputs`, under the same names.
   */
  readonly files: readonly string[];
}

/** Wait until the pod runs: init containers done, containers started. */
export interface WaitRunningStep {
  /** Discriminant. */
  readonly kind: "waitRunning";
  /** Budget from creation, in milliseconds (`waitUntilRunning`). */
  readonly budgetMs: number;
}

/** Wait for the pod's Ready condition. Present only when `waitUntilReady` is above zero. */
export interface WaitReadyStep {
  /** Discriminant. */
  readonly kind: "waitReady";
  /** Budget in milliseconds (`waitUntilReady`). */
  readonly budgetMs: number;
}

/** Follow the logs of the user's containers, each with its own cursor. */
export interface FollowLogsStep {
  /** Discriminant. */
  readonly kind: "followLogs";
  /** User init containers, then user containers; podkit's own are not followed. */
  readonly containers: readonly string[];
}

/** Wait until every user container has ended, then read late log lines. */
export interface WaitCompletionStep {
  /** Discriminant. */
  readonly kind: "waitCompletion";
  /** Budget from running, in milliseconds (`waitRunning`). */
  readonly budgetMs: number;
  /** The user containers that must end (the output sidecar is not among them). */
  readonly containers: readonly string[];
  /** Upper bound for reading late log lines, in milliseconds (`waitForLogInterval`). */
  readonly lateLogBudgetMs: number;
  /** Exit codes of user containers that do not fail the run. */
  readonly acceptExitCodes: readonly number[];
}

/** Download the files matching the globs, then write the ended marker. */
export interface DownloadOutputsStep {
  /** Discriminant. */
  readonly kind: "downloadOutputs";
  /** The container to exec into: `podkit-outputs`. */
  readonly container: string;
  /** Absolute directory the globs are relative to. */
  readonly workingDir: string;
  /** picomatch globs relative to the working directory. */
  readonly globs: readonly string[];
  /** How long to wait for the sidecar to start, in milliseconds (`waitUntilRunning`). */
  readonly sidecarBudgetMs: number;
}

/**
 * Parse output values from `::{"outputs":{…}}::` log lines, then merge the values of the
 * output values file over them.
 */
export interface CollectOutputValuesStep {
  /** Discriminant. */
  readonly kind: "collectOutputValues";
  /** Accept only lines that carry the run's nonce. */
  readonly nonce: boolean;
  /** The output values file, relative to the working directory, downloaded with the output files. */
  readonly file?: string;
}

/** Delete the pod, or keep it, as the finish policy says (an aborted run always deletes it). */
export interface DeleteStep {
  /** Discriminant. */
  readonly kind: "delete";
  /** `delete`, `keepOnFailure` or `keep`. */
  readonly onFinish: FinishPolicy;
  /**
   * The grace period an aborted run deletes the pod with, in seconds (the pod's
   * `terminationGracePeriodSeconds`); absent or 0 stops the pod at once.
   */
  readonly abortGraceSeconds?: number;
}

/** One step of an execution plan. Steps are plain data, tagged by `kind`. */
export type PlanStep =
  | CreateStep
  | WaitScheduledStep
  | UploadInputsStep
  | WaitRunningStep
  | WaitReadyStep
  | FollowLogsStep
  | WaitCompletionStep
  | DownloadOutputsStep
  | CollectOutputValuesStep
  | DeleteStep;

/** The kinds of plan step, in the order a plan lists them. */
export type PlanStepKind = PlanStep["kind"];

/** Who the pod is: what a runner needs to name, find and read it. */
export interface PodIdentity {
  /** Namespace given with `.namespace()`; absent means the runner decides (see `resolveNamespace`). */
  readonly namespace?: string;
  /** Fixed pod name, or absent when the API server generates one. */
  readonly name?: string;
  /** Prefix for generated names. */
  readonly generateName: string;
  /** Stable identity of the run; absent means each run draws a fresh one. */
  readonly runId?: string;
  /** Names of the user containers, in order. */
  readonly containers: readonly string[];
  /** Names of the user init containers, in order. */
  readonly initContainers: readonly string[];
}

/**
 * What a runner does with a compiled pod: plain, frozen, serialisable data. Who the pod is,
 * then the steps, each carrying everything it needs (budgets in milliseconds). No
 * credentials and no file contents: the connection and the input files travel beside the
 * plan, in the compiled pod.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * const { plan } = pod("hello").container({ name: "main", image: "busybox" }).compile();
 * plan.pod.name; // "hello"
 * JSON.parse(JSON.stringify(plan)); // the same data
 * ```
 */
export interface ExecutionPlan {
  /** Who the pod is. */
  readonly pod: PodIdentity;
  /** What the runner does, in order, in each attempt. */
  readonly steps: readonly PlanStep[];
  /** When and how a failed attempt is tried again in a fresh pod; absent means one attempt. */
  readonly retry?: RetryPlan;
  /** Resolve with a failed result instead of rejecting (once a pod existed). */
  readonly allowFailure?: boolean;
}

/**
 * The first step of a kind in a plan, typed by its kind.
 *
 * @example
 * ```ts
 * import { findStep, pod } from "podkit";
 * const { plan } = pod().container({ name: "main", image: "busybox" }).compile();
 * findStep(plan, "waitCompletion")?.lateLogBudgetMs; // 5000
 * ```
 */
export function findStep<K extends PlanStepKind>(plan: ExecutionPlan, kind: K): StepOfKind<K> | undefined {
  return plan.steps.find((step): step is StepOfKind<K> => step.kind === kind);
}

/** The plan step whose `kind` is `K`. */
export type StepOfKind<K extends PlanStepKind> = PlanStep & StepKind<K>;

/** A plan step's discriminant, as a type. */
export interface StepKind<K extends PlanStepKind> {
  /** Discriminant. */
  readonly kind: K;
}
