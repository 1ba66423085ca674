import type { V1Container } from "@kubernetes/client-node";
import { deepmergeCustom } from "deepmerge-ts";
import { isPlainObject, mutableCopy } from "./_data.ts";

/**
 * The container lists merged entry by entry, and the field that identifies an entry: a
 * container's entry replaces the default's with the same key, so the result stays valid
 * (Kubernetes rejects two env vars of the same name or two mounts at the same path).
 * Ports are told apart by number and protocol together.
 */
export const KEYED_LISTS: Readonly<Record<string, string>> = Object.freeze({
  env: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
  volumeDevices: "devicePath",
  resizePolicy: "resourceName",
});

/**
 * The identity of an entry of a keyed list. A container port is its number and protocol
 * together (TCP when unset): 53/TCP and 53/UDP are two ports, as Kubernetes sees them.
 */
export function keyedEntryIdentity(list: string, entry: unknown): unknown {
  if (!isPlainObject(entry)) return undefined;
  const key = KEYED_LISTS[list];
  if (key === undefined) return undefined;
  const value = entry[key];
  if (list !== "ports" || value === undefined) return value;
  return `${String(value)}/${typeof entry["protocol"] === "string" ? entry["protocol"] : "TCP"}`;
}

// A command is one sequence: concatenating the default's and the container's would run
// neither, so the container's replaces the default's.
const REPLACED_LISTS: ReadonlySet<string> = new Set(["command", "args"]);

function keyedUnion(list: string, defaults: readonly unknown[], own: readonly unknown[]): unknown[] {
  const keyOf = (entry: unknown): unknown => keyedEntryIdentity(list, entry);
  const ownByKey = new Map<unknown, unknown>();
  for (const entry of own) {
    const k = keyOf(entry);
    if (k !== undefined) ownByKey.set(k, entry);
  }
  const used = new Set<unknown>();
  const merged: unknown[] = [];
  for (const entry of defaults) {
    const k = keyOf(entry);
    if (k !== undefined && ownByKey.has(k)) {
      if (!used.has(k)) merged.push(ownByKey.get(k));
      used.add(k);
    } else {
      merged.push(entry);
    }
  }
  for (const entry of own) {
    const k = keyOf(entry);
    if (k === undefined || !used.has(k)) merged.push(entry);
  }
  return merged;
}

function primitiveUnion(lists: readonly (readonly unknown[])[]): unknown[] {
  const merged: unknown[] = [];
  for (const list of lists) {
    for (const item of list) {
      const isPrimitive = typeof item !== "object" || item === null;
      if (!isPrimitive || !merged.includes(item)) merged.push(item);
    }
  }
  return merged;
}

const mergeContainer = deepmergeCustom({
  mergeArrays(values, _utils, meta) {
    const [defaults = [], own = []] = values;
    const key = meta?.key;
    const topLevel = (meta?.hierarchy?.length ?? 1) === 1;
    if (topLevel && typeof key === "string") {
      if (REPLACED_LISTS.has(key)) return [...own];
      if (KEYED_LISTS[key] !== undefined) return keyedUnion(key, defaults, own);
    }
    // Other lists (capabilities.drop, envFrom, …) are concatenated, defaults first,
    // without repeating a plain value given on both sides.
    return primitiveUnion([defaults, own]);
  },
});

/**
 * Applies container defaults (Kestra's `containerDefaultSpec`) to a container: objects
 * are merged deeply with the container's values winning; lists are concatenated with
 * the defaults first, except the keyed lists of {@link KEYED_LISTS}, merged entry by
 * entry with the container's entry winning, and `command`/`args`, which the container
 * replaces. Neither argument is modified.
 *
 * @example
 * ```ts
 * import { mergeDefaults } from "podkit";
 * const merged = mergeDefaults(
 *   { name: "main", image: "busybox", env: [{ name: "MODE", value: "fast" }] },
 *   { env: [{ name: "MODE", value: "safe" }, { name: "TZ", value: "UTC" }], securityContext: { runAsNonRoot: true } },
 * );
 * merged.env; // [{ name: "MODE", value: "fast" }, { name: "TZ", value: "UTC" }]
 * ```
 */
export function mergeDefaults(container: Readonly<V1Container>, defaults: Readonly<Partial<V1Container>> | undefined): V1Container {
  if (defaults === undefined) return mutableCopy(container) as V1Container;
  const merged = mergeContainer(mutableCopy(defaults), mutableCopy(container)) as Record<string, unknown>;
  // The container's own fields first (name, image, command, …), so the manifest reads
  // like what the user wrote.
  const ordered: Record<string, unknown> = {};
  for (const key of [...Object.keys(container), ...Object.keys(merged)]) {
    if (merged[key] !== undefined) ordered[key] = merged[key];
  }
  return ordered as unknown as V1Container;
}
