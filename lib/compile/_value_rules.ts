// The value rules of the API server's pod validation (pkg/apis/core/validation of
// Kubernetes 1.34) that a field's type does not tell: enumerations, number ranges,
// quantities, environment variable and label syntax. A pod that breaks one is refused
// whole, so compile() reports them before anything reaches a cluster.

import type { ValidationIssue } from "../run/errors.ts";
import { isPlainObject } from "./_data.ts";
import { checkDns1123Label, checkLabelValue, checkQualifiedName } from "./_names.ts";
import { closest } from "./_suggest.ts";
import { compareQuantities, parseQuantity, type Quantity } from "./_quantity.ts";
import { childPath } from "./_schema_check.ts";

type Issues = ValidationIssue[];
type Fields = Record<string, unknown>;

const MAX_INT32 = 2 ** 31 - 1;
const PROFILE_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"] as const;
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const PROBE_COUNTS = ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const;

function fields(value: unknown): Fields | undefined {
  return isPlainObject(value) ? value : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `"a", "b" or "c"` */
function either(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length === 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1) ?? ""}`;
}

/** A string field that must be one of `allowed`; other types are checkFields' business. */
function checkOneOf(value: unknown, allowed: readonly string[], path: string, field: string, issues: Issues): void {
  if (typeof value !== "string" || allowed.includes(value)) return;
  const suggestion = closest(value, allowed);
  issues.push({
    path,
    message: `Invalid ${field} "${value}": ${suggestion === undefined ? `use ${either(allowed)}` : `did you mean "${suggestion}"? (one of ${either(allowed)})`}`,
  });
}

/** A whole number from `min` to `max`; other types are checkFields' business. */
function checkRange(value: unknown, min: number, max: number, path: string, field: string, issues: Issues): void {
  if (typeof value !== "number" || !Number.isFinite(value)) return;
  if (!Number.isInteger(value)) {
    issues.push({ path, message: `Invalid ${field} ${value}: use a whole number` });
  } else if (value < min || value > max) {
    issues.push({
      path,
      message: `Invalid ${field} ${value}: use a number from ${min} to ${max === MAX_INT32 ? "2147483647" : max}`,
    });
  }
}

// ------------------------------------------------------------------------ quantities

/** Syntax and sign of every quantity of a `{ cpu: "1", … }` map; the parsed ones by name. */
function checkQuantities(map: unknown, path: string, negativeAllowed: boolean, issues: Issues): Map<string, [Quantity, string]> {
  const parsed = new Map<string, [Quantity, string]>();
  const entries = fields(map);
  if (entries === undefined) return parsed;
  for (const [name, value] of Object.entries(entries)) {
    if (typeof value !== "string" && typeof value !== "number") continue;
    const at = childPath(path, name);
    const quantity = parseQuantity(value);
    if (quantity === undefined) {
      issues.push({
        path: at,
        message: `Invalid quantity "${value}": use a number with at most one suffix, e.g. "500m", "0.5", "64Mi", "1G" or "2e3"`,
      });
    } else if (quantity.negative && !negativeAllowed) {
      issues.push({ path: at, message: `Quantity "${value}" is negative: use zero or more` });
    } else {
      parsed.set(name, [quantity, String(value)]);
    }
  }
  return parsed;
}

/**
 * Requests and limits (`resources` of a container or of the pod): valid, non-negative
 * quantities, and no request above its limit.
 */
export function checkResources(resources: unknown, path: string, issues: Issues): void {
  const r = fields(resources);
  if (r === undefined) return;
  const limits = checkQuantities(r["limits"], `${path}.limits`, false, issues);
  const requests = checkQuantities(r["requests"], `${path}.requests`, false, issues);
  checkRequestsWithinLimits(requests, limits, path, () => true, issues);
}

function checkRequestsWithinLimits(
  requests: ReadonlyMap<string, [Quantity, string]>,
  limits: ReadonlyMap<string, [Quantity, string]>,
  path: string,
  report: (name: string) => boolean,
  issues: Issues,
): void {
  for (const [name, [request, requestText]] of requests) {
    const limit = limits.get(name);
    if (limit !== undefined && report(name) && compareQuantities(request, limit[0]) > 0) {
      issues.push({
        path: childPath(`${path}.requests`, name),
        message: `Request "${requestText}" is above the ${name} limit "${limit[1]}": lower the request or raise the limit`,
      });
    }
  }
}

/**
 * Requests above limits that appear only once a container takes its defaults' resources
 * (a request of its own under a default limit, or the reverse); a container's own
 * resources and the defaults' are checked on their own by {@link checkResources}.
 */
export function checkMergedResources(own: unknown, merged: unknown, path: string, issues: Issues): void {
  const o = fields(own);
  const m = fields(merged);
  if (o === undefined || m === undefined) return;
  const quiet: Issues = [];
  const limits = checkQuantities(m["limits"], `${path}.limits`, false, quiet);
  const requests = checkQuantities(m["requests"], `${path}.requests`, false, quiet);
  const ownRequests = fields(o["requests"]) ?? {};
  const ownLimits = fields(o["limits"]) ?? {};
  const mixed = (name: string): boolean => (ownRequests[name] === undefined) !== (ownLimits[name] === undefined);
  checkRequestsWithinLimits(requests, limits, path, mixed, issues);
}

/** Quantities that are neither requests nor limits: `sizeLimit`, `overhead`. */
export function checkQuantityMap(map: unknown, path: string, issues: Issues): void {
  checkQuantities(map, path, false, issues);
}

// ------------------------------------------------------------------------ containers

/**
 * An environment variable name: since Kubernetes 1.34 (RelaxedEnvironmentVariableValidation)
 * any printable ASCII character but "=" is allowed, so "my.var" and "1ST" are fine.
 */
function checkEnvName(name: unknown, path: string, issues: Issues): void {
  if (typeof name !== "string" || name === "") return;
  if (!/^[\x20-\x7e]+$/.test(name) || name.includes("=")) {
    issues.push({
      path,
      message: `Invalid environment variable name ${JSON.stringify(name)}: use printable ASCII characters other than "=", e.g. "${name.replace(/[^\x21-\x3c\x3e-\x7e]+/g, "_") || "NAME"}"`,
    });
  }
}

/** A seccomp or AppArmor profile: a known type, and a localhostProfile exactly when it is "Localhost". */
function checkProfile(profile: unknown, path: string, what: string, issues: Issues): void {
  const p = fields(profile);
  if (p === undefined) return;
  checkOneOf(p["type"], PROFILE_TYPES, `${path}.type`, `${what} type`, issues);
  if (p["type"] === "Localhost" && (typeof p["localhostProfile"] !== "string" || p["localhostProfile"] === "")) {
    issues.push({ path: `${path}.localhostProfile`, message: `A "Localhost" ${what} needs a localhostProfile: give the profile's file name on the node` });
  } else if (p["type"] !== "Localhost" && p["localhostProfile"] !== undefined) {
    issues.push({ path: `${path}.localhostProfile`, message: `A localhostProfile is only allowed with type "Localhost": remove it or set the type` });
  }
}

