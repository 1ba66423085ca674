import { fromManifest, isManifest } from "../../builders/from_manifest.ts";
import type { PodBuilder } from "../../builders/pod.ts";
import { isRecord, Issues } from "./_check.ts";
import { parseText } from "./_parse.ts";
import { PodDefinitionError } from "./definition_error.ts";
import { documentToBuilder, fromSpec } from "./from_spec.ts";
import { kestraToSpec, type FromKestraOptions } from "./kestra_task.ts";

/**
 * The forms {@link loadDefinition} recognises.
 *
 * @example
 * ```ts
 * import type { DefinitionFormat } from "podkit/kestra";
 * const format: DefinitionFormat = "kestra";
 * ```
 */
export type DefinitionFormat = "kestra" | "podkit" | "manifest";

/**
 * What {@link loadDefinition} read.
 *
 * @example
 * ```ts
 * import { loadDefinition, type LoadedDefinition } from "podkit/kestra";
 * const loaded: LoadedDefinition = loadDefinition({ containers: [{ name: "main", image: "busybox" }] });
 * loaded.builder.compile();
 * ```
 */
export interface LoadedDefinition {
  /** Which form the source was in. */
  readonly format: DefinitionFormat;
  /** The pod it describes. */
  readonly builder: PodBuilder;
}

/**
 * Builds a pod from a definition in any form, told apart by content: a Kubernetes
 * manifest (it has `kind` or `apiVersion`: a Pod, or a List holding one, read by
 * `fromManifest`; any other kind is refused), a Kestra task or flow (it has `type` or
 * `tasks`), else podkit's own form ({@link PodDocument}). This is what `podkit run` does
 * with its FILE.
 *
 * @param source YAML or JSON text, or the parsed object
 * @throws {PodDefinitionError} listing every problem with its path
 * @example
 * ```ts
 * import { loadDefinition } from "podkit/kestra";
 * const { format, builder } = loadDefinition('{"containers": [{"name": "main", "image": "busybox"}]}');
 * format; // "podkit"
 * ```
 */
export function loadDefinition(source: string | Readonly<Record<string, unknown>>, options: FromKestraOptions = {}): LoadedDefinition {
  const issues = new Issues();
  const data = typeof source === "string" ? parseText(source, issues) : source;
  if (issues.size > 0) throw new PodDefinitionError("the definition", issues.list);
  if (isManifest(data)) {
    if (options.taskId !== undefined) {
      throw new PodDefinitionError("the Pod manifest", [{ path: "", message: `a task id ("${options.taskId}") was given, but this is a Kubernetes manifest, not a Kestra flow` }]);
    }
    const builder = fromManifest(data as Readonly<Record<string, unknown>>);
    return { format: "manifest", builder: options.workingDir === undefined ? builder : builder.workingDir(options.workingDir) };
  }
  if (isRecord(data) && ("type" in data || "tasks" in data)) {
    return { format: "kestra", builder: documentToBuilder(kestraToSpec(data, options)) };
  }
  if (options.taskId !== undefined) {
    throw new PodDefinitionError("the pod document", [{ path: "", message: `a task id ("${options.taskId}") was given, but this is not a Kestra flow` }]);
  }
  const specOptions = {
    ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    ...(options.documentDir === undefined ? {} : { documentDir: options.documentDir }),
  };
  const builder = fromSpec(data, specOptions);
  return { format: "podkit", builder: options.workingDir === undefined ? builder : builder.workingDir(options.workingDir) };
}
