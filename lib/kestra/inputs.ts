import { statSync } from "node:fs";
import { resolve } from "node:path";
import { at, checkKeys, describe, expectList, expectRecord, expectString, type Issues } from "./_check.ts";

/**
 * The value of an input given by the caller: text (numbers and booleans are turned into
 * text), or a local file (`{ path }`). For an input the definition declares as `FILE`, a
 * string is the path of a local file.
 *
 * @example
 * ```ts
 * import type { InputValue } from "podkit/kestra";
 * const inputs: Record<string, InputValue> = { file: { path: "./data.txt" }, retries: 3, name: "nightly" };
 * ```
 */
export type InputValue =
  | string
  | number
  | boolean
  | {
      /** A local file, relative to `baseDir`. */
      readonly path: string;
    };

/** Input types podkit understands: `FILE` is a local file, the others are text. */
const INPUT_TYPES = [
  "FILE",
  "STRING",
  "INT",
  "FLOAT",
  "BOOLEAN",
  "BOOL",
  "ENUM",
  "SELECT",
  "DATETIME",
  "DATE",
  "TIME",
  "DURATION",
  "JSON",
  "YAML",
  "URI",
  "EMAIL",
  "SECRET",
] as const;

type InputType = (typeof INPUT_TYPES)[number];

/** An input a definition declares (Kestra's flow `inputs`, or podkit's own `inputs`). */
export interface InputDeclaration {
  readonly id: string;
  readonly type: InputType;
  readonly required: boolean;
  readonly defaults?: InputValue;
  readonly values?: readonly string[];
  /** Where the declaration is, for messages. */
  readonly path: string;
}

/** An input after resolution: the absolute path of a local file, or text. */
export type ResolvedInput = { readonly kind: "file"; readonly path: string } | { readonly kind: "text"; readonly value: string };

const DECLARATION_KEYS = ["id", "type", "required", "defaults", "description", "displayName", "values"] as const;
const UNSUPPORTED_DECLARATION_KEYS: Record<string, string> = {
  name: 'the deprecated "name" of Kestra inputs; use "id"',
  validator: "podkit does not validate input values against a pattern",
  min: "podkit does not check input ranges",
  max: "podkit does not check input ranges",
  dependsOn: "podkit does not evaluate input dependencies",
  expression: "podkit does not evaluate input expressions",
  autoSelectFirst: "podkit does not prompt for inputs",
  allowCustomValue: "podkit does not prompt for inputs",
  prefill: "podkit does not prompt for inputs",
  itemType: "MULTISELECT and ARRAY inputs are not supported",
  extension: "podkit does not check file extensions",
};

function isInputValue(value: unknown): value is InputValue {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return true;
  return typeof value === "object" && value !== null && typeof (value as { path?: unknown }).path === "string";
}

/** Reads the `inputs` list of a definition. */
export function readInputDeclarations(raw: unknown, path: string, issues: Issues): InputDeclaration[] {
  const list = expectList(raw, path, issues) ?? [];
  const out: InputDeclaration[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const itemPath = at(path, i);
    const record = expectRecord(item, itemPath, issues);
    if (record === undefined) return;
    checkKeys(record, DECLARATION_KEYS, itemPath, issues, UNSUPPORTED_DECLARATION_KEYS);
    const id = expectString(record["id"], at(itemPath, "id"), issues);
    const type = expectString(record["type"] ?? "STRING", at(itemPath, "type"), issues)?.toUpperCase();
    if (id === undefined || type === undefined) return;
    if (seen.has(id)) issues.add(at(itemPath, "id"), `duplicate input id "${id}"`);
    seen.add(id);
    if (!(INPUT_TYPES as readonly string[]).includes(type)) {
      issues.add(at(itemPath, "type"), `input type "${type}" is not supported; use one of ${INPUT_TYPES.join(", ")}`);
      return;
    }
    const required = record["required"] ?? true;
    if (typeof required !== "boolean") issues.add(at(itemPath, "required"), `expected true or false, got ${describe(required)}`);
    const defaults = record["defaults"];
    if (defaults !== undefined && !isInputValue(defaults)) {
      issues.add(at(itemPath, "defaults"), `expected text, a number or true/false, got ${describe(defaults)}`);
    }
    const values = record["values"];
    if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== "string"))) {
      issues.add(at(itemPath, "values"), `expected a list of strings, got ${describe(values)}`);
    }
    out.push({
      id,
      type: type as InputType,
      required: required !== false,
      ...(defaults !== undefined && isInputValue(defaults) ? { defaults } : {}),
      ...(Array.isArray(values) ? { values: values.map(String) } : {}),
      path: itemPath,
    });
  });
  return out;
}