/** Users and groups run as: 0 to 2147483647. */
function checkIds(context: Fields, path: string, issues: Issues): void {
  for (const id of ["runAsUser", "runAsGroup", "fsGroup"]) {
    checkRange(context[id], 0, MAX_INT32, `${path}.${id}`, id, issues);
  }
  list(context["supplementalGroups"]).forEach((group, i) =>
    checkRange(group, 0, MAX_INT32, `${path}.supplementalGroups[${i}]`, "supplemental group", issues),
  );
}

/**
 * The value rules of one container's own fields (or of container defaults, whose fields
 * each container takes): image, policies, ports, environment, resources, security
 * context, probes.
 */
export function checkContainerValues(container: Fields, path: string, issues: Issues): void {
  const image = container["image"];
  if (typeof image === "string" && image.trim() !== "" && image !== image.trim()) {
    issues.push({ path: `${path}.image`, message: `Image ${JSON.stringify(image)} has leading or trailing whitespace: use "${image.trim()}"` });
  }
  checkOneOf(container["imagePullPolicy"], ["Always", "IfNotPresent", "Never"], `${path}.imagePullPolicy`, "imagePullPolicy", issues);
  checkOneOf(
    container["terminationMessagePolicy"],
    ["File", "FallbackToLogsOnError"],
    `${path}.terminationMessagePolicy`,
    "terminationMessagePolicy",
    issues,
  );

  const portNames = new Set<string>();
  list(container["ports"]).forEach((entry, j) => {
    const port = fields(entry);
    if (port === undefined) return;
    const at = `${path}.ports[${j}]`;
    checkRange(port["containerPort"], 1, 65535, `${at}.containerPort`, "containerPort", issues);
    if (port["hostPort"] !== 0) checkRange(port["hostPort"], 1, 65535, `${at}.hostPort`, "hostPort", issues);
    checkOneOf(port["protocol"], ["SCTP", "TCP", "UDP"], `${at}.protocol`, "protocol", issues);
    const name = port["name"];
    if (typeof name === "string" && name !== "") {
      if (portNames.has(name)) {
        issues.push({ path: `${at}.name`, message: `Duplicate port name "${name}": give each port of a container its own name` });
      }
      portNames.add(name);
    }
  });

  list(container["env"]).forEach((entry, j) => checkEnvName(fields(entry)?.["name"], `${path}.env[${j}].name`, issues));
  list(container["envFrom"]).forEach((entry, j) => {
    const prefix = fields(entry)?.["prefix"];
    if (typeof prefix === "string" && prefix !== "") checkEnvName(prefix, `${path}.envFrom[${j}].prefix`, issues);
  });

  checkResources(container["resources"], `${path}.resources`, issues);
  list(container["resizePolicy"]).forEach((entry, j) => {
    const policy = fields(entry);
    if (policy === undefined) return;
    checkOneOf(policy["resourceName"], ["cpu", "memory"], `${path}.resizePolicy[${j}].resourceName`, "resizePolicy resourceName", issues);
    checkOneOf(policy["restartPolicy"], ["NotRequired", "RestartContainer"], `${path}.resizePolicy[${j}].restartPolicy`, "resizePolicy restartPolicy", issues);
  });

  const context = fields(container["securityContext"]);
  if (context !== undefined) {
    const at = `${path}.securityContext`;
    checkIds(context, at, issues);
    checkOneOf(context["procMount"], ["Default", "Unmasked"], `${at}.procMount`, "procMount", issues);
    checkProfile(context["seccompProfile"], `${at}.seccompProfile`, "seccomp profile", issues);
    checkProfile(context["appArmorProfile"], `${at}.appArmorProfile`, "AppArmor profile", issues);
  }

  for (const probeName of PROBES) {
    const probe = fields(container[probeName]);
    if (probe === undefined) continue;
    for (const count of PROBE_COUNTS) {
      checkRange(probe[count], 0, MAX_INT32, `${path}.${probeName}.${count}`, count, issues);
    }
  }
}

