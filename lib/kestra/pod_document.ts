import { resolve } from "node:path";
import type { V1Container, V1ObjectMeta, V1PodSpec, V1Volume } from "@kubernetes/client-node";
import type { FileSidecarOptions, PodBuilder } from "../../builders/pod.ts";
import { DESCRIPTION_DEFAULTS, type ConnectionOptions, type RetryInput } from "../compile/description.ts";
import type { FinishPolicy } from "../plan/policy.ts";
import { parseDuration, type DurationInput } from "../compile/duration.ts";
import {
  at,
  checkKeys,
  describe,
  expectBoolean,
  expectRecord,
  expectRecordList,
  expectString,
  expectStringMap,
  isRecord,
  type Issues,
} from "./_check.ts";
import { readConnection } from "./connection.ts";
import { missingInputs, readInputDeclarations, resolveInputs, type InputValue } from "./inputs.ts";
import { renderString, renderTree, wholeFileInput, type TemplateScope } from "./template.ts";

/**
 * The content of an input file in a {@link PodDocument}: text, a local file (`path`,
 * relative to the document's directory), or bytes in base64.
 *
 * @example
 * ```ts
 * import type { PodDocumentFile } from "podkit/kestra";
 * const files: Record<string, PodDocumentFile> = { "a.txt": "text", "b.csv": { path: "b.csv" }, "c.bin": { base64: "AAEC" } };
 * ```
 */
export type PodDocumentFile =
  | string
  | {
      /** A local file, relative to the document's directory. */
      readonly path: string;
    }
  | {
      /** The file's bytes, base64-encoded. */
      readonly base64: string;
    };

/**
 * An input a {@link PodDocument} declares, for `{{inputs.NAME}}` templates.
 *
 * @example
 * ```ts
 * import type { PodDocumentInput } from "podkit/kestra";
 * const input: PodDocumentInput = { id: "file", type: "FILE" };
 * ```
 */
export interface PodDocumentInput {
  /** The NAME of `{{inputs.NAME}}`. */
  readonly id: string;
  /** `FILE` (a local file given by the caller) or a text type (`STRING`, `INT`, …). @default "STRING" */
  readonly type?: string;
  /** Whether the run needs a value for it. @default true */
  readonly required?: boolean;
  /** Value used when the caller gives none. */
  readonly defaults?: string | number | boolean;
  /** What the input is for. */
  readonly description?: string;
}

/**
 * podkit's own YAML/JSON form of a pod: a plain object whose keys mirror the
 * {@link PodBuilder} methods. Every key is optional except `containers` (or
 * `spec.containers`); unknown keys are errors.
 *
 * | key | builder call |
 * |---|---|
 * | `name` | `pod(name)` |
 * | `namespace`, `labels`, `annotations`, `metadata` | `.namespace()`, `.labels()`, `.annotations()`, `.metadata()` |
 * | `containers`, `initContainers`, `volumes` | `.container()`, `.initContainer()`, `.volume()` per entry |
 * | `spec` | `.spec()` |
 * | `defaults` | `.defaults()` |
 * | `inputFiles` (`{ name: content }`) | `.inputFile(name, content)` per entry |
 * | `outputFiles` (list of globs) | `.outputFiles(...globs)` |
 * | `workingDir`, `fileSidecar`, `connection`, `runId`, `delete`, `resume`, `outputNonce`, `outputValuesFile` | the method of that name |
 * | `waitUntilRunning`, `waitRunning`, `waitForLogInterval`, `waitUntilReady` | the method of that name |
 * | `retry`, `timeout`, `onFinish`, `acceptExitCodes` (list), `allowFailure`, `terminationGracePeriod` | the method of that name |
 * | `inputs` | declares inputs for `{{inputs.NAME}}` templates |
 *
 * Strings may hold `{{workingDir}}`, `{{inputs.NAME}}` and `{{outputFiles.NAME}}`.
 *
 * @example
 * ```ts
 * import type { PodDocument } from "podkit/kestra";
 * const document: PodDocument = {
 *   name: "copy",
 *   inputs: [{ id: "file", type: "FILE" }],
 *   containers: [{ name: "main", image: "busybox", command: ["cp", "{{workingDir}}/in.txt", "{{workingDir}}/out.txt"] }],
 *   inputFiles: { "in.txt": "{{inputs.file}}" },
 *   outputFiles: ["out.txt"],
 *   waitUntilRunning: "PT3M",
 * };
 * ```
 */
