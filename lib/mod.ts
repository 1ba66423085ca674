/**
 * Describe a pod with an immutable builder, compile it into a validated manifest and an
 * execution plan, and run it through a runner: `podkit/kubernetes` for a cluster,
 * {@link DryRunRunner} to see what would happen. Kestra tasks and podkit's YAML form of a
 * pod are read by `podkit/kestra`.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * const compiled = pod("hello").container({ name: "main", image: "busybox", command: ["echo", "hi"] }).compile();
 * console.log(compiled.describe());
 * ```
 *
 * @module podkit
 */
export { pod, PodBuilder, PodShapeBuilder, type FileSidecarOptions, type PodSpecInput } from "../builders/pod.ts";
export { fromManifest, isManifest } from "../builders/from_manifest.ts";
export { PodDefinitionError } from "./kestra/definition_error.ts";
export { compile, MANAGED_BY } from "./compile/compile.ts";
export { validate } from "./compile/validate.ts";
export { mergeDefaults, KEYED_LISTS } from "./compile/defaults.ts";
export { resolveWorkingDir } from "./compile/template.ts";
export { fileTransferParts, type FileTransferParts } from "./compile/file_transfer.ts";
export { buildPlan } from "./plan/build_plan.ts";
export { describePlan } from "./plan/describe.ts";
export { DryRunRunner, type DryRunResult, type DryRunRunnerOptions } from "./run/dry_run.ts";
export { RunEventStream, progressOf, keepLogsLimit, DEFAULT_KEEP_LOGS, TAIL_LINES, type KeepLogs } from "./run/event_stream.ts";
export { formatBytes } from "./run/format.ts";
export {
  shouldRetry,
  retryDelayMs,
  DEFAULT_RETRY_ON,
  ATTEMPT_ENV,
  ATTEMPT_LABEL,
  FINISHED_AT_ANNOTATION,
  type RetryableFailure,
  type RetryPlan,
  type RetryBackoff,
  type FinishPolicy,
  type AttemptFailure,
} from "./plan/policy.ts";
export {
  OUTPUT_NONCE_ENV,
  resolveNamespace,
  stampRunIdentity,
  drawRunIdentity,
  checkRunId,
  type NamespaceSources,
  type RunIdentity,
} from "./plan/identity.ts";
export type {
  RunEvent,
  RunEventType,
  RunEventInput,
  EventBase,
  CreatedEvent,
  ScheduledEvent,
  PullingEvent,
  PulledEvent,
  WaitingEvent,
  PodEventEvent,
  StartedEvent,
  ReadyEvent,
  TransferEvent,
  LogEvent,
  MetricEvent,
  ContainerTerminatedEvent,
  CompletedEvent,
  DeletedEvent,
  AttemptFailedEvent,
  FailedEvent,
} from "./run/events.ts";
export { parseDuration, formatDuration, type DurationInput } from "./compile/duration.ts";
export {
  DESCRIPTION_DEFAULTS,
  type DescriptionDefaults,
  outputGlobs,
  type PodDescription,
  type RetryInput,
  type RetryBackoffInput,
  type InputContent,
  type InputFile,
  type FileSidecar,
  type ConnectionOptions,
  type TimeoutInputs,
} from "./compile/description.ts";
export {
  FILE_TRANSFER,
  LABELS,
  findStep,
  type StepOfKind,
  type StepKind,
  type PodIdentity,
  type PlanStep,
  type PlanStepKind,
  type ExecutionPlan,
  type CreateStep,
  type WaitScheduledStep,
  type UploadInputsStep,
  type WaitRunningStep,
  type WaitReadyStep,
  type FollowLogsStep,
  type WaitCompletionStep,
  type DownloadOutputsStep,
  type CollectOutputValuesStep,
  type DeleteStep,
} from "./plan/plan.ts";
export type {
  CompiledPod,
  CompiledPodJson,
  RunResult,
  RunOutcome,
  AttemptSummary,
  PodPhase,
  IncompleteLog,
  LogLine,
  LogLevel,
  Metric,
  ContainerResult,
  PodEvent,
  OutputFile,
  RefusedEntry,
  RunTimings,
} from "./run/result.ts";
export type { Runner, RunOptions, ProgressEvent } from "./run/runner.ts";
export {
  PodValidationError,
  PodRunError,
  type ValidationIssue,
  type PodRunFailure,
  type PodRunErrorDetails,
} from "./run/errors.ts";
