import { isPlainObject } from "./_data.ts";

const WORKING_DIR = /\{\{\s*workingDir\s*\}\}/g;

/**
 * Replaces `{{workingDir}}` (spaces inside the braces allowed) in every string of a
 * value — nested objects and lists included, keys excepted — with the working
 * directory, as Kestra does. Returns a copy; other placeholders are left alone.
 *
 * @example
 * ```ts
 * import { resolveWorkingDir } from "podkit";
 * resolveWorkingDir(["cp", "{{workingDir}}/in.txt", "{{ workingDir }}/out.txt"], "/podkit/work");
 * // ["cp", "/podkit/work/in.txt", "/podkit/work/out.txt"]
 * ```
 */
export function resolveWorkingDir<T>(value: T, workingDir: string): T {
  if (typeof value === "string") return value.replace(WORKING_DIR, () => workingDir) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => resolveWorkingDir(item, workingDir)) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = resolveWorkingDir(item, workingDir);
    return copy as T;
  }
  return value;
}