export interface PodDocument {
  /** Pod name; generated when absent. `pod(name)` */
  readonly name?: string;
  /** Namespace of the pod. `.namespace()` @default "default" */
  readonly namespace?: string;
  /** Labels added to the pod. `.labels()` */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations added to the pod. `.annotations()` */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Other pod metadata (generateName, finalizers, …). `.metadata()` */
  readonly metadata?: Readonly<V1ObjectMeta>;
  /** The pod's containers, in order. `.container()` per entry */
  readonly containers?: readonly V1Container[];
  /** The pod's init containers, in order. `.initContainer()` per entry */
  readonly initContainers?: readonly V1Container[];
  /** The pod's volumes. `.volume()` per entry */
  readonly volumes?: readonly V1Volume[];
  /** Any other pod spec field (nodeSelector, tolerations, restartPolicy, …). `.spec()` */
  readonly spec?: Readonly<Partial<V1PodSpec>>;
  /** Container defaults merged into every container (Kestra's `containerDefaultSpec`). `.defaults()` */
  readonly defaults?: Readonly<Partial<V1Container>>;
  /** Inputs the document declares, which `{{inputs.NAME}}` refers to. */
  readonly inputs?: readonly PodDocumentInput[];
  /** Files placed in the working directory before the containers start. `.inputFile()` per entry */
  readonly inputFiles?: Readonly<Record<string, PodDocumentFile>>;
  /** Globs, relative to the working directory, of the files to bring back. `.outputFiles()` */
  readonly outputFiles?: readonly string[];
  /** Working directory in the pod, which `{{workingDir}}` names. `.workingDir()` @default "/podkit/work" */
  readonly workingDir?: string;
  /** The container that moves files in and out. `.fileSidecar()` */
  readonly fileSidecar?: FileSidecarOptions;
  /** Budget from creation until the containers run. `.waitUntilRunning()` @default "PT10M" */
  readonly waitUntilRunning?: DurationInput;
  /** Budget from running until the containers end. `.waitRunning()` @default "PT1H" */
  readonly waitRunning?: DurationInput;
  /** Upper bound for late log lines. `.waitForLogInterval()` */
  readonly waitForLogInterval?: DurationInput;
  /** Budget for the pod's Ready condition; zero skips it. `.waitUntilReady()` @default "PT0S" */
  readonly waitUntilReady?: DurationInput;
  /** Delete the pod at the end. `.delete()` @default true */
  readonly delete?: boolean;
  /** What happens to the pod when the run ends. `.onFinish()` @default "delete" */
  readonly onFinish?: FinishPolicy;
  /** Retry the run in a fresh pod. `.retry()` */
  readonly retry?: RetryInput;
  /** The run's overall deadline, retries included. `.timeout()` */
  readonly timeout?: DurationInput;
  /** Exit codes of user containers that do not fail the run. `.acceptExitCodes()` @default [] */
  readonly acceptExitCodes?: readonly number[];
  /** Resolve with a failed result instead of rejecting. `.allowFailure()` @default false */
  readonly allowFailure?: boolean;
  /** How long the containers get to stop after SIGTERM when the run is aborted. `.terminationGracePeriod()` */
  readonly terminationGracePeriod?: DurationInput;
  /** Reattach to the pod of an earlier call with the same run id. `.resume()` @default true */
  readonly resume?: boolean;
  /** Stable identity of the run. `.runId()` */
  readonly runId?: string;
  /** How to reach the cluster; podkit adds `context` and `kubeconfigPath` to Kestra's fields. `.connection()` */
  readonly connection?: ConnectionOptions;
  /** Accept output lines only with this run's nonce. `.outputNonce()` @default false */
  readonly outputNonce?: boolean;
  /** A JSON object file in the working directory whose keys are output values. `.outputValuesFile()` */
  readonly outputValuesFile?: string;
}

