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

const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Why a checked name cannot be written as it is on a Windows host, or undefined: a colon
 * (it would open an alternate data stream), characters Windows forbids, a reserved device
 * name such as `NUL`, or a segment ending in a dot or space (Windows drops them, so two
 * names could land on one file).
 */
export function windowsNameProblem(segments: readonly string[]): string | undefined {
  for (const segment of segments) {
    if (segment.includes(":")) return "the name contains a colon, which opens an alternate data stream on Windows";
    if (/[<>"|?*\x00-\x1f]/.test(segment)) return "the name contains a character Windows does not allow";
    if (WINDOWS_DEVICES.test(segment)) return `"${segment}" is a reserved device name on Windows`;
    if (/[. ]$/.test(segment)) return "a segment of the name ends with a dot or a space, which Windows drops";
  }
  return undefined;
}

/** Prefix of the files podkit itself keeps in the working directory (markers). */
export const RESERVED_PREFIX = ".podkit-";

/** True for the markers and other files podkit keeps at the top of the working directory. */
export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX) && !name.includes("/");
}
