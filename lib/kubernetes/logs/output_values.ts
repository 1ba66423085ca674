/**
 * Reads the output values a line declares, when the line is exactly
 * `::{"outputs":{…}}::` (or `::podkit-<nonce>::{"outputs":{…}}::` when a nonce is
 * required). The JSON is parsed from the line as printed: whitespace inside strings is kept.
 * Any other line, and a line whose JSON is not an object with an `outputs` object, gives
 * `undefined`.
 *
 * @example
 * ```ts
 * import { parseOutputLine } from "./output_values.ts";
 * parseOutputLine('::{"outputs":{"a":1,"s":"x  y"}}::'); // { a: 1, s: "x  y" }
 * parseOutputLine("hello"); // undefined
 * ```
 */
export function parseOutputLine(line: string, nonce?: string): Record<string, unknown> | undefined {
  const prefix = nonce === undefined ? "::" : `::podkit-${nonce}::`;
  if (line.length < prefix.length + 4 || !line.startsWith(prefix) || !line.endsWith("::")) return undefined;
  const json = line.slice(prefix.length, -2);
  if (!json.startsWith("{") || !json.endsWith("}")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value["outputs"])) return undefined;
  return value["outputs"];
}

/**
 * Merges the output values of every output line, in order: a later line overrides the
 * keys an earlier line set.
 *
 * @example
 * ```ts
 * import { collectOutputValues } from "./output_values.ts";
 * collectOutputValues(['::{"outputs":{"a":1}}::', "noise", '::{"outputs":{"a":2,"b":true}}::']); // { a: 2, b: true }
 * ```
 */
export function collectOutputValues(lines: Iterable<string>, nonce?: string): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const line of lines) addOutputValues(vars, line, nonce);
  return vars;
}

/**
 * Merges the output values `line` declares (if any) into `vars`, as lines arrive: the same
 * outcome as {@link collectOutputValues} over all of them, without keeping the lines. Lines
 * that cannot be output lines are rejected on their first bytes.
 *
 * @example
 * ```ts
 * import { addOutputValues } from "./output_values.ts";
 * const vars: Record<string, unknown> = {};
 * addOutputValues(vars, '::{"outputs":{"a":1}}::');
 * addOutputValues(vars, "noise");
 * vars; // { a: 1 }
 * ```
 */
export function addOutputValues(vars: Record<string, unknown>, line: string, nonce?: string): void {
  if (line.charCodeAt(0) !== 58 /* : */ || line.charCodeAt(1) !== 58) return;
  const outputs = parseOutputLine(line, nonce);
  if (outputs === undefined) return;
  // defineProperty, not assignment: a `__proto__` key must stay a plain value.
  for (const [key, value] of Object.entries(outputs)) {
    Object.defineProperty(vars, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
