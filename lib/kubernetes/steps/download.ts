import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { FILE_TRANSFER, findStep, type DownloadOutputsStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { capitalize, StepFailure } from "../step_failure.ts";
import { downloadOutputs } from "../transfer/download.ts";
import { touchMarker } from "../transfer/exec.ts";

/**
 * Downloads the files matching the globs through the output sidecar, then lets the
 * sidecar end. A failed download does not hide a failed container: the container's
 * failure stays first, and `outputsError` says why the files are missing.
 */
export async function download(step: DownloadOutputsStep, ctx: RunContext): Promise<void> {
  // The kubelet starts containers one after another: a user container that ends at once
  // can be done before the sidecar, listed after it, has started. Wait for it to start.
  try {
    await ctx.until((o, s) => {
      const starting = o.sidecar.kind === "absent" || (o.sidecar.kind === "waiting" && ["ContainerCreating", "PodInitializing"].includes(o.sidecar.reason));
      // A pod that ended (an init container failed) will never start it.
      const ended = o.phase === "Succeeded" || o.phase === "Failed";
      return s.deleted || ended || !starting ? o : undefined;
    }, ctx.deadline(step.sidecarBudgetMs, false));
  } catch (error) {
    if (ctx.signal.aborted) throw error;
  }
  const observation = ctx.observation();
  if (ctx.tracker?.snapshot.deleted || observation.sidecar.kind !== "running") {
    // The sidecar never ran (an init container failed) or a previous run of the same
    // id already released it: there is nothing left to read.
    ctx.record.outputsError = `the ${FILE_TRANSFER.sidecar} container is not running (${observation.sidecar.kind})`;
    return;
  }
  const outputDir = ctx.options.outputDir ?? (await mkdtemp(join(tmpdir(), "podkit-outputs-")));
  ctx.record.outputDir = outputDir;
  const target = ctx.target(step.container);
  try {
    const downloaded = await downloadOutputs(target, {
      workingDir: step.workingDir,
      globs: step.globs,
      outputDir,
      signal: ctx.signal,
      onProgress: (bytes) => ctx.emit({ type: "transfer", direction: "download", bytes, done: false }),
    });
    ctx.record.outputFiles = downloaded.files;
    ctx.record.refused = downloaded.refused;
    ctx.emit({ type: "transfer", direction: "download", bytes: downloaded.bytes, totalBytes: downloaded.bytes, files: downloaded.files.length, done: true });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const failure = (await ctx.deletedByOthers())
      ? new StepFailure("DeletedExternally", "downloadOutputs", `${capitalize(ctx.where)} was deleted by someone else while podkit was downloading output files: ${(error as Error).message}`, {
          cause: error,
        })
      : new StepFailure("TransferFailed", "downloadOutputs", `Cannot download output files from ${ctx.where}: ${(error as Error).message}`, { cause: error });
    ctx.record.outputsError = failure.message;
    ctx.record.failure ??= failure;
  } finally {
    if (!ctx.signal.aborted) {
      try {
        // Lets the sidecar exit, so that a kept pod ends instead of idling.
        await touchMarker(target, posix.join(step.workingDir, FILE_TRANSFER.endedMarker), { signal: ctx.signal });
      } catch (error) {
        if (findStep(ctx.plan, "delete")?.onFinish !== "delete" && !ctx.signal.aborted) {
          ctx.record.failure ??= new StepFailure("TransferFailed", "downloadOutputs", `Cannot release the ${FILE_TRANSFER.sidecar} container of ${ctx.where}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
    }
  }
}
