/**
 * Definitions as data: Kestra PodCreate tasks and flows ({@link fromKestra}) and podkit's
 * own YAML/JSON form of a pod ({@link fromSpec}), each turned into a `PodBuilder` of
 * `podkit`.
 *
 * @example
 * ```ts
 * import { DryRunRunner } from "podkit";
 * import { fromKestra } from "podkit/kestra";
 * const builder = fromKestra(`
 * type: io.kestra.plugin.kubernetes.core.PodCreate
 * spec:
 *   containers:
 *     - name: main
 *       image: busybox
 *       command: ["echo", "hi"]
 * `);
 * const { manifest } = await builder.run(new DryRunRunner());
 * manifest.spec?.containers[0]?.image; // "busybox"
 * ```
 *
 * @module podkit/kestra
 */
export { PodDefinitionError } from "./definition_error.ts";
export { fromKestra } from "./from_kestra.ts";
export { fromSpec, type FromSpecOptions } from "./from_spec.ts";
export type { InputValue } from "./inputs.ts";
export { kestraToSpec, KESTRA_POD_CREATE_TYPES, KESTRA_WORKING_DIR, type FromKestraOptions } from "./kestra_task.ts";
export { loadDefinition, type DefinitionFormat, type LoadedDefinition } from "./load_definition.ts";
export type { PodDocument, PodDocumentFile, PodDocumentInput } from "./pod_document.ts";