/** The keys of a {@link PodDocument}, in the order the builder applies them. */
export const POD_DOCUMENT_KEYS = [
  "name",
  "namespace",
  "labels",
  "annotations",
  "metadata",
  "containers",
  "initContainers",
  "volumes",
  "spec",
  "defaults",
  "inputs",
  "inputFiles",
  "outputFiles",
  "workingDir",
  "fileSidecar",
  "waitUntilRunning",
  "waitRunning",
  "waitForLogInterval",
  "waitUntilReady",
  "delete",
  "onFinish",
  "retry",
  "timeout",
  "acceptExitCodes",
  "allowFailure",
  "terminationGracePeriod",
  "resume",
  "runId",
  "connection",
  "outputNonce",
  "outputValuesFile",
] as const;

/** Timeout keys, shared by Kestra's PodCreate and podkit's form. */
export const DURATION_KEYS = ["waitUntilRunning", "waitRunning", "waitForLogInterval", "waitUntilReady"] as const;

export function readDuration(value: unknown, path: string, issues: Issues): DurationInput | undefined {
  if (typeof value !== "string" && typeof value !== "number") {
    issues.add(path, `expected an ISO 8601 duration like "PT3M", got ${describe(value)}`);
    return undefined;
  }
  try {
    parseDuration(value);
    return value;
  } catch (error) {
    issues.add(path, (error as Error).message);
    return undefined;
  }
}

export function readFileSidecar(raw: unknown, path: string, issues: Issues): FileSidecarOptions | undefined {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  checkKeys(record, ["image", "resources", "defaultSpec"], path, issues);
  const out: { image?: string; resources?: FileSidecarOptions["resources"]; defaultSpec?: Partial<V1Container> } = {};
  if (record["image"] !== undefined) {
    const image = expectString(record["image"], at(path, "image"), issues);
    if (image !== undefined) out.image = image;
  }
  if (record["resources"] !== undefined) {
    const resources = expectRecord(record["resources"], at(path, "resources"), issues);
    if (resources !== undefined) {
      checkKeys(resources, ["limits", "requests", "claims"], at(path, "resources"), issues);
      out.resources = resources;
    }
  }
  if (record["defaultSpec"] !== undefined) {
    const defaultSpec = expectRecord(record["defaultSpec"], at(path, "defaultSpec"), issues);
    if (defaultSpec !== undefined) out.defaultSpec = defaultSpec;
  }
  return out;
}

/**
 * Reads input files: a map (or, in Kestra's form, a JSON text of a map) from names to
 * contents. A content that is exactly `{{inputs.NAME}}` of a FILE input becomes that file;
 * `{{workingDir}}` in a text content becomes `workingDir`, as Kestra renders it.
 */
export function readInputFiles(
  raw: unknown,
  path: string,
  scope: TemplateScope,
  issues: Issues,
  form: "kestra" | "podkit",
  baseDir: string,
  workingDir: string,
): Record<string, PodDocumentFile> | undefined {
  let value = raw;
  if (typeof value === "string") {
    const text = renderString(value, scope, path, issues);
    try {
      value = JSON.parse(text);
    } catch (error) {
      issues.add(path, `expected a map or the JSON text of a map: ${(error as Error).message}`);
      return undefined;
    }
  }
  const record = expectRecord(value, path, issues);
  if (record === undefined) return undefined;
  const out: Record<string, PodDocumentFile> = {};
  for (const [name, content] of Object.entries(record)) {
    const itemPath = at(path, name);
    if (typeof content === "string") {
      const file = wholeFileInput(content, scope);
      if (file !== undefined) {
        out[name] = { path: file };
        continue;
      }
      const text = renderString(content, scope, itemPath, issues).replaceAll("{{workingDir}}", workingDir);
      if (/^kestra:\/\//.test(text)) {
        issues.add(itemPath, `cannot read "${text}": Kestra storage is not reachable outside Kestra; declare a FILE input and give the local file`);
        continue;
      }
      out[name] = text;
    } else if (form === "podkit" && isRecord(content) && typeof content["path"] === "string" && Object.keys(content).length === 1) {
      out[name] = { path: resolve(baseDir, renderString(content["path"], scope, at(itemPath, "path"), issues)) };
    } else if (form === "podkit" && isRecord(content) && typeof content["base64"] === "string" && Object.keys(content).length === 1) {
      out[name] = { base64: content["base64"] };
    } else if (typeof content === "number" || typeof content === "boolean") {
      out[name] = String(content);
    } else {
      issues.add(itemPath, form === "podkit" ? `expected text, { path } or { base64 }, got ${describe(content)}` : `expected text, got ${describe(content)}`);
    }
  }
  return out;
}


