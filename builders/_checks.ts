import { isPlainObject } from "../lib/compile/_data.ts";
import type { InputContent } from "../lib/compile/description.ts";
import type { DurationInput } from "../lib/compile/duration.ts";

// The builder's argument checks: a wrong type throws a TypeError at the call that got it.

export function requireObject(method: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected a plain object`);
  }
}

export function requireString(method: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected a string`);
  }
}

export function requireBoolean(method: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected true or false`);
  }
}

export function requireDuration(method: string, value: unknown): asserts value is DurationInput {
  if (typeof value !== "string" && typeof value !== "number") {
    throw new TypeError(`Cannot use ${method}(${describeValue(value)}): expected an ISO 8601 duration like "PT3M" or milliseconds`);
  }
}

export function requireStringMap(method: string, value: unknown): asserts value is Record<string, string> {
  requireObject(method, value);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new TypeError(`Cannot use ${method}(): the value of "${key}" is ${describeValue(item)}, expected a string`);
    }
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return String(value);
}

export function isInputContent(value: unknown): value is InputContent {
  if (typeof value === "string" || value instanceof Uint8Array) return true;
  if (typeof value !== "object" || value === null) return false;
  if (isPlainObject(value)) return typeof value["path"] === "string";
  // A Node Readable or a web ReadableStream, recognised by shape so either realm works.
  const candidate = value as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof candidate.getReader === "function" || typeof candidate.pipe === "function";
}
