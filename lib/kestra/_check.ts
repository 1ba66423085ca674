// Checks of plain data read from YAML or JSON, collecting every problem with its path.
import { closest } from "../compile/_suggest.ts";
import type { ValidationIssue } from "../run/errors.ts";

/** Collects problems; the caller throws them all at once. */
export class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  get size(): number {
    return this.list.length;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `a` + `b` → `a.b`; `a` + 0 → `a[0]`; `a` + `data.txt` → `a["data.txt"]`. */
export function at(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/**
 * Reports keys of `value` that are not in `known`: `unsupported` keys with their own
 * explanation, others as unknown with a spelling suggestion.
 */
export function checkKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  path: string,
  issues: Issues,
  unsupported: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const why = Object.hasOwn(unsupported, key) ? unsupported[key] : undefined;
    if (why !== undefined) {
      issues.add(at(path, key), `not supported: ${why}`);
      continue;
    }
    const guess = closest(key, known);
    issues.add(at(path, key), guess === undefined ? `unknown property; expected one of ${known.map((k) => `"${k}"`).join(", ")}` : `unknown property; did you mean "${guess}"?`);
  }
}

export function expectRecord(value: unknown, path: string, issues: Issues): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  issues.add(path, `expected a map, got ${describe(value)}`);
  return undefined;
}

export function expectString(value: unknown, path: string, issues: Issues): string | undefined {
  if (typeof value === "string") return value;
  issues.add(path, `expected a string, got ${describe(value)}`);
  return undefined;
}

/** Accepts `true`/`false` and, as templates render to text, `"true"`/`"false"`. */
export function expectBoolean(value: unknown, path: string, issues: Issues): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  issues.add(path, `expected true or false, got ${describe(value)}`);
  return undefined;
}

export function expectStringMap(value: unknown, path: string, issues: Issues): Record<string, string> | undefined {
  const record = expectRecord(value, path, issues);
  if (record === undefined) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, item] of Object.entries(record)) {
    // YAML turns `version: 1` or `enabled: true` into numbers and booleans; Kubernetes wants text.
    if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") out[key] = String(item);
    else {
      issues.add(at(path, key), `expected a string, got ${describe(item)}`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

export function expectList(value: unknown, path: string, issues: Issues): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  issues.add(path, `expected a list, got ${describe(value)}`);
  return undefined;
}

export function expectRecordList(value: unknown, path: string, issues: Issues): Record<string, unknown>[] | undefined {
  const list = expectList(value, path, issues);
  if (list === undefined) return undefined;
  const out: Record<string, unknown>[] = [];
  list.forEach((item, i) => {
    const record = expectRecord(item, at(path, i), issues);
    if (record !== undefined) out.push(record);
  });
  return out.length === list.length ? out : undefined;
}
