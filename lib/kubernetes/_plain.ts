/** `T` with its `undefined`-valued properties made optional and their `undefined` removed. */
export type WithoutUndefined<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Drops the properties whose value is `undefined`, so that objects built from optional
 * sources fit types checked with `exactOptionalPropertyTypes`.
 */
export function withoutUndefined<T extends object>(value: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as WithoutUndefined<T>;
}

/**
 * Converts a timestamp the client returns (a `Date` from typed calls, a string from raw
 * watch events) to a string, or undefined.
 */
export function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === "string" && value !== "") return value;
  return undefined;
}
