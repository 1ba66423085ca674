import { at, isRecord, type Issues } from "./_check.ts";
import type { ResolvedInput } from "./inputs.ts";

/** What `{{ … }}` expressions of a definition can refer to. */
export interface TemplateScope {
  readonly inputs: ReadonlyMap<string, ResolvedInput>;
  /** Declared inputs without a value: already reported, so not reported again. */
  readonly missing?: ReadonlySet<string>;
  /** Output file names `{{outputFiles.NAME}}` may name (the literal, non-glob entries). */
  readonly outputFiles: readonly string[];
  /** Other names, e.g. `flow.id` or `vars.greeting`. */
  readonly values: Readonly<Record<string, string>>;
}

const EXPRESSION = /\{\{([\s\S]*?)\}\}/g;
/** Left in place: `compile()` resolves it to the pod's working directory. */
const WORKING_DIR = "{{workingDir}}";

function member(expression: string, root: string): string | undefined {
  const match = new RegExp(`^${root}(?:\\.([A-Za-z0-9_.-]+)|\\[\\s*(['"])(.+)\\2\\s*\\])$`).exec(expression);
  return match === null ? undefined : (match[1] ?? match[3]);
}

function supported(scope: TemplateScope): string {
  return ["workingDir", "inputs.NAME", "outputFiles.NAME", ...Object.keys(scope.values)].join(", ");
}

function evaluate(expression: string, scope: TemplateScope, path: string, issues: Issues, whole: boolean): string | undefined {
  if (expression === "workingDir") return WORKING_DIR;
  const input = member(expression, "inputs");
  if (input !== undefined) {
    const value = scope.inputs.get(input);
    if (value === undefined) {
      if (scope.missing?.has(input)) return undefined;
      const known = [...scope.inputs.keys()].map((k) => `"${k}"`).join(", ");
      issues.add(path, `"{{ ${expression} }}" names no input; ${known === "" ? "no inputs were given" : `inputs: ${known}`}`);
      return undefined;
    }
    if (value.kind === "text") return value.value;
    issues.add(
      path,
      whole
        ? `"{{ ${expression} }}" is a FILE input: it can only be the whole value of an inputFiles entry`
        : `"{{ ${expression} }}" is a FILE input: it can only be the whole value of an inputFiles entry, not part of a text`,
    );
    return undefined;
  }
  const output = member(expression, "outputFiles");
  if (output !== undefined) {
    if (scope.outputFiles.includes(output)) return `${WORKING_DIR}/${output}`;
    const known = scope.outputFiles.map((k) => `"${k}"`).join(", ");
    issues.add(path, `"{{ ${expression} }}" names no output file; ${known === "" ? "outputFiles lists no plain file names" : `output files: ${known}`}`);
    return undefined;
  }
  const value = scope.values[expression];
  if (value !== undefined) return value;
  issues.add(path, `unsupported template expression "{{ ${expression} }}"; podkit resolves ${supported(scope)}`);
  return undefined;
}

/** Renders every `{{ … }}` of `text`; unresolvable expressions are reported and left as they are. */
export function renderString(text: string, scope: TemplateScope, path: string, issues: Issues): string {
  if (!text.includes("{{")) return text;
  const whole = /^\{\{[\s\S]*?\}\}$/.test(text) && text.indexOf("{{", 2) === -1;
  return text.replace(EXPRESSION, (source, inner: string) => evaluate(inner.trim(), scope, path, issues, whole) ?? source);
}

/** A deep copy of `value` with every string rendered (map keys are left alone). */
export function renderTree(value: unknown, scope: TemplateScope, path: string, issues: Issues): unknown {
  if (typeof value === "string") return renderString(value, scope, path, issues);
  if (Array.isArray(value)) return value.map((item, i) => renderTree(item, scope, at(path, i), issues));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderTree(item, scope, at(path, key), issues);
    return out;
  }
  return value;
}

/** The local path of a FILE input when `text` is exactly `{{ inputs.NAME }}` naming one. */
export function wholeFileInput(text: string, scope: TemplateScope): string | undefined {
  const match = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(text);
  if (match === null || match[1] === undefined) return undefined;
  const name = member(match[1].trim(), "inputs");
  const input = name === undefined ? undefined : scope.inputs.get(name);
  return input?.kind === "file" ? input.path : undefined;
}
