import type { ConnectionOptions, InputFile } from "./description.ts";

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
  runId: "podkit.dev/run-id",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** One step of an execution plan. Steps are plain data, tagged by `kind`. */
export type PlanStep =
  | { readonly kind: "create"; readonly resume: boolean }
  | { readonly kind: "waitScheduled"; readonly budgetMs: number }
  | {
      readonly kind: "uploadInputs";
      readonly container: string;
      readonly workingDir: string;
      readonly files: readonly string[];
    }
  | { readonly kind: "waitRunning"; readonly budgetMs: number }
  | { readonly kind: "waitReady"; readonly budgetMs: number }
  | { readonly kind: "followLogs"; readonly containers: readonly string[] }
  | {
      readonly kind: "waitCompletion";
      readonly budgetMs: number;
      readonly containers: readonly string[];
      readonly lateLogBudgetMs: number;
    }
  | {
      readonly kind: "downloadOutputs";
      readonly container: string;
      readonly workingDir: string;
      readonly globs: readonly string[];
    }
  | { readonly kind: "collectOutputValues"; readonly nonce: boolean }
  | { readonly kind: "delete"; readonly enabled: boolean };

/** The kinds of plan step, in the order a plan lists them. */
export type PlanStepKind = PlanStep["kind"];

/**
 * What a runner does with a compiled pod: plain, frozen data. Timeouts are milliseconds.
 */
export interface ExecutionPlan {
  readonly steps: readonly PlanStep[];
  readonly namespace: string;
  /** Fixed pod name, or undefined when the runner generates one. */
  readonly podName?: string;
  /** Prefix for generated names. */
  readonly generateName: string;
  /** Stable identity of the run; undefined means the runner draws a fresh one. */
  readonly runId?: string;
  readonly workingDir: string;
  /** Names of the user containers, in order. */
  readonly containers: readonly string[];
  /** Names of the user init containers, in order. */
  readonly initContainers: readonly string[];
  readonly inputFiles: readonly InputFile[];
  readonly outputFiles: readonly string[];
  readonly timeouts: {
    readonly waitUntilRunningMs: number;
    readonly waitRunningMs: number;
    readonly waitForLogIntervalMs: number;
    readonly waitUntilReadyMs: number;
  };
  readonly delete: boolean;
  readonly resume: boolean;
  readonly outputNonce: boolean;
  readonly connection?: ConnectionOptions;
}