function resolveFile(value: InputValue, baseDir: string, path: string, issues: Issues): ResolvedInput | undefined {
  const given = typeof value === "object" ? value.path : typeof value === "string" ? value : undefined;
  if (given === undefined || given === "") {
    issues.add(path, `expected the path of a local file, got ${describe(value)}`);
    return undefined;
  }
  const absolute = resolve(baseDir, given);
  try {
    const stat = statSync(absolute);
    if (!stat.isFile()) {
      issues.add(path, `cannot use "${given}": not a regular file`);
      return undefined;
    }
  } catch {
    issues.add(path, `cannot read "${given}": no such file`);
    return undefined;
  }
  return { kind: "file", path: absolute };
}

function resolveText(declaration: InputDeclaration | undefined, value: InputValue, path: string, issues: Issues): ResolvedInput | undefined {
  if (typeof value === "object") {
    issues.add(path, `the ${declaration?.type ?? "STRING"} input takes text, not a file`);
    return undefined;
  }
  const text = String(value);
  switch (declaration?.type) {
    case "INT":
      if (!/^[-+]?\d+$/.test(text.trim())) issues.add(path, `expected an integer, got "${text}"`);
      break;
    case "FLOAT":
      if (text.trim() === "" || !Number.isFinite(Number(text))) issues.add(path, `expected a number, got "${text}"`);
      break;
    case "BOOLEAN":
    case "BOOL":
      if (text !== "true" && text !== "false") issues.add(path, `expected true or false, got "${text}"`);
      break;
    case "ENUM":
    case "SELECT":
      if (declaration.values !== undefined && !declaration.values.includes(text)) {
        issues.add(path, `expected one of ${declaration.values.map((v) => `"${v}"`).join(", ")}, got "${text}"`);
      }
      break;
    default:
      break;
  }
  return { kind: "text", value: text };
}

/**
 * Matches the caller's inputs with the declared ones: every declared input gets its value
 * or its default, a required one without either is a problem, and so is a value for an
 * input nobody declared. Without declarations, values are taken as given.
 */
export function resolveInputs(
  declarations: readonly InputDeclaration[] | undefined,
  given: Readonly<Record<string, InputValue>>,
  baseDir: string,
  issues: Issues,
): Map<string, ResolvedInput> {
  const resolved = new Map<string, ResolvedInput>();
  for (const [name, value] of Object.entries(given)) {
    const path = at("inputs", name);
    if (!isInputValue(value)) {
      issues.add(path, `expected text, a number, true/false or { path }, got ${describe(value)}`);
      continue;
    }
    const declaration = declarations?.find((d) => d.id === name);
    if (declarations !== undefined && declaration === undefined) {
      const ids = declarations.map((d) => `"${d.id}"`).join(", ");
      issues.add(path, `no input "${name}" is declared; ${ids === "" ? "the definition declares no inputs" : `declared inputs: ${ids}`}`);
      continue;
    }
    const isFile = declaration === undefined ? typeof value === "object" : declaration.type === "FILE";
    const input = isFile ? resolveFile(value, baseDir, path, issues) : resolveText(declaration, value, path, issues);
    if (input !== undefined) resolved.set(name, input);
  }
  for (const declaration of declarations ?? []) {
    if (Object.hasOwn(given, declaration.id)) continue;
    const path = at("inputs", declaration.id);
    if (declaration.defaults !== undefined) {
      const input = declaration.type === "FILE"
        ? resolveFile(declaration.defaults, baseDir, at(declaration.path, "defaults"), issues)
        : resolveText(declaration, declaration.defaults, at(declaration.path, "defaults"), issues);
      if (input !== undefined) resolved.set(declaration.id, input);
    } else if (declaration.required) {
      const hint = declaration.type === "FILE" ? `the path of a local file (--input ${declaration.id}=PATH)` : `a value (--input ${declaration.id}=VALUE)`;
      issues.add(path, `missing value for the required ${declaration.type} input "${declaration.id}"; give ${hint}`);
    }
  }
  return resolved;
}

/** Declared inputs that got no value (each already reported by {@link resolveInputs}). */
export function missingInputs(declarations: readonly InputDeclaration[] | undefined, resolved: ReadonlyMap<string, ResolvedInput>): Set<string> {
  return new Set((declarations ?? []).map((d) => d.id).filter((id) => !resolved.has(id)));
}
