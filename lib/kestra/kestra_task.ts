import type { V1ObjectMeta } from "@kubernetes/client-node";
import {
  at,
  checkKeys,
  describe,
  expectBoolean,
  expectRecord,
  expectString,
  isRecord,
  Issues,
} from "./_check.ts";
import { parseText } from "./_parse.ts";
import { readConnection } from "./connection.ts";
import { PodDefinitionError } from "./definition_error.ts";
import { missingInputs, readInputDeclarations, resolveInputs, type InputValue } from "./inputs.ts";
import {
  DURATION_KEYS,
  literalOutputFiles,
  readDuration,
  readFileSidecar,
  readInputFiles,
  readOutputFiles,
  type PodDocument,
} from "./pod_document.ts";
import { readKestraRetry } from "./retry.ts";
import { renderString, renderTree, type TemplateScope } from "./template.ts";

/**
 * The task types read as Kestra's PodCreate (the second is its former name).
 *
 * @example
 * ```ts
 * import { KESTRA_POD_CREATE_TYPES } from "podkit/kestra";
 * KESTRA_POD_CREATE_TYPES.includes("io.kestra.plugin.kubernetes.core.PodCreate"); // true
 * ```
 */
export const KESTRA_POD_CREATE_TYPES = ["io.kestra.plugin.kubernetes.core.PodCreate", "io.kestra.plugin.kubernetes.PodCreate"] as const;

/**
 * Kestra mounts input and output files here; podkit uses the same path for Kestra tasks,
 * so commands that spell it out still work.
 *
 * @example
 * ```ts
 * import { fromKestra, KESTRA_WORKING_DIR } from "podkit/kestra";
 * const builder = fromKestra({ type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [{ name: "main", image: "busybox" }] } });
 * builder.description.workingDir === KESTRA_WORKING_DIR; // true
 * ```
 */
export const KESTRA_WORKING_DIR = "/kestra/working-dir";

/** Every property of Kestra's PodCreate task. */
const TASK_KEYS = [
  "id",
  "type",
  "description",
  "namespace",
  "metadata",
  "spec",
  "containerDefaultSpec",
  "connection",
  "delete",
  "resume",
  "fileSidecar",
  "inputFiles",
  "outputFiles",
  "waitUntilRunning",
  "waitRunning",
  "waitForLogInterval",
  "waitUntilReady",
  "retry",
  "timeout",
  "allowFailure",
] as const;

const UNSUPPORTED_TASK_KEYS: Record<string, string> = {
  allowWarning: "podkit has no warning state",
  logLevel: "podkit keeps every log line",
  logToFile: "podkit returns the logs; write them where you want",
  workerGroup: "podkit has no workers",
  runIf: "podkit runs the task it is given",
  taskCache: "podkit does not cache task results",
  disabled: "remove the task or choose another one",
};

const FLOW_KEYS = ["id", "namespace", "description", "revision", "inputs", "variables", "tasks"] as const;

const UNSUPPORTED_FLOW_KEYS: Record<string, string> = {
  triggers: "podkit runs the task now, once",
  errors: "podkit runs one task; handle failures in the caller",
  finally: "podkit runs one task",
  afterExecution: "podkit runs one task",
  pluginDefaults: "write the properties on the task",
  taskDefaults: "write the properties on the task",
  concurrency: "podkit runs the task it is given",
  outputs: "flow outputs are not computed; read the run's result",
  labels: "put pod labels under the task's metadata.labels",
  listeners: "podkit runs one task",
  retry: "give the retry on the PodCreate task itself",
  sla: "podkit runs one task",
  checks: "podkit runs one task",
  workerGroup: "podkit has no workers",
  disabled: "the flow is disabled",
};

const METADATA_KEYS = ["name", "generateName", "namespace", "labels", "annotations", "finalizers", "ownerReferences"] as const;
const SERVER_METADATA = "set by the API server, not by the pod's author";
const UNSUPPORTED_METADATA_KEYS: Record<string, string> = Object.fromEntries(
  ["clusterName", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "generation", "managedFields", "resourceVersion", "selfLink", "uid"].map(
    (k) => [k, SERVER_METADATA],
  ),
);

