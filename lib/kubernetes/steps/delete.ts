import type { DeleteStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";

/** Reads the pod's events for the result, then deletes the pod unless the plan keeps it. */
export async function deletePod(step: DeleteStep, ctx: RunContext): Promise<void> {
  await ctx.readPodEvents();
  if (step.enabled) await ctx.deletePod(undefined);
}
