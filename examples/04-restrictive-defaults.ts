/**
 * Kestra's "Launch a Pod with default container spec applied to all containers for
 * restrictive environments": the defaults (no privilege escalation, no capabilities, a
 * read-only root file system, the runtime's seccomp profile, a writable `/tmp`) apply to
 * the user's container and to podkit's file-transfer containers alike. Run it with
 * `node examples/04-restrictive-defaults.ts [file]`.
 */
import { pod, type InputContent } from "../lib/mod.ts";
import { isMain, runExample } from "./_run_example.ts";

const main = isMain(import.meta.url);
const input: InputContent = main && process.argv[2] !== undefined ? { path: process.argv[2] } : "Hello from podkit\n";

export const example = pod()
  .defaults({
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  })
  .volume({ name: "tmp", emptyDir: {} })
  .container({
    name: "main",
    image: "centos",
    command: ["cp", "{{workingDir}}/data.txt", "{{workingDir}}/out.txt"],
  })
  .spec({ restartPolicy: "Never" })
  .waitUntilRunning("PT3M")
  .inputFile("data.txt", input)
  .outputFiles("out.txt");

if (main) await runExample(example);
