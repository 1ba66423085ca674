import type { V1Volume } from "@kubernetes/client-node";
import picomatch from "picomatch";
import { CONNECTION_OPTION_NAMES, type PodDescription } from "./description.ts";
import { parseDuration } from "./duration.ts";
import type { ValidationIssue } from "../run/errors.ts";
import { FILE_TRANSFER, LABELS } from "../plan/plan.ts";
import { isPlainObject } from "./_data.ts";
import {
  MAX_GENERATE_NAME,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from "./_names.ts";
import { closest } from "./_suggest.ts";
import { checkFields, childPath } from "./_schema_check.ts";
import { checkContainerValues, checkPodSpecValues, checkQuantityMap, checkResources } from "./_value_rules.ts";
import { checkContainers, checkMounts, hasFileTransfer } from "./_validate_containers.ts";

const RESERVED_FILE_NAMES: ReadonlySet<string> = new Set([FILE_TRANSFER.readyMarker, FILE_TRANSFER.endedMarker]);
const SERVER_SET_METADATA: readonly string[] = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "selfLink",
  "managedFields",
];
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

type Issues = ValidationIssue[];


function checkMetadata(description: PodDescription, issues: Issues): void {
  if (description.name !== undefined) {
    const problem = checkDns1123Subdomain(description.name);
    if (problem !== undefined) issues.push({ path: "metadata.name", message: `Invalid pod name: ${problem}` });
  }
  for (const [path, namespace] of [
    ["metadata.namespace", description.namespace],
    ["connection.namespace", description.connection?.namespace],
  ] as const) {
    const problem = namespace === undefined ? undefined : checkDns1123Label(namespace);
    if (problem !== undefined) issues.push({ path, message: `Invalid namespace: ${problem}` });
  }
  const metadata = description.metadata as Record<string, unknown>;
  checkFields(metadata, "V1ObjectMeta", "metadata", issues);
  for (const field of SERVER_SET_METADATA) {
    if (metadata[field] !== undefined) {
      issues.push({ path: `metadata.${field}`, message: `"${field}" is set by the API server: remove it` });
    }
  }
  const generateName = metadata["generateName"];
  if (typeof generateName === "string") {
    if (description.name !== undefined) {
      issues.push({
        path: "metadata.generateName",
        message: `Both a name ("${description.name}") and generateName ("${generateName}") are given: keep one`,
      });
    } else if (generateName.length > MAX_GENERATE_NAME) {
      issues.push({
        path: "metadata.generateName",
        message: `"${generateName}" is ${generateName.length} characters long: with the 5 random characters the API server appends, at most ${MAX_GENERATE_NAME} are kept`,
      });
    } else {
      const problem = checkDns1123Subdomain(`${generateName}x`);
      if (problem !== undefined) {
        issues.push({
          path: "metadata.generateName",
          message: `"${generateName}" cannot start a pod name: use lower-case letters, digits, "-" and ".", starting with a letter or digit`,
        });
      }
    }
  }
  const labels = metadata["labels"];
  if (isPlainObject(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      const path = childPath("metadata.labels", key);
      const keyProblem = checkQualifiedName(key);
      if (keyProblem !== undefined) issues.push({ path, message: `Invalid label ${keyProblem}` });
      if (typeof value === "string") {
        const valueProblem = checkLabelValue(value);
        if (valueProblem !== undefined) issues.push({ path, message: `Invalid label ${valueProblem}` });
      }
      if (key === LABELS.runId) {
        issues.push({ path, message: `Label "${key}" is set by podkit: use .runId() instead` });
      }
    }
  }
  const annotations = metadata["annotations"];
  if (isPlainObject(annotations)) {
    let bytes = 0;
    for (const [key, value] of Object.entries(annotations)) {
      const keyProblem = checkQualifiedName(key);
      if (keyProblem !== undefined) issues.push({ path: childPath("metadata.annotations", key), message: `Invalid annotation ${keyProblem}` });
      bytes += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
    }
    if (bytes > MAX_ANNOTATIONS_BYTES) {
      issues.push({
        path: "metadata.annotations",
        message: `Annotations take ${bytes} bytes, at most ${MAX_ANNOTATIONS_BYTES} (256 KiB) are allowed: move large values to a ConfigMap or an input file`,
      });
    }
  }
}