/** Literal output file names (no glob characters), which `{{outputFiles.NAME}}` may name. */
export function literalOutputFiles(globs: readonly string[]): string[] {
  return globs.filter((g) => !/[*?[\]{}!()+@]/.test(g));
}

export function readOutputFiles(raw: unknown, path: string, scope: TemplateScope, issues: Issues): string[] | undefined {
  if (!Array.isArray(raw)) {
    issues.add(path, `expected a list of glob patterns, got ${describe(raw)}`);
    return undefined;
  }
  const out: string[] = [];
  raw.forEach((item, i) => {
    const glob = expectString(item, at(path, i), issues);
    if (glob !== undefined) out.push(renderString(glob, scope, at(path, i), issues));
  });
  return out;
}

/**
 * Reads podkit's `retry` (the builder's {@link RetryInput}): `attempts`, `on`,
 * `exitCodes`, `backoff` (a duration, or `{ initial, factor, max }`).
 */
function readRetry(raw: unknown, path: string, issues: Issues): RetryInput | undefined {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  const before = issues.size;
  checkKeys(record, ["attempts", "on", "exitCodes", "backoff"], path, issues);
  const attempts = record["attempts"];
  if (typeof attempts !== "number" || !Number.isInteger(attempts) || attempts < 1) {
    issues.add(at(path, "attempts"), `expected a whole number of attempts, 1 or more (the first included), got ${describe(attempts)}`);
  }
  const on = record["on"];
  if (on !== undefined && !(Array.isArray(on) && on.every((c) => typeof c === "string"))) issues.add(at(path, "on"), `expected a list of failure classes like ["OOMKilled"], got ${describe(on)}`);
  const exitCodes = record["exitCodes"];
  if (exitCodes !== undefined && !(Array.isArray(exitCodes) && exitCodes.every((c) => Number.isInteger(c)))) {
    issues.add(at(path, "exitCodes"), `expected a list of exit codes like [75], got ${describe(exitCodes)}`);
  }
  const backoff = record["backoff"];
  if (backoff !== undefined) {
    if (isRecord(backoff)) {
      checkKeys(backoff, ["initial", "factor", "max"], at(path, "backoff"), issues);
      readDuration(backoff["initial"], at(at(path, "backoff"), "initial"), issues);
      if (backoff["max"] !== undefined) readDuration(backoff["max"], at(at(path, "backoff"), "max"), issues);
      const factor = backoff["factor"];
      if (factor !== undefined && (typeof factor !== "number" || !(factor >= 1))) issues.add(at(at(path, "backoff"), "factor"), `expected a multiplier of 1 or more, got ${describe(factor)}`);
    } else readDuration(backoff, at(path, "backoff"), issues);
  }
  return issues.size === before ? (record as unknown as RetryInput) : undefined;
}

/** Options of {@link readPodDocument}. */
export interface ReadPodDocumentOptions {
  readonly inputs: Readonly<Record<string, InputValue>>;
  /** Where the caller's relative input paths are resolved from. */
  readonly baseDir: string;
  /** Where the document's own relative paths (`inputFiles: { x: { path } }`) are resolved from. */
  readonly documentDir: string;
}

/**
 * Checks a podkit document and renders its templates. Problems go to `issues`; the
 * returned document holds what could be read.
 */
