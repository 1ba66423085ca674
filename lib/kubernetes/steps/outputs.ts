import type { CollectOutputValuesStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { collectOutputValues } from "../logs/output_values.ts";

/** Parses the output values from the log lines (only those with the run's nonce, when asked). */
export function outputs(step: CollectOutputValuesStep, ctx: RunContext): Promise<void> {
  ctx.record.vars = collectOutputValues(
    ctx.lines().map((l) => l.line),
    step.nonce ? ctx.nonce : undefined,
  );
  return Promise.resolve();
}
