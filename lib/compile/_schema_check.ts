// Kubernetes silently drops fields it does not know (`comand:` runs the image's default
// command), so podkit checks the user's objects against the models of the Kubernetes API
// before sending them.

import type { ValidationIssue } from "../run/errors.ts";
import { KUBERNETES_MODELS } from "./_kubernetes_schema.ts";
import { isPlainObject } from "./_data.ts";
import { closest } from "./_suggest.ts";

const ARRAY = /^Array<(.+)>$/;

// Quantities (`cpu: 1`, `sizeLimit: 1e9`) are typed as strings, but the API server also
// accepts them as numbers.
const QUANTITIES: ReadonlySet<string> = new Set([
  "V1ResourceRequirements.limits",
  "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits",
  "V1VolumeResourceRequirements.requests",
  "V1PodSpec.overhead",
  "V1EmptyDirVolumeSource.sizeLimit",
]);
const MAP = /^\{ \[key: string\]: (.+); \}$/;

/** `spec.containers[0]` + `image` → `spec.containers[0].image`; odd keys are quoted. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return path === "" ? segment.replace(/^\./, "") : `${path}${segment}`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Reports every field of `value` unknown to the Kubernetes model `type` (e.g.
 * `"V1Container"`), and every value of the wrong kind, with its path.
 */
export function checkFields(value: unknown, type: string, path: string, issues: ValidationIssue[], quantity = false): void {
  if (value === undefined) return;
  if (type === "any") return;
  if (type === "string") {
    if (typeof value === "string" || (quantity && typeof value === "number")) return;
    issues.push({ path, message: `Expected a string, got ${kindOf(value)}` });
    return;
  }
  if (type === "number") {
    if (typeof value === "number" && Number.isFinite(value)) return;
    issues.push({ path, message: `Expected a number, got ${kindOf(value)}` });
    return;
  }
  if (type === "boolean") {
    if (typeof value === "boolean") return;
    issues.push({ path, message: `Expected true or false, got ${kindOf(value)}` });
    return;
  }
  if (type === "IntOrString") {
    if (typeof value === "string" || (typeof value === "number" && Number.isInteger(value))) return;
    issues.push({ path, message: `Expected an integer or a string, got ${kindOf(value)}` });
    return;
  }
  if (type === "Date") {
    if (typeof value === "string" || value instanceof Date) return;
    issues.push({ path, message: `Expected a date, got ${kindOf(value)}` });
    return;
  }
  const array = ARRAY.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `Expected a list, got ${kindOf(value)}` });
      return;
    }
    const itemType = array[1] as string;
    value.forEach((item: unknown, i) => checkFields(item, itemType, childPath(path, i), issues));
    return;
  }
  const map = MAP.exec(type);
  if (map !== null) {
    if (!isPlainObject(value)) {
      issues.push({ path, message: `Expected an object, got ${kindOf(value)}` });
      return;
    }
    const valueType = map[1] as string;
    for (const [key, item] of Object.entries(value)) checkFields(item, valueType, childPath(path, key), issues, quantity);
    return;
  }
  const model = KUBERNETES_MODELS[type];
  if (model === undefined) return; // A type podkit does not know: let the API server judge.
  if (!isPlainObject(value)) {
    issues.push({ path, message: `Expected an object, got ${kindOf(value)}` });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const fieldType = model[key];
    if (fieldType === undefined) {
      if (item === undefined) continue;
      const suggestion = closest(key, Object.keys(model));
      issues.push({
        path: childPath(path, key),
        message:
          suggestion === undefined
            ? `Unknown field "${key}": Kubernetes would ignore it; remove it or check the spelling`
            : `Unknown field "${key}": did you mean "${suggestion}"?`,
      });
      continue;
    }
    checkFields(item, fieldType, childPath(path, key), issues, QUANTITIES.has(`${type}.${key}`));
  }
}
