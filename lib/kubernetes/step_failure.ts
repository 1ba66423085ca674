import type { PlanStepKind } from "../plan/plan.ts";
import type { PodRunFailure } from "../run/errors.ts";

/** A failure a step found, turned into a `PodRunError` with the run's story by the failure module. */
export class StepFailure extends Error {
  readonly reason: PodRunFailure;
  readonly step: PlanStepKind;
  readonly exitCode: number | undefined;

  constructor(reason: PodRunFailure, step: PlanStepKind, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.step = step;
    this.exitCode = options.exitCode;
  }
}

/** The reasons after which the pod cannot have finished: it is deleted whatever the plan says. */
export const UNFINISHED: ReadonlySet<PodRunFailure> = new Set(["Aborted", "Timeout", "Unschedulable", "ImagePull", "ConfigError", "ApiError"]);

/** `text` with its first letter in upper case. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
