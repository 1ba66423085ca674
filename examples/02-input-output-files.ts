/**
 * Kestra's "Launch a Pod with input files and gather its output files": `data.txt` is
 * uploaded into the working directory, the container copies it to `out.txt`, which is
 * brought back. Run it with `node examples/02-input-output-files.ts [file]` (without a
 * file, a short text is sent).
 */
import { pod, type InputContent } from "../lib/mod.ts";
import { isMain, runExample } from "./_run_example.ts";

const main = isMain(import.meta.url);
const input: InputContent = main && process.argv[2] !== undefined ? { path: process.argv[2] } : "Hello from podkit\n";

export const example = pod()
  .container({
    name: "unittest",
    image: "centos",
    command: ["cp", "{{workingDir}}/data.txt", "{{workingDir}}/out.txt"],
  })
  .spec({ restartPolicy: "Never" })
  .waitUntilRunning("PT3M")
  .inputFile("data.txt", input)
  .outputFiles("out.txt");

if (main) await runExample(example);
