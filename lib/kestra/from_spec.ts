import { pod, type PodBuilder } from "../../builders/pod.ts";
import type { InputContent } from "../compile/description.ts";
import { Issues } from "./_check.ts";
import { parseText } from "./_parse.ts";
import { PodDefinitionError } from "./definition_error.ts";
import type { InputValue } from "./inputs.ts";
import { readPodDocument, type PodDocument, type PodDocumentFile } from "./pod_document.ts";

/**
 * Options of {@link fromSpec}.
 *
 * @example
 * ```ts
 * import type { FromSpecOptions } from "podkit/kestra";
 * const options: FromSpecOptions = { inputs: { greeting: "hi" }, documentDir: "./jobs" };
 * ```
 */
export interface FromSpecOptions {
  /** Values of the inputs `{{inputs.NAME}}` refers to. @default {} */
  readonly inputs?: Readonly<Record<string, InputValue>>;
  /** Directory that relative paths of FILE inputs are resolved from. @default process.cwd() */
  readonly baseDir?: string;
  /** Directory that the document's relative `{ path }` input files are resolved from. @default baseDir */
  readonly documentDir?: string;
}

function content(file: PodDocumentFile): InputContent {
  if (typeof file === "string") return file;
  if ("path" in file) return { path: file.path };
  return new Uint8Array(Buffer.from(file.base64, "base64"));
}

/**
 * Turns a checked {@link PodDocument} (templates rendered, paths absolute) into a builder.
 * Builder calls that reject a value throw their own `TypeError`.
 */
export function documentToBuilder(document: PodDocument): PodBuilder {
  let builder = pod(document.name);
  if (document.namespace !== undefined) builder = builder.namespace(document.namespace);
  if (document.metadata !== undefined) builder = builder.metadata(document.metadata);
  if (document.labels !== undefined) builder = builder.labels(document.labels);
  if (document.annotations !== undefined) builder = builder.annotations(document.annotations);
  for (const container of document.containers ?? []) builder = builder.container(container);
  for (const container of document.initContainers ?? []) builder = builder.initContainer(container);
  for (const volume of document.volumes ?? []) builder = builder.volume(volume);
  if (document.spec !== undefined) builder = builder.spec(document.spec);
  if (document.defaults !== undefined) builder = builder.defaults(document.defaults);
  for (const [name, file] of Object.entries(document.inputFiles ?? {})) builder = builder.inputFile(name, content(file));
  if (document.outputFiles !== undefined && document.outputFiles.length > 0) builder = builder.outputFiles(...document.outputFiles);
  if (document.workingDir !== undefined) builder = builder.workingDir(document.workingDir);
  if (document.fileSidecar !== undefined) builder = builder.fileSidecar(document.fileSidecar);
  if (document.waitUntilRunning !== undefined) builder = builder.waitUntilRunning(document.waitUntilRunning);
  if (document.waitRunning !== undefined) builder = builder.waitRunning(document.waitRunning);
  if (document.waitForLogInterval !== undefined) builder = builder.waitForLogInterval(document.waitForLogInterval);
  if (document.waitUntilReady !== undefined) builder = builder.waitUntilReady(document.waitUntilReady);
  if (document.delete !== undefined) builder = builder.delete(document.delete);
  if (document.onFinish !== undefined) builder = builder.onFinish(document.onFinish);
  if (document.retry !== undefined) builder = builder.retry(document.retry);
  if (document.timeout !== undefined) builder = builder.timeout(document.timeout);
  if (document.acceptExitCodes !== undefined && document.acceptExitCodes.length > 0) builder = builder.acceptExitCodes(...document.acceptExitCodes);
  if (document.allowFailure !== undefined) builder = builder.allowFailure(document.allowFailure);
  if (document.terminationGracePeriod !== undefined) builder = builder.terminationGracePeriod(document.terminationGracePeriod);
  if (document.resume !== undefined) builder = builder.resume(document.resume);
  if (document.runId !== undefined) builder = builder.runId(document.runId);
  if (document.connection !== undefined) builder = builder.connection(document.connection);
  if (document.outputNonce !== undefined) builder = builder.outputNonce(document.outputNonce);
  if (document.outputValuesFile !== undefined) builder = builder.outputValuesFile(document.outputValuesFile);
  return builder;
}

/**
 * Builds a pod from podkit's own YAML/JSON form ({@link PodDocument}): a plain object whose
 * keys mirror the builder methods, given as YAML or JSON text or already parsed. Templates `{{inputs.NAME}}` take the given inputs;
 * `{{workingDir}}` is left for `compile()`.
 *
 * @throws {PodDefinitionError} listing every unknown key, wrong type and missing input
 * @example
 * ```ts
 * import { fromSpec } from "podkit/kestra";
 * const builder = fromSpec({
 *   name: "hello",
 *   containers: [{ name: "main", image: "busybox", command: ["echo", "{{inputs.greeting}}"] }],
 *   waitUntilRunning: "PT3M",
 * }, { inputs: { greeting: "hi" } });
 * builder.description.containers[0]?.command; // ["echo", "hi"]
 * ```
 */
export function fromSpec(document: unknown, options: FromSpecOptions = {}): PodBuilder {
  const issues = new Issues();
  const data = typeof document === "string" ? parseText(document, issues) : document;
  if (issues.size > 0) throw new PodDefinitionError("the pod document", issues.list);
  const baseDir = options.baseDir ?? process.cwd();
  const checked = readPodDocument(data, { inputs: options.inputs ?? {}, baseDir, documentDir: options.documentDir ?? baseDir }, issues);
  if (issues.size > 0) throw new PodDefinitionError("the pod document", issues.list);
  return documentToBuilder(checked);
}
