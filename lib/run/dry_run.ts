import type { V1Pod } from "@kubernetes/client-node";
import type { ExecutionPlan } from "../plan/plan.ts";
import type { CompiledPod } from "./result.ts";
import type { RunOptions, Runner } from "./runner.ts";

/** What a {@link DryRunRunner} returns: what would be sent and done, nothing more. */
export interface DryRunResult {
  /** The manifest that would be created. */
  readonly manifest: V1Pod;
  /** The steps that would be taken. */
  readonly plan: ExecutionPlan;
  /** The plan as a numbered list. */
  readonly description: string;
}

/**
 * A runner that executes nothing: it resolves with the manifest and the plan, to see what
 * a run would do. Like any runner, it rejects at once when the signal is already aborted.
 *
 * @example
 * ```ts
 * import { DryRunRunner, pod } from "podkit";
 * const { manifest, description } = await pod("hello")
 *   .container({ name: "main", image: "busybox", command: ["echo", "hi"] })
 *   .run(new DryRunRunner());
 * console.log(description);
 * ```
 */
export class DryRunRunner implements Runner<DryRunResult> {
  /**
   * Returns the compiled pod's manifest, plan and description.
   *
   * @example
   * ```ts
   * import { DryRunRunner, pod } from "podkit";
   * const compiled = pod().container({ name: "main", image: "busybox" }).compile();
   * const { plan } = await new DryRunRunner().run(compiled);
   * ```
   */
  run(compiled: CompiledPod, options?: RunOptions): Promise<DryRunResult> {
    try {
      options?.signal?.throwIfAborted();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return Promise.resolve(Object.freeze({ manifest: compiled.manifest, plan: compiled.plan, description: compiled.describe() }));
  }
}