/**
 * Options of {@link fromKestra} and {@link kestraToSpec}.
 *
 * @example
 * ```ts
 * import type { FromKestraOptions } from "podkit/kestra";
 * const options: FromKestraOptions = { inputs: { file: "./data.txt" }, taskId: "pod_create" };
 * ```
 */
export interface FromKestraOptions {
  /**
   * Values of the flow's inputs. A `FILE` input takes the path of a local file (a string
   * or `{ path }`); other inputs take text.
   * @default {}
   */
  readonly inputs?: Readonly<Record<string, InputValue>>;
  /** Which task of a flow to run, when it has several PodCreate tasks. */
  readonly taskId?: string;
  /** Directory relative paths of FILE inputs are resolved from. @default process.cwd() */
  readonly baseDir?: string;
  /**
   * Directory relative `{ path }` input files of podkit's own form are resolved from
   * (used by {@link loadDefinition}; Kestra tasks have none). @default baseDir
   */
  readonly documentDir?: string;
  /** Working directory in the pod, which `{{workingDir}}` names. @default "/kestra/working-dir" */
  readonly workingDir?: string;
}

interface Located {
  readonly task: Record<string, unknown>;
  readonly path: string;
}

function isPodCreate(task: Record<string, unknown>): boolean {
  return (KESTRA_POD_CREATE_TYPES as readonly unknown[]).includes(task["type"]);
}

/** Every task of a flow, nested flowable tasks included, with its path. */
function allTasks(tasks: unknown, path: string, out: Located[] = []): Located[] {
  if (!Array.isArray(tasks)) return out;
  tasks.forEach((task, i) => {
    if (!isRecord(task)) return;
    out.push({ task, path: at(path, i) });
    allTasks(task["tasks"], at(at(path, i), "tasks"), out);
  });
  return out;
}

function chooseTask(flow: Record<string, unknown>, taskId: string | undefined, issues: Issues): Located | undefined {
  if (!Array.isArray(flow["tasks"])) {
    issues.add("tasks", `expected a list of tasks, got ${describe(flow["tasks"])}`);
    return undefined;
  }
  const tasks = allTasks(flow["tasks"], "tasks");
  const candidates = tasks.filter((t) => isPodCreate(t.task));
  const ids = candidates.map((t) => `"${String(t.task["id"])}"`).join(", ");
  if (taskId !== undefined) {
    const found = tasks.find((t) => t.task["id"] === taskId);
    if (found === undefined) {
      issues.add("tasks", `no task "${taskId}"; ${ids === "" ? "the flow has no PodCreate task" : `PodCreate tasks: ${ids}`}`);
      return undefined;
    }
    if (!isPodCreate(found.task)) {
      issues.add(at(found.path, "type"), `task "${taskId}" is of type ${describe(found.task["type"])}; podkit runs ${KESTRA_POD_CREATE_TYPES[0]} tasks`);
      return undefined;
    }
    return found;
  }
  if (candidates.length === 0) {
    issues.add("tasks", `the flow has no ${KESTRA_POD_CREATE_TYPES[0]} task`);
    return undefined;
  }
  if (candidates.length > 1) {
    issues.add("tasks", `the flow has ${candidates.length} PodCreate tasks (${ids}); choose one with the taskId option (--task ID)`);
    return undefined;
  }
  return candidates[0];
}

function labelValue(value: unknown): string | undefined {
  return typeof value === "string" && /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/.test(value) ? value : undefined;
}

function readVariables(raw: unknown, scope: TemplateScope, issues: Issues): Record<string, string> {
  const record = expectRecord(raw, "variables", issues) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === "string") out[`vars.${key}`] = renderString(value, scope, at("variables", key), issues);
    else if (typeof value === "number" || typeof value === "boolean") out[`vars.${key}`] = String(value);
    else issues.add(at("variables", key), `expected text, a number or true/false, got ${describe(value)}`);
  }
  return out;
}

