import type { V1Container, V1ObjectMeta, V1Volume } from "@kubernetes/client-node";
import { at, checkKeys, describe, expectRecord, expectRecordList, isRecord, Issues } from "../lib/kestra/_check.ts";
import { parseText } from "../lib/kestra/_parse.ts";
import { PodDefinitionError } from "../lib/kestra/definition_error.ts";
import { pod, type PodBuilder, type PodSpecInput } from "./pod.ts";

const POD_KEYS = ["apiVersion", "kind", "metadata", "spec"] as const;
const SUPPORTED = "podkit runs one Pod: a kind: Pod document, or a kind: List holding one Pod (Kestra tasks and podkit pod documents have no kind)";

/**
 * Whether parsed data is a Kubernetes object (it has `apiVersion` or `kind`), which
 * {@link fromManifest} reads, rather than a Kestra task or podkit's own form.
 *
 * @example
 * ```ts
 * import { isManifest } from "podkit";
 * isManifest({ apiVersion: "v1", kind: "Pod" }); // true
 * isManifest({ containers: [] }); // false
 * ```
 */
export function isManifest(data: unknown): boolean {
  return isRecord(data) && ("kind" in data || "apiVersion" in data);
}

/** The one Pod of a manifest (a Pod, or a List holding one), and the path it was found at. */
function findPod(data: unknown, issues: Issues): { pod: Record<string, unknown>; path: string } | undefined {
  if (!isRecord(data)) {
    issues.add("", `expected a Kubernetes object with kind: Pod, got ${describe(data)}`);
    return undefined;
  }
  if (data["kind"] === "Pod") return { pod: data, path: "" };
  if (data["kind"] === "List" || (typeof data["kind"] === "string" && data["kind"].endsWith("List") && Array.isArray(data["items"]))) {
    const items = expectRecordList(data["items"], "items", issues);
    if (items === undefined) return undefined;
    const pods: { pod: Record<string, unknown>; path: string }[] = [];
    items.forEach((item, i) => {
      if (item["kind"] === "Pod") pods.push({ pod: item, path: at("items", i) });
      else issues.add(at(at("items", i), "kind"), `kind ${describe(item["kind"])} is not supported: ${SUPPORTED}`);
    });
    if (pods.length === 1 && issues.size === 0) return pods[0];
    if (pods.length !== 1 && issues.size === 0) issues.add("items", `holds ${pods.length} Pods: ${SUPPORTED}; run each Pod on its own`);
    return undefined;
  }
  issues.add("kind", data["kind"] === undefined ? `missing: ${SUPPORTED}` : `kind ${describe(data["kind"])} is not supported: ${SUPPORTED}`);
  return undefined;
}

/**
 * Builds a pod from a Kubernetes Pod manifest — YAML or JSON text, or the parsed object —
 * as `kubectl apply -f` and Airflow's `pod_template_file` take it: `metadata` (name,
 * namespace, labels, annotations, …) and `spec` (containers, init containers, volumes and
 * every other field) map to the builder, so defaults, files and budgets can be added
 * after. A `kind: List` holding one Pod is read too. `status` and any other `kind` are
 * refused; the manifest's strings may use `{{workingDir}}` like any spec. Without
 * `spec.restartPolicy`, the pod gets podkit's `Never` (a Pod's own default, `Always`,
 * would never end).
 *
 * @param manifest YAML or JSON text, or the parsed object
 * @throws {PodDefinitionError} listing every problem with its path (`spec.containers`, `kind`)
 * @example
 * ```ts
 * import { fromManifest } from "podkit";
 * const builder = fromManifest(`
 * apiVersion: v1
 * kind: Pod
 * metadata:
 *   name: hello
 *   labels: { team: data }
 * spec:
 *   containers:
 *     - name: main
 *       image: busybox
 *       command: ["echo", "hi"]
 * `).waitUntilRunning("PT3M");
 * builder.compile().manifest.metadata?.name; // "hello"
 * ```
 */
export function fromManifest(manifest: string | Readonly<Record<string, unknown>>): PodBuilder {
  const issues = new Issues();
  const data = typeof manifest === "string" ? parseText(manifest, issues) : manifest;
  const found = issues.size === 0 ? findPod(data, issues) : undefined;
  if (found === undefined) throw new PodDefinitionError("the Pod manifest", issues.list);
  const { pod: object, path } = found;
  checkKeys(object, POD_KEYS, path, issues, { status: "is set by the cluster, not by a manifest: remove it (kubectl get -o yaml prints it)" });
  if (object["apiVersion"] !== undefined && object["apiVersion"] !== "v1") {
    issues.add(at(path, "apiVersion"), `expected "v1" for a Pod, got ${describe(object["apiVersion"])}`);
  }
  const metadata = object["metadata"] === undefined ? {} : expectRecord(object["metadata"], at(path, "metadata"), issues);
  const spec = expectRecord(object["spec"], at(path, "spec"), issues);
  if (spec !== undefined && spec["containers"] === undefined) issues.add(at(at(path, "spec"), "containers"), "missing: a Pod needs at least one container");
  const lists = spec === undefined ? undefined : readLists(spec, at(path, "spec"), issues);
  if (issues.size > 0 || metadata === undefined || spec === undefined || lists === undefined) throw new PodDefinitionError("the Pod manifest", issues.list);

  const { name, namespace, labels, annotations, ...otherMetadata } = metadata as V1ObjectMeta & Record<string, unknown>;
  const { containers: _c, initContainers: _i, volumes: _v, ...otherSpec } = spec;
  try {
    let builder = pod(typeof name === "string" ? name : undefined);
    if (typeof namespace === "string") builder = builder.namespace(namespace);
    if (Object.keys(otherMetadata).length > 0) builder = builder.metadata(otherMetadata);
    if (labels !== undefined) builder = builder.labels(labels);
    if (annotations !== undefined) builder = builder.annotations(annotations);
    for (const container of lists.containers) builder = builder.container(container);
    for (const container of lists.initContainers) builder = builder.initContainer(container);
    for (const volume of lists.volumes) builder = builder.volume(volume);
    if (Object.keys(otherSpec).length > 0) builder = builder.spec(otherSpec as PodSpecInput);
    return builder;
  } catch (error) {
    // A builder call refused a value's type (a name that is a number, labels that are a list).
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new PodDefinitionError("the Pod manifest", [{ path: at(path, "metadata"), message: error.message }]);
    }
    throw error;
  }
}

function readLists(spec: Record<string, unknown>, path: string, issues: Issues): { containers: V1Container[]; initContainers: V1Container[]; volumes: V1Volume[] } | undefined {
  const read = (key: string): Record<string, unknown>[] | undefined => (spec[key] === undefined ? [] : expectRecordList(spec[key], at(path, key), issues));
  const containers = read("containers");
  const initContainers = read("initContainers");
  const volumes = read("volumes");
  if (containers === undefined || initContainers === undefined || volumes === undefined) return undefined;
  return { containers: containers as unknown as V1Container[], initContainers: initContainers as unknown as V1Container[], volumes: volumes as unknown as V1Volume[] };
}
