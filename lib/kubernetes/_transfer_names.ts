/**
 * Rules for the relative names files carry in and out of the pod. A name is a POSIX path
 * relative to the working directory: no absolute path, no `..` segment, no backslash or
 * drive letter (they are path syntax on Windows hosts), no NUL.
 */

/** The outcome of checking a name: its normal form, or why it is unsafe. */
export type NameCheck = { readonly ok: true; readonly name: string; readonly segments: readonly string[] } | { readonly ok: false; readonly reason: string };

/** Checks a relative name and returns its normal form (`./a//b/` becomes `a/b`). */
export function checkRelativeName(name: string): NameCheck {
  if (name.includes("\0")) return { ok: false, reason: "the name contains a NUL byte" };
  if (name.includes("\\")) return { ok: false, reason: "the name contains a backslash, a path separator on Windows" };
  if (name.startsWith("/")) return { ok: false, reason: "the name is an absolute path" };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, reason: "the name starts with a drive letter" };
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { ok: false, reason: "the name has a \"..\" segment that leads out of the directory" };
  if (segments.length === 0) return { ok: false, reason: "the name is empty" };
  return { ok: true, name: segments.join("/"), segments };
}

/** Prefix of the files podkit itself keeps in the working directory (markers). */
export const RESERVED_PREFIX = ".podkit-";

/** True for the markers and other files podkit keeps at the top of the working directory. */
export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX) && !name.includes("/");
}
