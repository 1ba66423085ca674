import { parseProtocolLine } from "./protocol.ts";

/**
 * Reads the output values a line declares, when the line is exactly
 * `::{"outputs":{…}}::` (or `::podkit-<nonce>::{"outputs":{…}}::` when a nonce is
 * required), possibly with `metrics` and `logs` beside (see `parseProtocolLine`). The JSON
 * is parsed from the line as printed: whitespace inside strings is kept. Any other line,
 * and a line whose JSON is not an object with an `outputs` object, gives `undefined`.
 *
 * @example
 * ```ts
 * import { parseOutputLine } from "./output_values.ts";
 * parseOutputLine('::{"outputs":{"a":1,"s":"x  y"}}::'); // { a: 1, s: "x  y" }
 * parseOutputLine("hello"); // undefined
 * ```
 */
export function parseOutputLine(line: string, nonce?: string): Record<string, unknown> | undefined {
  return parseProtocolLine(line, nonce)?.outputs as Record<string, unknown> | undefined;
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
  if (outputs !== undefined) mergeOutputValues(vars, outputs);
}

/**
 * Merges `values` into `vars`: a key of `values` overrides the same key of `vars`. A
 * `__proto__` key stays a plain value.
 *
 * @example
 * ```ts
 * import { mergeOutputValues } from "./output_values.ts";
 * const vars: Record<string, unknown> = { a: 1, b: 1 };
 * mergeOutputValues(vars, { b: 2 });
 * vars; // { a: 1, b: 2 }
 * ```
 */
export function mergeOutputValues(vars: Record<string, unknown>, values: Readonly<Record<string, unknown>>): void {
  // defineProperty, not assignment: a `__proto__` key must stay a plain value.
  for (const [key, value] of Object.entries(values)) {
    Object.defineProperty(vars, key, { value, enumerable: true, writable: true, configurable: true });
  }
}
