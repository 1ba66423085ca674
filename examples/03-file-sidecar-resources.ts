/**
 * Kestra's "Launch a Pod with input files and gather its output files limiting resources
 * for the init and sidecar containers". Run it with
 * `node examples/03-file-sidecar-resources.ts [file]`.
 */
import { pod, type InputContent } from "../lib/mod.ts";
import { isMain, runExample } from "./_run_example.ts";

const main = isMain(import.meta.url);
const input: InputContent = main && process.argv[2] !== undefined ? { path: process.argv[2] } : "Hello from podkit\n";

export const example = pod()
  .fileSidecar({ resources: { limits: { cpu: "300m", memory: "512Mi" } } })
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
