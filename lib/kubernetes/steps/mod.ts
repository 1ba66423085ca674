import type { PlanStep, PlanStepKind } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { waitCompletion } from "./completion.ts";
import { create } from "./create.ts";
import { deletePod } from "./delete.ts";
import { download } from "./download.ts";
import { followLogs } from "./logs.ts";
import { outputs } from "./outputs.ts";
import { upload } from "./upload.ts";
import { waitReady, waitRunning, waitScheduled } from "./wait.ts";

/** How the Kubernetes runner executes one kind of plan step. */
export type StepModule<K extends PlanStepKind> = (step: Extract<PlanStep, { kind: K }>, ctx: RunContext) => Promise<void>;

/** Every plan step kind and the module that executes it: the compiler fails when one is missing. */
export const STEPS: { readonly [K in PlanStepKind]: StepModule<K> } = {
  create,
  waitScheduled,
  uploadInputs: upload,
  waitRunning,
  waitReady,
  followLogs,
  waitCompletion,
  downloadOutputs: download,
  collectOutputValues: outputs,
  delete: deletePod,
};

/** Executes one step with its module. */
export function runStep(step: PlanStep, ctx: RunContext): Promise<void> {
  return (STEPS[step.kind] as StepModule<PlanStepKind>)(step as never, ctx);
}