function readMetadata(raw: unknown, path: string, issues: Issues): V1ObjectMeta | undefined {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  checkKeys(record, METADATA_KEYS, path, issues, UNSUPPORTED_METADATA_KEYS);
  for (const key of ["labels", "annotations"] as const) {
    const map = record[key];
    if (map === undefined) continue;
    const checked = expectRecord(map, at(path, key), issues);
    for (const [k, v] of Object.entries(checked ?? {})) {
      if (typeof v !== "string") issues.add(at(at(path, key), k), `expected a string, got ${describe(v)}; quote it`);
    }
  }
  return record as V1ObjectMeta;
}

function readTask(located: Located, flow: Record<string, unknown> | undefined, options: FromKestraOptions, issues: Issues): PodDocument {
  const { task, path } = located;
  const baseDir = options.baseDir ?? process.cwd();
  checkKeys(task, TASK_KEYS, path, issues, UNSUPPORTED_TASK_KEYS);
  const declarations = flow?.["inputs"] === undefined ? undefined : readInputDeclarations(flow["inputs"], "inputs", issues);
  const inputs = resolveInputs(declarations, options.inputs ?? {}, baseDir, issues);
  const values: Record<string, string> = {};
  if (typeof flow?.["id"] === "string") values["flow.id"] = flow["id"];
  if (typeof flow?.["namespace"] === "string") values["flow.namespace"] = flow["namespace"];
  if (typeof task["id"] === "string") values["task.id"] = task["id"];
  if (typeof task["type"] === "string") values["task.type"] = task["type"];
  const baseScope: TemplateScope = { inputs, outputFiles: [], missing: missingInputs(declarations, inputs), values };
  if (flow?.["variables"] !== undefined) Object.assign(values, readVariables(flow["variables"], baseScope, issues));

  const outputFiles = task["outputFiles"] === undefined ? undefined : readOutputFiles(task["outputFiles"], at(path, "outputFiles"), baseScope, issues);
  const scope: TemplateScope = { ...baseScope, outputFiles: literalOutputFiles(outputFiles ?? []) };
  const render = (key: string): unknown => renderTree(task[key], scope, at(path, key), issues);

  const out: {
    -readonly [K in keyof PodDocument]: PodDocument[K];
  } = { workingDir: options.workingDir ?? KESTRA_WORKING_DIR };

  if (task["namespace"] !== undefined) {
    const namespace = expectString(render("namespace"), at(path, "namespace"), issues);
    if (namespace !== undefined) out.namespace = namespace;
  }
  if (task["metadata"] !== undefined) {
    const metadata = readMetadata(render("metadata"), at(path, "metadata"), issues);
    if (metadata !== undefined) {
      const { namespace, name, ...rest } = metadata;
      if (namespace !== undefined && out.namespace !== undefined && namespace !== out.namespace) {
        issues.add(at(at(path, "metadata"), "namespace"), `"${namespace}" differs from the task's namespace "${out.namespace}"; keep one`);
      } else if (namespace !== undefined) out.namespace = namespace;
      if (name !== undefined) out.name = name;
      out.metadata = rest;
    }
  }
  // Labels that say where the pod comes from, as Kestra sets them; the task's own labels win.
  const labels: Record<string, string> = {};
  const identity = { "kestra.io/namespace": flow?.["namespace"], "kestra.io/flow-id": flow?.["id"], "kestra.io/task-id": task["id"] };
  for (const [key, value] of Object.entries(identity)) {
    const checked = labelValue(value);
    if (checked !== undefined && out.metadata?.labels?.[key] === undefined) labels[key] = checked;
  }
  if (Object.keys(labels).length > 0) out.labels = labels;
  if (task["spec"] === undefined) issues.add(at(path, "spec"), "missing: a PodCreate task needs a pod spec with at least one container");
  else {
    const spec = expectRecord(render("spec"), at(path, "spec"), issues);
    if (spec !== undefined) out.spec = spec;
  }
  if (task["containerDefaultSpec"] !== undefined) {
    const defaults = expectRecord(render("containerDefaultSpec"), at(path, "containerDefaultSpec"), issues);
    if (defaults !== undefined) out.defaults = defaults;
  }
  if (task["inputFiles"] !== undefined) {
    const files = readInputFiles(task["inputFiles"], at(path, "inputFiles"), scope, issues, "kestra", baseDir, out.workingDir ?? KESTRA_WORKING_DIR);
    if (files !== undefined) out.inputFiles = files;
  }
  if (outputFiles !== undefined) out.outputFiles = outputFiles;
  if (task["fileSidecar"] !== undefined) {
    const sidecar = readFileSidecar(render("fileSidecar"), at(path, "fileSidecar"), issues);
    if (sidecar !== undefined) out.fileSidecar = sidecar;
  }
  for (const key of DURATION_KEYS) {
    if (task[key] === undefined) continue;
    const duration = readDuration(render(key), at(path, key), issues);
    if (duration !== undefined) out[key] = duration;
  }
  for (const key of ["delete", "resume", "allowFailure"] as const) {
    if (task[key] === undefined) continue;
    const flag = expectBoolean(render(key), at(path, key), issues);
    if (flag !== undefined) out[key] = flag;
  }
  if (task["retry"] !== undefined) {
    const retry = readKestraRetry(render("retry"), at(path, "retry"), issues);
    if (retry !== undefined) out.retry = retry;
  }
  // Kestra bounds each attempt with it; podkit bounds the whole run, retries included.
  if (task["timeout"] !== undefined) {
    const timeout = readDuration(render("timeout"), at(path, "timeout"), issues);
    if (timeout !== undefined) out.timeout = timeout;
  }
  if (task["connection"] !== undefined) {
    const connection = readConnection(render("connection"), at(path, "connection"), issues, "kestra");
    if (connection !== undefined) out.connection = connection;
  }
  return out;
}

