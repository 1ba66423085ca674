import type { V1Pod } from "@kubernetes/client-node";
import { drawRunIdentity, resolveNamespace, stampRunIdentity } from "../plan/identity.ts";
import type { ExecutionPlan } from "../plan/plan.ts";
import type { CompiledPod } from "./result.ts";
import type { RunOptions, Runner } from "./runner.ts";

/** What a {@link DryRunRunner} returns: what would be sent and done, nothing more. */
export interface DryRunResult {
  /** The manifest that would be created: the compiled one with the run's identity stamped on. */
  readonly manifest: V1Pod;
  /** The steps that would be taken. */
  readonly plan: ExecutionPlan;
  /** The plan as a numbered list. */
  readonly description: string;
  /** The run id the pod would carry (drawn when the description gives none). */
  readonly runId: string;
  /** The namespace it would go to. */
  readonly namespace: string;
}

/** Options of a {@link DryRunRunner}. */
export interface DryRunRunnerOptions {
  /**
   * The namespace of the kubeconfig context a real run would use, when known.
   * @default none: the pod's namespace, else the connection's, else `default`
   */
  readonly contextNamespace?: string;
}

/**
 * A runner that executes nothing: it resolves with the manifest a run would create (the
 * same stamping of the run's identity as the Kubernetes runner's) and the plan. Like any
 * runner, it rejects at once when the signal is already aborted.
 *
 * @example
 * ```ts
 * import { DryRunRunner, pod } from "podkit";
 * const { manifest, description } = await pod("hello")
 *   .container({ name: "main", image: "busybox", command: ["echo", "hi"] })
 *   .run(new DryRunRunner());
 * console.log(description, manifest.metadata?.labels);
 * ```
 */
export class DryRunRunner implements Runner<DryRunResult> {
  readonly #options: DryRunRunnerOptions;

  /** A dry-run runner; `options.contextNamespace` stands for the kubeconfig context a real run would use. */
  constructor(options: DryRunRunnerOptions = {}) {
    this.#options = options;
  }

  /**
   * Returns the manifest a run would create, the plan and its description.
   *
   * @example
   * ```ts
   * import { DryRunRunner, pod } from "podkit";
   * const compiled = pod().container({ name: "main", image: "busybox" }).compile();
   * const { plan, namespace } = await new DryRunRunner().run(compiled);
   * ```
   */
  run(compiled: CompiledPod, options?: RunOptions): Promise<DryRunResult> {
    try {
      options?.signal?.throwIfAborted();
      const namespace = resolveNamespace({ explicit: compiled.plan.pod.namespace, connection: compiled.connection?.namespace, context: this.#options.contextNamespace });
      const identity = drawRunIdentity(compiled.plan, namespace);
      return Promise.resolve(
        Object.freeze({
          manifest: stampRunIdentity(compiled.manifest, compiled.plan.pod, identity),
          plan: compiled.plan,
          description: compiled.describe(),
          runId: identity.runId,
          namespace,
        }),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}
