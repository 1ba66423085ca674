// Descriptions hold user data that must not change behind the builder's back: plain
// objects and arrays are copied and frozen; anything else (streams, bytes) is kept as is,
// because freezing a typed array with elements throws and a stream is meant to be read.

/** True for `{}`-like objects (not arrays, class instances, streams or bytes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain objects and arrays, frozen; other values are shared. */
export function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map((item: unknown) => frozenCopy(item))) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[key] = frozenCopy(item);
    }
    return Object.freeze(copy) as T;
  }
  return value;
}

/** A deep, mutable copy of plain objects and arrays; other values are shared. */
export function mutableCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => mutableCopy(item)) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[key] = mutableCopy(item);
    }
    return copy as T;
  }
  return value;
}