function checkVolumes(description: PodDescription, issues: Issues): Set<string> {
  const declared = new Set<string>();
  description.volumes.forEach((volume: V1Volume, i) => {
    const path = `spec.volumes[${i}]`;
    checkFields(volume, "V1Volume", path, issues);
    const name: unknown = volume.name;
    if (typeof name !== "string") {
      issues.push({ path: `${path}.name`, message: "A volume needs a name" });
      return;
    }
    checkQuantityMap(isPlainObject(volume.emptyDir) ? { sizeLimit: volume.emptyDir.sizeLimit } : undefined, `${path}.emptyDir`, issues);
    const problem = checkDns1123Label(name);
    if (problem !== undefined) issues.push({ path: `${path}.name`, message: `Invalid volume name: ${problem}` });
    else if (name === FILE_TRANSFER.volume) {
      issues.push({ path: `${path}.name`, message: `Volume name "${name}" is reserved for podkit's file transfer: choose another` });
    } else if (declared.has(name)) {
      issues.push({ path: `${path}.name`, message: `Duplicate volume name "${name}"` });
    }
    declared.add(name);
  });
  if (hasFileTransfer(description)) declared.add(FILE_TRANSFER.volume);
  return declared;
}

function checkSpec(description: PodDescription, issues: Issues): void {
  const spec = description.spec as Record<string, unknown>;
  checkFields(spec, "V1PodSpec", "spec", issues);
  for (const list of ["containers", "initContainers", "volumes"]) {
    // The builder moves these out of spec(); only a description built by hand has them.
    if (spec[list] !== undefined) {
      issues.push({ path: `spec.${list}`, message: `A description keeps ${list} in its own "${list}" list, not in "spec": use the builder` });
    }
  }
  const restartPolicy = spec["restartPolicy"];
  if (restartPolicy === "Always") {
    issues.push({
      path: "spec.restartPolicy",
      message: 'restartPolicy "Always" restarts the containers forever, so the pod never ends: use "Never" (the default) or "OnFailure"',
    });
  } else if (restartPolicy !== undefined && restartPolicy !== "Never" && restartPolicy !== "OnFailure") {
    issues.push({ path: "spec.restartPolicy", message: `Unknown restartPolicy ${JSON.stringify(restartPolicy)}: use "Never" or "OnFailure"` });
  }
  checkPodSpecValues(spec, issues);
}

/** Why a path relative to the working directory is not acceptable, or undefined. */
function relativePathProblem(name: string): string | undefined {
  if (name.trim() === "") return "must not be empty";
  if (name.startsWith("/") || /^[A-Za-z]:[\\/]/.test(name)) return `"${name}" is absolute: give a path relative to the working directory`;
  if (name.includes("\\")) return `"${name}" contains "\\": separate directories with "/"`;
  if (name.includes("\0")) return `"${name}" contains a NUL character`;
  if (name.split("/").includes("..")) return `"${name}" climbs out of the working directory with "..": give a path inside it`;
  return undefined;
}

/** Markers podkit keeps at the top of the working directory: `.podkit-*` (the upload refuses them too). */
const RESERVED_PREFIX = ".podkit-";

function isReservedFileName(normal: string): boolean {
  return normal.startsWith(RESERVED_PREFIX) && !normal.includes("/");
}

