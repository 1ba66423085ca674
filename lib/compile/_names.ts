// The naming rules of Kubernetes (apimachinery's validation package), as messages.
// Each check returns undefined when the value is valid, else what is wrong with it.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Longest name a generated pod may have: the API server appends 5 random characters. */
export const MAX_GENERATE_NAME = 58;

/** A DNS-1123 label: container, volume, port and namespace names. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > 63) return `"${value}" is ${value.length} characters long, at most 63 are allowed`;
  if (!DNS1123_LABEL.test(value)) {
    return `"${value}" is not a DNS-1123 label: use lower-case letters, digits and "-", starting and ending with a letter or digit (e.g. "${suggestName(value)}")`;
  }
  return undefined;
}

/** A DNS-1123 subdomain: pod names. */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > 253) return `"${value.slice(0, 20)}…" is ${value.length} characters long, at most 253 are allowed`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `"${value}" is not a DNS-1123 subdomain: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "${suggestName(value)}")`;
  }
  return undefined;
}

/** A label or annotation key: an optional DNS subdomain prefix and `/`, then a name. */
export function checkQualifiedName(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0) return `key "${key}": the prefix before "/" is empty`;
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `key "${key}": the prefix is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")`;
    }
  }
  if (name.length === 0) return `key "${key}": the name after the prefix is empty`;
  if (name.length > 63) return `key "${key}": the name has ${name.length} characters, at most 63 are allowed`;
  if (!QUALIFIED_NAME.test(name)) {
    return `key "${key}": the name must consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A label value: empty, or up to 63 letters, digits, `-_.` starting and ending alphanumeric. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63) return `value "${value.slice(0, 20)}…" has ${value.length} characters, at most 63 are allowed`;
  if (!LABEL_VALUE.test(value)) {
    return `value "${value}": use letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Turns any text into a DNS-1123 label fragment: `"My_Job"` → `"my-job"`. */
export function suggestName(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return cleaned === "" ? "podkit" : cleaned;
}
