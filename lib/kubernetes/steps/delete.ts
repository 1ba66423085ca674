import type { DeleteStep } from "../../plan/plan.ts";
import { FINISHED_AT_ANNOTATION } from "../../plan/policy.ts";
import type { RunContext } from "../context.ts";

/**
 * Reads the pod's events for the result, then deletes the pod or keeps it as the finish
 * policy says. A kept pod is annotated with the time its run ended, for `podkit gc`.
 */
export async function deletePod(step: DeleteStep, ctx: RunContext): Promise<void> {
  await ctx.readPodEvents();
  if (keeps(step, ctx.record.failure !== undefined)) await markFinished(ctx);
  else await ctx.deletePod(undefined);
}

/** Whether the finish policy keeps the pod of a run that failed or not. */
export function keeps(step: DeleteStep | undefined, failed: boolean): boolean {
  const policy = step?.onFinish ?? "delete";
  return policy === "keep" || (policy === "keepOnFailure" && failed);
}

/** Annotates a kept pod with the time its run ended; never fails the run. */
export async function markFinished(ctx: RunContext): Promise<void> {
  if (ctx.podName === undefined) return;
  await ctx.client.annotatePod(ctx.namespace, ctx.podName, { [FINISHED_AT_ANNOTATION]: new Date().toISOString() }).catch(() => undefined);
}