export function readPodDocument(raw: unknown, options: ReadPodDocumentOptions, issues: Issues): PodDocument {
  const record = expectRecord(raw, "", issues);
  if (record === undefined) return {};
  checkKeys(record, POD_DOCUMENT_KEYS, "", issues, {
    apiVersion: 'this is podkit\'s own form, not a Kubernetes manifest; put the pod spec fields under "spec" and "containers"',
    kind: 'this is podkit\'s own form, not a Kubernetes manifest; put the pod spec fields under "spec" and "containers"',
  });
  const declarations = record["inputs"] === undefined ? undefined : readInputDeclarations(record["inputs"], "inputs", issues);
  const inputs = resolveInputs(declarations, options.inputs, options.baseDir, issues);
  const baseScope: TemplateScope = { inputs, outputFiles: [], missing: missingInputs(declarations, inputs), values: {} };
  const outputFiles = record["outputFiles"] === undefined ? undefined : readOutputFiles(record["outputFiles"], "outputFiles", baseScope, issues);
  const scope: TemplateScope = { ...baseScope, outputFiles: literalOutputFiles(outputFiles ?? []) };
  const out: Record<string, unknown> = {};
  const stringKeys = ["name", "namespace", "workingDir", "runId"] as const;
  for (const key of stringKeys) {
    if (record[key] === undefined) continue;
    const text = expectString(record[key], key, issues);
    if (text !== undefined) out[key] = renderString(text, scope, key, issues);
  }
  for (const key of ["labels", "annotations"] as const) {
    if (record[key] === undefined) continue;
    const map = expectStringMap(renderTree(record[key], scope, key, issues), key, issues);
    if (map !== undefined) out[key] = map;
  }
  for (const key of ["metadata", "spec", "defaults"] as const) {
    if (record[key] === undefined) continue;
    const map = expectRecord(renderTree(record[key], scope, key, issues), key, issues);
    if (map !== undefined) out[key] = map;
  }
  for (const key of ["containers", "initContainers", "volumes"] as const) {
    if (record[key] === undefined) continue;
    const list = expectRecordList(renderTree(record[key], scope, key, issues), key, issues);
    if (list !== undefined) out[key] = list;
  }
  if (record["inputFiles"] !== undefined) {
    const files = readInputFiles(record["inputFiles"], "inputFiles", scope, issues, "podkit", options.documentDir, (out["workingDir"] as string | undefined) ?? DESCRIPTION_DEFAULTS.workingDir);
    if (files !== undefined) out["inputFiles"] = files;
  }
  if (outputFiles !== undefined) out["outputFiles"] = outputFiles;
  if (record["fileSidecar"] !== undefined) {
    const sidecar = readFileSidecar(renderTree(record["fileSidecar"], scope, "fileSidecar", issues), "fileSidecar", issues);
    if (sidecar !== undefined) out["fileSidecar"] = sidecar;
  }
  for (const key of DURATION_KEYS) {
    if (record[key] === undefined) continue;
    const duration = readDuration(renderTree(record[key], scope, key, issues), key, issues);
    if (duration !== undefined) out[key] = duration;
  }
  for (const key of ["delete", "resume", "outputNonce", "allowFailure"] as const) {
    if (record[key] === undefined) continue;
    const flag = expectBoolean(renderTree(record[key], scope, key, issues), key, issues);
    if (flag !== undefined) out[key] = flag;
  }
  for (const key of ["timeout", "terminationGracePeriod"] as const) {
    if (record[key] === undefined) continue;
    const duration = readDuration(renderTree(record[key], scope, key, issues), key, issues);
    if (duration !== undefined) out[key] = duration;
  }
  if (record["onFinish"] !== undefined) {
    const policy = renderTree(record["onFinish"], scope, "onFinish", issues);
    if (policy === "delete" || policy === "keepOnFailure" || policy === "keep") out["onFinish"] = policy;
    else issues.add("onFinish", `expected "delete", "keepOnFailure" or "keep", got ${describe(policy)}`);
  }
  if (record["acceptExitCodes"] !== undefined) {
    const codes = renderTree(record["acceptExitCodes"], scope, "acceptExitCodes", issues);
    if (Array.isArray(codes) && codes.every((c) => Number.isInteger(c))) out["acceptExitCodes"] = codes;
    else issues.add("acceptExitCodes", `expected a list of exit codes like [1, 2], got ${describe(codes)}`);
  }
  if (record["retry"] !== undefined) {
    const retry = readRetry(renderTree(record["retry"], scope, "retry", issues), "retry", issues);
    if (retry !== undefined) out["retry"] = retry;
  }
  if (record["outputValuesFile"] !== undefined) {
    const file = expectString(renderTree(record["outputValuesFile"], scope, "outputValuesFile", issues), "outputValuesFile", issues);
    if (file !== undefined) out["outputValuesFile"] = file;
  }
  if (record["connection"] !== undefined) {
    const connection = readConnection(renderTree(record["connection"], scope, "connection", issues), "connection", issues, "podkit");
    if (connection !== undefined) out["connection"] = connection;
  }
  return out as PodDocument;
}
