import type { PodBuilder } from "../../builders/pod.ts";
import { documentToBuilder } from "./from_spec.ts";
import { kestraToSpec, type FromKestraOptions } from "./kestra_task.ts";

/**
 * Builds a pod from a Kestra `io.kestra.plugin.kubernetes.core.PodCreate` task, or from a
 * flow whose tasks include one (choose with `taskId` when there are several). The YAML
 * runs unchanged: every property of PodCreate maps to a builder method, `{{workingDir}}`
 * is `/kestra/working-dir` as in Kestra, and a FILE input is the path of a local file.
 * Anything podkit cannot honour is an error naming the property's path, never ignored.
 *
 * @param source YAML or JSON text, or the parsed object
 * @throws {PodDefinitionError} listing every problem, e.g.
 *   `tasks[0].waitUntilRuning: unknown property; did you mean "waitUntilRunning"?`
 * @example
 * ```ts
 * import { fromKestra } from "podkit/kestra";
 * const flow = `
 * id: hello
 * namespace: company.team
 * inputs:
 *   - id: greeting
 *     type: STRING
 * tasks:
 *   - id: say
 *     type: io.kestra.plugin.kubernetes.core.PodCreate
 *     spec:
 *       containers:
 *         - name: main
 *           image: busybox
 *           command: ["echo", "{{ inputs.greeting }}"]
 *       restartPolicy: Never
 * `;
 * const builder = fromKestra(flow, { inputs: { greeting: "hi" } });
 * builder.description.containers[0]?.command; // ["echo", "hi"]
 * ```
 */
export function fromKestra(source: string | Readonly<Record<string, unknown>>, options: FromKestraOptions = {}): PodBuilder {
  return documentToBuilder(kestraToSpec(source, options));
}
