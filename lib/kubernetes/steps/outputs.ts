import type { CollectOutputValuesStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";

/**
 * Takes the output values the log lines declared (only those with the run's nonce, when
 * asked): merged as the lines arrived, whichever lines `keepLogs` keeps.
 */
export function outputs(_step: CollectOutputValuesStep, ctx: RunContext): Promise<void> {
  ctx.record.vars = ctx.outputValues();
  return Promise.resolve();
}