function sourceName(root: unknown): string {
  if (isRecord(root) && typeof root["id"] === "string") return `the Kestra ${"tasks" in root ? "flow" : "task"} "${root["id"]}"`;
  return "the Kestra definition";
}

/**
 * Converts a Kestra PodCreate task, or a flow holding one, into podkit's own form
 * ({@link PodDocument}): templates rendered, FILE inputs turned into local paths,
 * `{{workingDir}}` kept for `compile()`. {@link fromKestra} builds a pod from it.
 *
 * @throws {PodDefinitionError} listing every unknown or unsupported property, with its path
 * @example
 * ```ts
 * import { kestraToSpec } from "podkit/kestra";
 * const document = kestraToSpec(`
 * id: pod_create
 * type: io.kestra.plugin.kubernetes.core.PodCreate
 * spec:
 *   containers:
 *     - name: main
 *       image: busybox
 *       command: ["echo", "hello"]
 * `);
 * document.workingDir; // "/kestra/working-dir"
 * ```
 */
export function kestraToSpec(source: string | Readonly<Record<string, unknown>>, options: FromKestraOptions = {}): PodDocument {
  const issues = new Issues();
  const root = typeof source === "string" ? parseText(source, issues) : source;
  if (root === undefined) throw new PodDefinitionError("the Kestra definition", issues.list);
  let located: Located | undefined;
  let flow: Record<string, unknown> | undefined;
  if (!isRecord(root)) {
    issues.add("", `expected a Kestra task or flow (a map), got ${describe(root)}`);
  } else if ("tasks" in root && !("type" in root)) {
    flow = root;
    checkKeys(root, FLOW_KEYS, "", issues, UNSUPPORTED_FLOW_KEYS);
    located = chooseTask(root, options.taskId, issues);
    if (located !== undefined && located.task["disabled"] === true) {
      issues.add(at(located.path, "disabled"), "the task is disabled");
    }
  } else if ("type" in root) {
    if (!isPodCreate(root)) issues.add("type", `expected "${KESTRA_POD_CREATE_TYPES[0]}", got ${describe(root["type"])}`);
    else located = { task: root, path: "" };
    if (options.taskId !== undefined && root["id"] !== options.taskId) {
      issues.add("id", `the task is ${describe(root["id"])}, not "${options.taskId}"`);
    }
  } else {
    issues.add("", `expected a Kestra task (with "type: ${KESTRA_POD_CREATE_TYPES[0]}") or a flow (with "tasks")`);
  }
  const document = located === undefined ? undefined : readTask(located, flow, options, issues);
  if (issues.size > 0 || document === undefined) throw new PodDefinitionError(sourceName(root), issues.list);
  return document;
}
