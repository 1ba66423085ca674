import type { ValidationIssue } from "../run/errors.ts";

/**
 * Thrown by `fromKestra()`, `fromSpec()` (`podkit/kestra`) and `fromManifest()` when a definition cannot become a pod:
 * unreadable YAML, an unknown or unsupported property, a missing input. Lists every
 * problem found, each with the path of the property in the source document
 * (`tasks[0].waitUntilRuning`).
 *
 * @example
 * ```ts
 * import { fromSpec, PodDefinitionError } from "podkit/kestra";
 * try {
 *   fromSpec({ containers: [{ name: "main", image: "busybox" }], waitUntilRuning: "PT1M" });
 * } catch (error) {
 *   if (error instanceof PodDefinitionError) console.log(error.issues[0]?.path); // "waitUntilRuning"
 * }
 * ```
 */
export class PodDefinitionError extends Error {
  /** Always `"PodDefinitionError"`. */
  override readonly name = "PodDefinitionError";
  /** Every problem found, in document order. */
  readonly issues: readonly ValidationIssue[];
  /** What was being read, e.g. `the Kestra flow "kubernetes_pod_create"`. */
  readonly source: string;

  /**
   * An error naming what was read and every problem found in it.
   *
   * @param source what was being read, e.g. `the Kestra flow "kubernetes_pod_create"`
   * @param issues every problem found
   */
  constructor(source: string, issues: readonly ValidationIssue[]) {
    const lines = issues.map((i) => `  - ${i.path === "" ? "(document)" : i.path}: ${i.message}`);
    super(`Cannot read ${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} found\n${lines.join("\n")}`);
    this.source = source;
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}
