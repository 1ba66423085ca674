import { CONNECTION_OPTION_NAMES, CONNECTION_OPTIONS, connectionOptionNames, type ConnectionOptions } from "../compile/description.ts";
import { at, checkKeys, describe, expectBoolean, expectRecord, expectString, type Issues } from "./_check.ts";

/** Kestra's PodCreate has every connection option but podkit's `context` and `kubeconfigPath`. */
const KESTRA_CONNECTION_KEYS = connectionOptionNames((rule) => rule.kestra);

function readTokenProvider(raw: unknown, path: string, issues: Issues): ConnectionOptions["oauthTokenProvider"] {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  if ("task" in record || "output" in record) {
    issues.add(path, "not supported: a Kestra task as token provider cannot run outside Kestra; give { command, args } whose standard output is the token");
    return undefined;
  }
  checkKeys(record, ["command", "args"], path, issues);
  const command = expectString(record["command"], at(path, "command"), issues);
  const args = record["args"];
  if (args !== undefined && (!Array.isArray(args) || args.some((a) => typeof a !== "string"))) {
    issues.add(at(path, "args"), `expected a list of strings, got ${describe(args)}`);
    return undefined;
  }
  if (command === undefined) return undefined;
  return { command, ...(Array.isArray(args) ? { args: args.map(String) } : {}) };
}

/**
 * Reads a `connection` map. `form` decides which keys are known: Kestra's, or Kestra's plus
 * podkit's `context` and `kubeconfigPath`.
 */
export function readConnection(raw: unknown, path: string, issues: Issues, form: "kestra" | "podkit"): ConnectionOptions | undefined {
  const record = expectRecord(raw, path, issues);
  if (record === undefined) return undefined;
  const known = form === "kestra" ? KESTRA_CONNECTION_KEYS : CONNECTION_OPTION_NAMES;
  checkKeys(record, known, path, issues, form === "kestra" ? { context: "give the kubeconfig context with --context", kubeconfigPath: "give the kubeconfig with --kubeconfig" } : {});
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    const keyPath = at(path, key);
    const kind = CONNECTION_OPTIONS[key].value;
    if (kind === "command") {
      const provider = readTokenProvider(value, keyPath, issues);
      if (provider !== undefined) out[key] = provider;
    } else if (kind === "boolean") {
      const flag = expectBoolean(value, keyPath, issues);
      if (flag !== undefined) out[key] = flag;
    } else {
      const text = expectString(value, keyPath, issues);
      if (text !== undefined) out[key] = text;
    }
  }
  return out as ConnectionOptions;
}
