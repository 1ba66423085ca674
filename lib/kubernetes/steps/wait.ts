import { formatDuration } from "../../compile/duration.ts";
import type { WaitReadyStep, WaitRunningStep, WaitScheduledStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { capitalize, StepFailure } from "../step_failure.ts";

/** Waits until a node is assigned (or the containers already ended); the pod's context announces it. */
export async function waitScheduled(step: WaitScheduledStep, ctx: RunContext): Promise<void> {
  const outcome = await ctx.until((o) => (o.scheduled || o.userDone ? o : undefined), ctx.deadline(step.budgetMs, true));
  if (outcome.kind === "deadline") throw ctx.startupTimeout(outcome.snapshot, step.budgetMs);
}

/** Waits until the user containers run; ends what only start-up needed. */
export async function waitRunning(step: WaitRunningStep, ctx: RunContext): Promise<void> {
  const outcome = await ctx.until((o) => (o.userStarted ? o : undefined), ctx.deadline(step.budgetMs, true));
  if (outcome.kind === "deadline") throw ctx.startupTimeout(outcome.snapshot, step.budgetMs);
  ctx.startupController.abort();
}

/** Waits for the pod's Ready condition (or the containers' end). */
export async function waitReady(step: WaitReadyStep, ctx: RunContext): Promise<void> {
  if (step.budgetMs <= 0) return;
  const outcome = await ctx.until((o, s) => {
    const ready = s.pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    return ready || o.userDone ? o : undefined;
  }, ctx.deadline(step.budgetMs, false));
  if (outcome.kind === "deadline") {
    throw new StepFailure("Timeout", "waitReady", `${capitalize(ctx.where)} was not ready within ${formatDuration(step.budgetMs)}`);
  }
  ctx.emit({ type: "ready" });
}
