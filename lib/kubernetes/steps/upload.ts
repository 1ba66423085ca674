import type { UploadInputsStep } from "../../plan/plan.ts";
import { FILE_TRANSFER } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { capitalize, StepFailure } from "../step_failure.ts";
import { uploadInputs } from "../transfer/upload.ts";

/** Uploads the input files through the init container once it runs, then lets the pod start. */
export async function upload(step: UploadInputsStep, ctx: RunContext): Promise<void> {
  const wanted = new Set(step.files);
  const files = ctx.compiled.inputs.filter((f) => wanted.has(f.name));
  if (files.length === 0) return;
  const outcome = await ctx.until((o) => {
    const init = o.transferInit.kind;
    if (init === "running") return "upload" as const;
    // Reattached after the inputs were delivered: nothing to do.
    if (init === "terminated" || o.userStarted) return "done" as const;
    return undefined;
  }, ctx.deadline(step.budgetMs, true));
  if (outcome.kind === "deadline") throw ctx.startupTimeout(outcome.snapshot, step.budgetMs);
  if (outcome.value === "done") return;
  try {
    const uploaded = await uploadInputs(ctx.target(step.container), {
      workingDir: step.workingDir,
      files,
      marker: FILE_TRANSFER.readyMarker,
      signal: ctx.signal,
      onProgress: (bytes, total) => ctx.emit({ type: "transfer", direction: "upload", bytes, ...(total === undefined ? {} : { totalBytes: total }), done: false }),
    });
    ctx.emit({ type: "transfer", direction: "upload", bytes: uploaded.bytes, totalBytes: uploaded.bytes, files: uploaded.files.length, done: true });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (await ctx.deletedByOthers()) {
      throw new StepFailure("DeletedExternally", "uploadInputs", `${capitalize(ctx.where)} was deleted by someone else while podkit was uploading input files: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw new StepFailure("TransferFailed", "uploadInputs", `Cannot upload input files to ${ctx.where}: ${(error as Error).message}`, { cause: error });
  }
}
