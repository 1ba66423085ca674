/**
 * Runs compiled pods on a Kubernetes cluster: {@link KubernetesRunner}. The building
 * blocks it is made of (a pod watch loop that survives reconnects and `410 Gone`, lossless
 * log following, pod state classification, output value parsing, file transfer over exec)
 * are exported too, for those who assemble their own runner.
 *
 * @example
 * ```ts
 * import { pod } from "podkit";
 * import { KubernetesRunner } from "podkit/kubernetes";
 * const result = await pod()
 *   .container({ name: "main", image: "busybox", command: ["sh", "-c", 'echo \'::{"outputs":{"answer":42}}::\''] })
 *   .run(new KubernetesRunner());
 * console.log(result.vars.answer); // 42
 * ```
 *
 * @module
 */
export { KubernetesRunner, OUTPUT_NONCE_ENV, type KubernetesRunnerOptions, type RunHandle } from "./runner.ts";
export type { IncompleteLog } from "../run/result.ts";
export { loadKubeConfig, resolveNamespace } from "./connection.ts";
export { KubernetesClient, type PodEventList } from "./client.ts";
export { openStream, KubernetesHttpError, type OpenStreamOptions } from "./http.ts";
export { watchPod, type PodWatchSource, type PodWatchEvent, type PodList, type RawWatchEvent, type WatchPodOptions } from "./watch/watch.ts";
export { PodTracker, type PodSnapshot, type UntilOutcome } from "./watch/pod_tracker.ts";
export {
  followContainerLogs,
  type LogSource,
  type LogStream,
  type LogStreamRequest,
  type FollowLogsOptions,
  type FollowLogsReport,
} from "./logs/follow.ts";
export { LogCursor, parseLogLine, timestampOrder, timestampToNanos, type TimestampedLine } from "./logs/log_cursor.ts";
export { LineSplitter } from "./logs/line_splitter.ts";
export { LogCollector } from "./logs/log_collector.ts";
export { parseOutputLine, collectOutputValues } from "./logs/output_values.ts";
export {
  observePod,
  containerPhase,
  containerResults,
  firstFailure,
  hasStarted,
  podMilestones,
  FATAL_WAITING_REASONS,
  type ContainerPhase,
  type ContainerFailure,
  type FatalWaiting,
  type PodLayout,
  type PodObservation,
  type PodMilestones,
  type UserContainerState,
} from "./watch/pod_state.ts";
export { listPodEvents, followPodEvents, toPodEvent, formatEvents } from "./watch/pod_events.ts";
export { Backoff, delay, type BackoffOptions } from "./backoff.ts";
export { execInPod, touchMarker, ExecConnectionError, type ExecTarget, type ExecOptions, type ExecResult, type TouchMarkerOptions } from "./transfer/exec.ts";
export { uploadInputs, type UploadOptions, type UploadResult, type UploadedFile } from "./transfer/upload.ts";
export { downloadOutputs, type DownloadOptions, type DownloadResult } from "./transfer/download.ts";
export { extractTar, type ExtractTarOptions, type ExtractTarResult } from "./transfer/extract.ts";
