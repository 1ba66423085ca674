import type { V1Container } from "@kubernetes/client-node";
import type { ValidationIssue } from "../run/errors.ts";
import { FILE_TRANSFER } from "../plan/plan.ts";
import { outputGlobs, type PodDescription } from "./description.ts";
import { isPlainObject } from "./_data.ts";
import { checkDns1123Label } from "./_names.ts";
import { closest } from "./_suggest.ts";
import { checkFields } from "./_schema_check.ts";
import { checkContainerValues, checkMergedResources } from "./_value_rules.ts";
import { KEYED_LISTS, keyedEntryIdentity, mergeDefaults } from "./defaults.ts";

// The checks of containers, init containers and container defaults, for `validate()`.

type Issues = ValidationIssue[];

/** Whether podkit adds its file-transfer volume and containers to the pod. */
export function hasFileTransfer(description: PodDescription): boolean {
  return description.inputFiles.length > 0 || outputGlobs(description).length > 0;
}

const RESERVED_CONTAINER_NAMES: ReadonlySet<string> = new Set([FILE_TRANSFER.initContainer, FILE_TRANSFER.sidecar]);

function checkContainer(
  container: V1Container,
  path: string,
  kind: "container" | "init container",
  description: PodDescription,
  volumes: ReadonlySet<string>,
  names: Set<string>,
  issues: Issues,
): void {
  if (!isPlainObject(container)) {
    issues.push({ path, message: `Expected a ${kind} object` });
    return;
  }
  checkFields(container, "V1Container", path, issues);
  const name: unknown = container.name;
  if (typeof name !== "string" || name === "") {
    issues.push({ path: `${path}.name`, message: `A ${kind} needs a name` });
  } else {
    const problem = checkDns1123Label(name);
    if (problem !== undefined) issues.push({ path: `${path}.name`, message: `Invalid ${kind} name: ${problem}` });
    else if (RESERVED_CONTAINER_NAMES.has(name)) {
      issues.push({ path: `${path}.name`, message: `Container name "${name}" is reserved for podkit's file transfer: choose another` });
    } else if (names.has(name)) {
      issues.push({ path: `${path}.name`, message: `Duplicate container name "${name}": container and init container names must be unique` });
    }
    names.add(name);
  }
  const image: unknown = container.image ?? description.defaults?.image;
  if (image === undefined) {
    issues.push({ path: `${path}.image`, message: `The ${kind} needs an image, e.g. "busybox:1.37"` });
  } else if (typeof image === "string" && image.trim() === "") {
    issues.push({ path: `${path}.image`, message: "The image must not be empty" });
  }
  if (kind === "init container" && container.restartPolicy !== undefined && container.restartPolicy !== "Always") {
    issues.push({
      path: `${path}.restartPolicy`,
      message: `An init container's restartPolicy can only be "Always" (a sidecar), not "${container.restartPolicy}"`,
    });
  }
  checkContainerValues(container, path, issues);
  if (description.defaults?.resources !== undefined && container.resources !== undefined) {
    checkMergedResources(container.resources, mergeDefaults(container, description.defaults).resources, `${path}.resources`, issues);
  }
  checkMounts(container.volumeMounts, `${path}.volumeMounts`, description, volumes, issues);
  checkUniqueKeys(container.env, "env", `${path}.env`, "environment variable", issues);
  checkUniqueKeys(container.ports, "ports", `${path}.ports`, "container port", issues);
  const ports: unknown = container.ports;
  const portList: readonly unknown[] = Array.isArray(ports) ? ports : [];
  portList.forEach((port, j) => {
    const portName = isPlainObject(port) ? port["name"] : undefined;
    if (typeof portName === "string" && !isServiceName(portName)) {
      issues.push({
        path: `${path}.ports[${j}].name`,
        message: `Invalid port name "${portName}": use at most 15 lower-case letters, digits and single "-", with at least one letter`,
      });
    }
  });
}

/** An IANA service name, as Kubernetes requires of port names. */
function isServiceName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

export function checkMounts(
  mounts: unknown,
  path: string,
  description: PodDescription,
  volumes: ReadonlySet<string>,
  issues: Issues,
): void {
  if (!Array.isArray(mounts)) return;
  const paths = new Set<unknown>();
  mounts.forEach((mount: unknown, j) => {
    if (!isPlainObject(mount)) return;
    const mountPath = `${path}[${j}]`;
    const volume = mount["name"];
    if (typeof volume === "string" && !volumes.has(volume)) {
      const suggestion = closest(volume, volumes);
      issues.push({
        path: `${mountPath}.name`,
        message: `Volume "${volume}" is not declared: ${suggestion === undefined ? "add it with .volume({ name, … })" : `did you mean "${suggestion}"?`}`,
      });
    }
    const at = mount["mountPath"];
    if (at === undefined) {
      issues.push({ path: `${mountPath}.mountPath`, message: "A volume mount needs a mountPath" });
    } else if (paths.has(at)) {
      issues.push({ path: `${mountPath}.mountPath`, message: `Two volumes are mounted at "${String(at)}"` });
    } else if (at === description.workingDir && hasFileTransfer(description) && volume !== FILE_TRANSFER.volume) {
      issues.push({
        path: `${mountPath}.mountPath`,
        message: `"${at}" is the working directory, where podkit mounts its file-transfer volume: mount elsewhere or change .workingDir()`,
      });
    }
    paths.add(at);
  });
}

function checkUniqueKeys(entries: unknown, list: "env" | "ports", path: string, what: string, issues: Issues): void {
  if (!Array.isArray(entries)) return;
  const key = KEYED_LISTS[list] ?? list;
  const seen = new Set<unknown>();
  entries.forEach((entry: unknown, j) => {
    if (!isPlainObject(entry)) return;
    const value = entry[key];
    const identity = keyedEntryIdentity(list, entry);
    if (value === undefined || value === "") {
      issues.push({ path: `${path}[${j}].${key}`, message: `An ${what} needs a ${key}` });
    } else if (seen.has(identity)) {
      issues.push({ path: `${path}[${j}].${key}`, message: `Duplicate ${what} ${JSON.stringify(identity)}` });
    }
    seen.add(identity);
  });
}

export function checkContainers(description: PodDescription, volumes: ReadonlySet<string>, issues: Issues): void {
  if (description.containers.length === 0) {
    issues.push({ path: "spec.containers", message: "A pod needs at least one container: add one with .container({ name, image })" });
  }
  const names = new Set<string>();
  description.initContainers.forEach((c, i) =>
    checkContainer(c, `spec.initContainers[${i}]`, "init container", description, volumes, names, issues),
  );
  description.containers.forEach((c, i) =>
    checkContainer(c, `spec.containers[${i}]`, "container", description, volumes, names, issues),
  );
  const defaults = description.defaults;
  if (defaults !== undefined) {
    checkFields(defaults, "V1Container", "defaults", issues);
    if (defaults.name !== undefined) {
      issues.push({ path: "defaults.name", message: "Container defaults cannot set a name: each container has its own" });
    }
    checkContainerValues(defaults as Record<string, unknown>, "defaults", issues);
    checkMounts(defaults.volumeMounts, "defaults.volumeMounts", description, volumes, issues);
    checkUniqueKeys(defaults.env, "env", "defaults.env", "environment variable", issues);
  }
}

