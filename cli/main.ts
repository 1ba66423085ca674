#!/usr/bin/env node
/**
 * The `podkit` command line: `podkit run FILE` runs a pod from a Kestra PodCreate task or a
 * podkit pod document and streams its logs; `podkit plan FILE` prints the manifest and the
 * plan. Ctrl-C (SIGINT) or SIGTERM aborts the run and deletes the pod; a second one exits
 * at once.
 *
 * @example
 * ```sh
 * podkit run examples/kestra/input-and-output-files.yaml --input file=./data.txt --output-dir out
 * ```
 *
 * @module
 */
import { EXIT_CODES } from "./exit_codes.ts";
import { runCli } from "./program.ts";

const controller = new AbortController();
let interrupted = 0;

function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  interrupted += 1;
  if (interrupted > 1) {
    process.stderr.write(`podkit ${"aborted".padEnd(10)} ${signal} again: exiting now; the pod may be left behind\n`);
    process.exit(signal === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted);
  }
  process.stderr.write(`podkit ${"aborting".padEnd(10)} ${signal}: stopping the run and deleting the pod (again to exit at once)\n`);
  controller.abort(Object.assign(new Error(`Interrupted by ${signal}`), { name: "AbortError", signal }));
}

process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
