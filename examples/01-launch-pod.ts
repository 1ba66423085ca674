/**
 * Kestra's "Launch a Pod": one container that counts to ten, labelled, in the default
 * namespace. Run it with `node examples/01-launch-pod.ts`.
 */
import { pod } from "../lib/mod.ts";
import { isMain, runExample } from "./_run_example.ts";

export const example = pod()
  .namespace("default")
  .labels({ "my-label": "my-value" })
  .container({
    name: "unittest",
    image: "debian:stable-slim",
    command: ["bash", "-c", "for i in {1..10}; do echo $i; sleep 0.1; done"],
  })
  .spec({ restartPolicy: "Never" });

if (isMain(import.meta.url)) await runExample(example);