function normalise(name: string): string {
  return name
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

function checkFiles(description: PodDescription, volumes: ReadonlySet<string>, issues: Issues): void {
  const workingDir = description.workingDir;
  if (!workingDir.startsWith("/")) {
    issues.push({ path: "workingDir", message: `"${workingDir}" is not absolute: the working directory must start with "/"` });
  } else if (normalise(workingDir) === "") {
    issues.push({ path: "workingDir", message: 'The working directory cannot be "/": choose a directory such as "/podkit/work"' });
  } else if (workingDir.split("/").includes("..")) {
    issues.push({ path: "workingDir", message: `"${workingDir}" contains "..": give a plain absolute path` });
  } else if (/\{\{|\}\}/.test(workingDir)) {
    issues.push({ path: "workingDir", message: `"${workingDir}" contains a template placeholder` });
  }

  const seen = new Map<string, string>();
  for (const file of description.inputFiles) {
    const path = childPath("inputFiles", file.name);
    const problem = relativePathProblem(file.name);
    if (problem !== undefined) {
      issues.push({ path, message: `Invalid input file name: ${problem}` });
      continue;
    }
    const normal = normalise(file.name);
    if (normal === "" || file.name.endsWith("/")) {
      issues.push({ path, message: `Invalid input file name: "${file.name}" names a directory, not a file` });
      continue;
    }
    if (RESERVED_FILE_NAMES.has(normal) || isReservedFileName(normal)) {
      issues.push({ path, message: `Input file name "${file.name}" is reserved for podkit's markers (names starting with "${RESERVED_PREFIX}"): choose another` });
      continue;
    }
    const previous = seen.get(normal);
    if (previous !== undefined) {
      issues.push({ path, message: `Input file "${file.name}" is given twice (also as "${previous}")` });
      continue;
    }
    for (const [other, original] of seen) {
      if (other.startsWith(`${normal}/`) || normal.startsWith(`${other}/`)) {
        issues.push({ path, message: `Input file "${file.name}" and "${original}" cannot both exist: one would be a directory of the other` });
      }
    }
    seen.set(normal, file.name);
  }

  description.outputFiles.forEach((glob, i) => {
    const path = `outputFiles[${i}]`;
    const problem = relativePathProblem(glob);
    if (problem !== undefined) {
      issues.push({ path, message: `Invalid output glob: ${problem}` });
      return;
    }
    try {
      picomatch.makeRe(glob, { strictBrackets: true });
    } catch (error) {
      issues.push({ path, message: `Invalid output glob "${glob}": ${(error as Error).message}` });
    }
  });

  const valuesFile = description.outputValuesFile;
  if (valuesFile !== undefined) {
    const problem = relativePathProblem(valuesFile);
    if (problem !== undefined) {
      issues.push({ path: "outputValuesFile", message: `Invalid output values file: ${problem}` });
    } else if (/[*?[\]{}()!+@]/.test(valuesFile)) {
      issues.push({ path: "outputValuesFile", message: `"${valuesFile}" is a glob: give the one file's name, e.g. "outputs.json"` });
    } else if (normalise(valuesFile) === "" || valuesFile.endsWith("/") || RESERVED_FILE_NAMES.has(normalise(valuesFile)) || isReservedFileName(normalise(valuesFile))) {
      issues.push({ path: "outputValuesFile", message: `"${valuesFile}" is not a file name podkit can use: give a file's name, e.g. "outputs.json"` });
    }
  }

  const sidecar = description.fileSidecar;
  if (typeof sidecar.image !== "string" || sidecar.image.trim() === "") {
    issues.push({ path: "fileSidecar.image", message: 'The file sidecar needs an image with sh and tar, e.g. "busybox"' });
  } else if (sidecar.image !== sidecar.image.trim()) {
    issues.push({
      path: "fileSidecar.image",
      message: `Image ${JSON.stringify(sidecar.image)} has leading or trailing whitespace: use "${sidecar.image.trim()}"`,
    });
  }
  checkFields(sidecar.resources, "V1ResourceRequirements", "fileSidecar.resources", issues);
  checkResources(sidecar.resources, "fileSidecar.resources", issues);
  if (sidecar.defaultSpec !== undefined) {
    checkFields(sidecar.defaultSpec, "V1Container", "fileSidecar.defaultSpec", issues);
    if (sidecar.defaultSpec.name !== undefined) {
      issues.push({ path: "fileSidecar.defaultSpec.name", message: "Container defaults cannot set a name: each container has its own" });
    }
    checkContainerValues(sidecar.defaultSpec as Record<string, unknown>, "fileSidecar.defaultSpec", issues);
    checkMounts(sidecar.defaultSpec.volumeMounts, "fileSidecar.defaultSpec.volumeMounts", description, volumes, issues);
  }
}

function checkTimeouts(description: PodDescription, issues: Issues): void {
  for (const [key, value] of Object.entries(description.timeouts)) {
    const path = `timeouts.${key}`;
    let ms: number;
    try {
      ms = parseDuration(value as string | number);
    } catch (error) {
      issues.push({ path, message: (error as Error).message });
      continue;
    }
    if (ms === 0 && (key === "waitUntilRunning" || key === "waitRunning")) {
      issues.push({ path, message: `${key} must be longer than zero, e.g. "PT10M"` });
    }
  }
}

function checkRun(description: PodDescription, issues: Issues): void {
  if (description.runId !== undefined) {
    const problem = description.runId === "" ? "must not be empty" : checkLabelValue(description.runId);
    if (problem !== undefined) issues.push({ path: "runId", message: `Invalid run id (it is stored as a label): ${problem}` });
  }
  const connection = description.connection as Record<string, unknown> | undefined;
  if (connection === undefined) return;
  const known: ReadonlySet<string> = new Set(CONNECTION_OPTION_NAMES);
  for (const key of Object.keys(connection)) {
    if (!known.has(key)) {
      const suggestion = closest(key, known);
      issues.push({
        path: childPath("connection", key),
        message: `Unknown connection option "${key}"${suggestion === undefined ? "" : `: did you mean "${suggestion}"?`}`,
      });
    }
  }
  const masterUrl = connection["masterUrl"];
  if (masterUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(String(masterUrl));
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
      issues.push({ path: "connection.masterUrl", message: `"${String(masterUrl)}" is not an http(s) URL, e.g. "https://kubernetes.default.svc"` });
    }
  }
  for (const what of ["caCert", "clientCert", "clientKey"] as const) {
    if (connection[`${what}Data`] !== undefined && connection[`${what}File`] !== undefined) {
      issues.push({ path: `connection.${what}File`, message: `Both ${what}Data and ${what}File are given: keep one` });
    }
  }
  for (const store of ["keyStore", "trustStore"] as const) {
    const file = connection[`${store}File`];
    if (typeof file === "string" && /\.(jks|jceks|keystore)$/i.test(file)) {
      issues.push({ path: `connection.${store}File`, message: `"${file}" is a Java key store, which Node cannot read: convert it to PKCS#12 with ${keytoolCommand(file)}, and give the .p12 file` });
    }
    if (connection[`${store}Passphrase`] !== undefined && file === undefined) {
      issues.push({ path: `connection.${store}Passphrase`, message: `A ${store} passphrase without ${store}File: give the store's file, or remove the passphrase` });
    }
  }
  if (connection["keyStoreFile"] !== undefined && (connection["clientCertData"] ?? connection["clientCertFile"] ?? connection["clientKeyData"] ?? connection["clientKeyFile"]) !== undefined) {
    issues.push({ path: "connection.keyStoreFile", message: "Both a key store and a client certificate or key are given: they are two ways to give one client identity, keep one" });
  }
  if (connection["clientKeyPassphrase"] !== undefined && connection["keyStoreFile"] !== undefined) {
    issues.push({ path: "connection.clientKeyPassphrase", message: "clientKeyPassphrase is the passphrase of clientKeyData or clientKeyFile; a key store's is keyStorePassphrase" });
  }
  if ((connection["username"] === undefined) !== (connection["password"] === undefined)) {
    issues.push({
      path: connection["username"] === undefined ? "connection.username" : "connection.password",
      message: "Basic authentication needs both a username and a password",
    });
  }
}

