// Shared by the examples: decide whether a file is being run directly, and report a run.
import { pathToFileURL } from "node:url";
import type { PodBuilder } from "../lib/mod.ts";

/** True when the module at `url` is the script Node was asked to run. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && url === pathToFileURL(script).href;
}

/** Runs an example on the current cluster and prints what came back. */
export async function runExample(example: PodBuilder): Promise<void> {
  const result = await example.run({
    signal: AbortSignal.timeout(15 * 60_000),
    onLog: (line) => console.log(`[${line.container}] ${line.line}`),
  });
  console.log(`pod ${result.namespace}/${result.podName} ended ${result.phase}, exit code ${result.exitCode}`);
  for (const file of result.outputFiles) console.log(`output ${file.name}: ${file.path} (${file.size} bytes)`);
}
