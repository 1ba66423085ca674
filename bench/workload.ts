import type { CaseSpec } from "./case.ts";

/** Images the cluster has; every contender uses `IfNotPresent` so no run pulls (after the first). */
export const IMAGES = {
  small: process.env["PODKIT_BENCH_IMAGE"] ?? "busybox",
  /** GNU coreutils: `date +%N` for the exit instant (BusyBox's date has no %N). */
  logs: process.env["PODKIT_BENCH_LOGS_IMAGE"] ?? "debian:stable-slim",
  /**
   * The start-up scenario's image. `podkit run --image` leaves the pull policy to the
   * cluster's default, which is `IfNotPresent` only for a tag other than `latest` (or a
   * digest): with this one both sides run the pod without asking the registry.
   */
  startup: process.env["PODKIT_BENCH_STARTUP_IMAGE"] ?? "debian:stable-slim",
} as const;

export const PULL_POLICY = "IfNotPresent";

/** Name of the input file, and of the outputs, in the files scenario. */
export const FILES = { input: "in.bin", output: "out.bin", inputSha: "in.sha256" } as const;

/**
 * The files scenario's work, run in the directory that holds the input: record the input's
 * sha256 as the pod saw it, then copy it to the output.
 */
export const FILES_SCRIPT = `sha256sum ${FILES.input} > ${FILES.inputSha} && cp ${FILES.input} ${FILES.output}`;

/** A command that idles until it is told to stop, and stops at once on SIGTERM. */
export const IDLE_COMMAND = ["sh", "-c", 'trap "exit 0" TERM; sleep 3600 & wait'] as const;

/** What the pod runs for a case: the same image and command for every contender. */
export function workload(c: CaseSpec): { readonly image: string; readonly command: readonly string[] } {
  switch (c.scenario) {
    case "startup":
      return { image: IMAGES.startup, command: c.command };
    case "overhead":
      return { image: IMAGES.small, command: c.command };
    case "logs":
    case "memory":
      // The exit instant goes to the termination message, with nanoseconds, so the
      // harness can time "container exit → result" without touching the log stream.
      // The container exits right after the flood: the cluster's runtime (containerd 2.x)
      // writes every line to the log before it reports the exit.
      return {
        image: IMAGES.logs,
        command: ["sh", "-c", `seq 1 ${c.lines}; date +%s%N > /dev/termination-log`],
      };
    case "files":
      return { image: IMAGES.small, command: ["sh", "-c", FILES_SCRIPT] };
    case "concurrency":
      return { image: IMAGES.small, command: ["echo", "ok"] };
  }
}

/** The line every pod of the concurrency scenario prints. */
export const CONCURRENCY_OUTPUT = "ok";


/**
 * Whether the cluster's default pull policy for an image reference is `IfNotPresent`: it
 * has a digest, or a tag other than `latest`. `podkit run --image` sets no policy.
 *
 * @example
 * ```ts
 * defaultsToIfNotPresent("debian:stable-slim"); // true
 * defaultsToIfNotPresent("busybox"); // false
 * ```
 */
export function defaultsToIfNotPresent(image: string): boolean {
  if (image.includes("@")) return true;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 && last.slice(colon + 1) !== "latest";
}