/**
 * The command that converts a Java key store to PKCS#12.
 *
 * @example
 * ```ts
 * import { keytoolCommand } from "./validate.ts";
 * keytoolCommand("client.jks"); // 'keytool -importkeystore -srckeystore "client.jks" -srcstoretype JKS -destkeystore "client.p12" -deststoretype PKCS12'
 * ```
 */
export function keytoolCommand(file: string): string {
  const p12 = file.replace(/\.(jks|jceks|keystore)$/i, "") + ".p12";
  return `keytool -importkeystore -srckeystore ${JSON.stringify(file)} -srcstoretype JKS -destkeystore ${JSON.stringify(p12)} -deststoretype PKCS12`;
}

/**
 * Every problem of a description, each with its path; an empty list when it compiles.
 * `compile()` throws them all at once as a `PodValidationError`.
 *
 * @example
 * ```ts
 * import { pod, validate } from "podkit";
 * validate(pod().container({ name: "Main", image: "busybox", comand: ["true"] } as never).description);
 * // [{ path: "spec.containers[0].comand", message: 'Unknown field "comand": did you mean "command"?' },
 * //  { path: "spec.containers[0].name", message: 'Invalid container name: …' }]
 * ```
 */
export function validate(description: PodDescription): ValidationIssue[] {
  const issues: Issues = [];
  checkMetadata(description, issues);
  const volumes = checkVolumes(description, issues);
  checkContainers(description, volumes, issues);
  checkSpec(description, issues);
  checkFiles(description, volumes, issues);
  checkTimeouts(description, issues);
  checkRun(description, issues);
  return issues;
}
