import { formatDuration } from "../../compile/duration.ts";
import type { WaitCompletionStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { capitalize, StepFailure } from "../step_failure.ts";
import { containerResults, firstFailure } from "../watch/pod_state.ts";

/**
 * Waits until every user container has ended, reads their logs to the end, and notes a
 * failed container for the end of the run (its outputs are still collected first).
 */
export async function waitCompletion(step: WaitCompletionStep, ctx: RunContext): Promise<void> {
  const outcome = await ctx.until((o) => {
    if (o.evicted !== undefined) throw new StepFailure("Evicted", "waitCompletion", `${capitalize(ctx.where)} was evicted: ${o.evicted}`);
    if (o.deadlineExceeded !== undefined) {
      throw new StepFailure("Timeout", "waitCompletion", `${capitalize(ctx.where)} ran past its activeDeadlineSeconds: ${o.deadlineExceeded}`);
    }
    return o.userDone ? o : undefined;
  }, ctx.deadline(step.budgetMs, false));
  if (outcome.kind === "deadline") {
    throw new StepFailure("Timeout", "waitCompletion", `${capitalize(ctx.where)} did not finish within ${formatDuration(step.budgetMs)} (waitRunning)`);
  }
  ctx.finished = true;
  ctx.logs.start();
  await ctx.logs.drain(step.lateLogBudgetMs);

  const results = containerResults(ctx.currentPod(), ctx.layout);
  const first = firstFailure(results);
  ctx.emit({ type: "completed", phase: first === undefined ? "Succeeded" : "Failed", exitCode: first?.exitCode ?? 0 });
  // An accepted exit code ends the run normally; an OOM kill is never accepted.
  const accepted = new Set(step.acceptExitCodes);
  const failure = firstFailure(results.filter((c) => c.reason === "OOMKilled" || c.exitCode === undefined || !accepted.has(c.exitCode)));
  if (failure !== undefined) {
    const message = failure.oomKilled
      ? `Container "${failure.container}" of ${ctx.where} was killed for exceeding its memory limit (OOMKilled, exit code ${failure.exitCode})`
      : `Container "${failure.container}" of ${ctx.where} failed with exit code ${failure.exitCode} (${failure.reason})${failure.message ? `: ${failure.message.trim()}` : ""}`;
    ctx.record.failure = new StepFailure(failure.oomKilled ? "OOMKilled" : "ContainerFailed", "waitCompletion", message, { exitCode: failure.exitCode });
  }
}