// ------------------------------------------------------------------------ pod spec

/** The value rules of the pod spec's own fields (not its containers or volumes). */
export function checkPodSpecValues(spec: Fields, issues: Issues): void {
  checkRange(spec["activeDeadlineSeconds"], 1, MAX_INT32, "spec.activeDeadlineSeconds", "activeDeadlineSeconds", issues);
  for (const field of ["hostname", "subdomain"]) {
    const value = spec[field];
    if (typeof value !== "string" || value === "") continue;
    const problem = checkDns1123Label(value);
    if (problem !== undefined) issues.push({ path: `spec.${field}`, message: `Invalid ${field}: ${problem}` });
  }
  const nodeSelector = fields(spec["nodeSelector"]);
  if (nodeSelector !== undefined) {
    for (const [key, value] of Object.entries(nodeSelector)) {
      const path = childPath("spec.nodeSelector", key);
      const keyProblem = checkQualifiedName(key);
      if (keyProblem !== undefined) issues.push({ path, message: `Invalid node selector ${keyProblem}` });
      if (typeof value === "string") {
        const valueProblem = checkLabelValue(value);
        if (valueProblem !== undefined) issues.push({ path, message: `Invalid node selector ${valueProblem}` });
      }
    }
  }
  checkOneOf(spec["dnsPolicy"], ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"], "spec.dnsPolicy", "dnsPolicy", issues);
  if (spec["dnsPolicy"] === "None" && spec["dnsConfig"] === undefined) {
    issues.push({ path: "spec.dnsConfig", message: 'dnsPolicy "None" needs a dnsConfig: give its nameservers, or use dnsPolicy "ClusterFirst"' });
  }
  checkOneOf(spec["preemptionPolicy"], ["PreemptLowerPriority", "Never"], "spec.preemptionPolicy", "preemptionPolicy", issues);
  checkOneOf(fields(spec["os"])?.["name"], ["linux", "windows"], "spec.os.name", "os name", issues);

  list(spec["tolerations"]).forEach((entry, i) => {
    const toleration = fields(entry);
    if (toleration === undefined) return;
    const at = `spec.tolerations[${i}]`;
    const operator = toleration["operator"];
    checkOneOf(operator, ["Equal", "Exists"], `${at}.operator`, "toleration operator", issues);
    checkOneOf(toleration["effect"], ["NoSchedule", "PreferNoSchedule", "NoExecute"], `${at}.effect`, "toleration effect", issues);
    const key = toleration["key"];
    if ((key === undefined || key === "") && operator !== "Exists") {
      issues.push({ path: `${at}.operator`, message: 'A toleration without a key matches every taint and needs operator "Exists": add a key or use "Exists"' });
    }
    const value = toleration["value"];
    if (operator === "Exists" && typeof value === "string" && value !== "") {
      issues.push({ path: `${at}.value`, message: `A toleration with operator "Exists" takes no value (got "${value}"): remove it or use operator "Equal"` });
    }
  });

  const context = fields(spec["securityContext"]);
  if (context !== undefined) {
    checkIds(context, "spec.securityContext", issues);
    checkOneOf(context["fsGroupChangePolicy"], ["Always", "OnRootMismatch"], "spec.securityContext.fsGroupChangePolicy", "fsGroupChangePolicy", issues);
    checkOneOf(
      context["supplementalGroupsPolicy"],
      ["Merge", "Strict"],
      "spec.securityContext.supplementalGroupsPolicy",
      "supplementalGroupsPolicy",
      issues,
    );
    checkProfile(context["seccompProfile"], "spec.securityContext.seccompProfile", "seccomp profile", issues);
    checkProfile(context["appArmorProfile"], "spec.securityContext.appArmorProfile", "AppArmor profile", issues);
  }
  checkResources(spec["resources"], "spec.resources", issues);
  checkQuantityMap(spec["overhead"], "spec.overhead", issues);
}
