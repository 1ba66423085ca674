#!/usr/bin/env node
/**
 * The `podkit` command line: `podkit run FILE` runs a pod from a Kestra PodCreate task or a
 * podkit pod document and streams its logs; `podkit plan FILE` prints the manifest and the
 * plan; `podkit gc` deletes the podkit pods no run follows any more. Ctrl-C (SIGINT) or
 * SIGTERM aborts the run: the pod is deleted with its grace period when it has one (its
 * containers get SIGTERM and their last lines are shown), else at once. A second one
 * deletes the pod at once; a third exits at once.
 *
 * @example
 * ```sh
 * podkit run examples/kestra/input-and-output-files.yaml --input file=./data.txt --output-dir out
 * ```
 *
 * @module
 */
import * as nodeModule from "node:module";
import { EXIT_CODES } from "./exit_codes.ts";

// The compiled code of the modules a command loads is cached on disk (Node's compile
// cache, in the OS's temporary directory) and reused at the next start: the command
// line's own modules then take ~0.13 s of CPU to load instead of ~0.46 s. It applies to
// modules loaded after it, hence the dynamic import. (Absent from older runtimes.)
nodeModule.enableCompileCache?.();
const { runCli } = await import("./program.ts");

const controller = new AbortController();
const force = new AbortController();
let interrupted = 0;

function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  interrupted += 1;
  if (interrupted === 1) {
    // The run says what stopping means for its pod (the reporter's "aborting" line).
    controller.abort(Object.assign(new Error(`Interrupted by ${signal}`), { name: "AbortError", signal }));
  } else if (interrupted === 2) {
    force.abort(Object.assign(new Error(`Interrupted by ${signal} again`), { name: "AbortError", signal }));
  } else {
    process.stderr.write(`podkit ${"aborted".padEnd(10)} ${signal} a third time: exiting now; the pod may be left behind\n`);
    process.exit(signal === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted);
  }
}

process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  forceSignal: force.signal,
});
