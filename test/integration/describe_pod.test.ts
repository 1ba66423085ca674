/**
 * Every way users describe a pod, on the cluster under test: Kestra's whole script
 * protocol (outputs, metrics, logs), output values from a file, plain Pod manifests, and
 * `podkit run --image … -- cmd`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { fromManifest, OUTPUT_NONCE_ENV, pod as newPod, PodRunError, type PodBuilder, type RunEvent } from "../../lib/mod.ts";
import { deleteLeftoverPods, kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

// A namespace of its own: other suites clean up pods in "default" while these run.
const NAMESPACE = "podkit-describe-test";
const SUITE = { "podkit.test/suite": "describe" };
const runner = new KubernetesRunner({ connection: { kubeconfigPath: kubeconfigPath() } });

function pod(): PodBuilder {
  return newPod().namespace(NAMESPACE).labels(SUITE);
}

beforeAll(async () => {
  const exists = await kubectl(["get", "namespace", NAMESPACE, "-o", "name"]);
  if (exists.code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

afterAll(async () => {
  await deleteLeftoverPods(NAMESPACE, "podkit.test/suite=describe");
});

describe("Kestra's script protocol", () => {
  test("metrics and structured logs come back typed, in order, beside outputs and plain output", async () => {
    const script = [
      "echo plain one",
      `echo '::{"metrics":[{"name":"rows","type":"counter","value":42,"tags":{"table":"a"}}]}::'`,
      `echo '::{"logs":[{"level":"WARN","message":"disk low"},{"level":"ERROR","message":"bad row 7"}]}::'`,
      `echo '::{"outputs":{"done":true},"metrics":[{"name":"load","type":"timer","value":1.5}]}::'`,
      "echo plain two",
    ].join("; ");
    const events: RunEvent[] = [];
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", script] })
      .run(runner, { onEvent: (e) => events.push(e) });
    expect(result.metrics.map(({ name, type, value, tags, container }) => ({ name, type, value, tags, container }))).toEqual([
      { name: "rows", type: "counter", value: 42, tags: { table: "a" }, container: "main" },
      { name: "load", type: "timer", value: 1.5, tags: {}, container: "main" },
    ]);
    expect(result.vars).toEqual({ done: true });
    expect(result.logs.filter((l) => l.level !== undefined).map((l) => [l.level, l.line])).toEqual([
      ["WARN", "disk low"],
      ["ERROR", "bad row 7"],
    ]);
    expect(result.logs.filter((l) => l.level === undefined).map((l) => l.line)).toEqual([
      "plain one",
      '::{"metrics":[{"name":"rows","type":"counter","value":42,"tags":{"table":"a"}}]}::',
      '::{"outputs":{"done":true},"metrics":[{"name":"load","type":"timer","value":1.5}]}::',
      "plain two",
    ]);
    expect(events.filter((e) => e.type === "metric").map((e) => (e.type === "metric" ? e.metric.name : ""))).toEqual(["rows", "load"]);
  });

  test("a failed run's error carries the metrics printed before it failed; with outputNonce forged lines are plain", async () => {
    const script = [
      `echo '::{"metrics":[{"name":"forged","type":"counter","value":1}]}::'`,
      `echo "::podkit-$${OUTPUT_NONCE_ENV}::{\\"metrics\\":[{\\"name\\":\\"real\\",\\"type\\":\\"counter\\",\\"value\\":2}],\\"logs\\":[{\\"level\\":\\"INFO\\",\\"message\\":\\"real log\\"}]}::"`,
      "exit 3",
    ].join("; ");
    const error = await pod()
      .outputNonce()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", script] })
      .run(runner)
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PodRunError);
    const result = (error as PodRunError).result;
    expect(result?.exitCode).toBe(3);
    expect(result?.metrics.map((m) => [m.name, m.value])).toEqual([["real", 2]]);
    expect(result?.logs.map((l) => [l.level, l.line.startsWith("::{") ? "forged line" : l.line])).toEqual([
      [undefined, "forged line"],
      ["INFO", "real log"],
    ]);
  });
});

describe("output values from a file", () => {
  test("outputs.json written by the pod is merged over the values of the log lines", async () => {
    const script = `echo '::{"outputs":{"a":1,"b":"from a line"}}::'; printf '{"b": "from the file", "rows": [1, 2, 3]}' > {{workingDir}}/outputs.json`;
    const result = await pod().container({ name: "main", image: "busybox", command: ["sh", "-c", script] }).outputValuesFile().run(runner);
    expect(result.vars).toEqual({ a: 1, b: "from the file", rows: [1, 2, 3] });
    expect(result.outputValuesError).toBeUndefined();
    expect(result.outputFiles.map((f) => f.name)).toEqual(["outputs.json"]);
  });

  test("a file that is not a JSON object is an error in the result, not a failed run", async () => {
    const script = `echo '::{"outputs":{"a":1}}::'; echo '[1, 2]' > {{workingDir}}/return.json`;
    const result = await pod().container({ name: "main", image: "busybox", command: ["sh", "-c", script] }).outputValuesFile("return.json").run(runner);
    expect(result.failed).toBe(false);
    expect(result.vars).toEqual({ a: 1 });
    expect(result.outputValuesError).toBe('Cannot read output values from "return.json": it holds an array, not a JSON object; write a JSON object, e.g. {"rows": 42}');
  });
});

const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "podkit-describe-it-"));

/** Runs the command line as a user would, with `stdin` piped in. */
function podkit(args: readonly string[], stdin = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata:
  generateName: plain-manifest-
  namespace: ${NAMESPACE}
  labels: { podkit.test/suite: describe, team: data }
spec:
  containers:
    - name: base
      image: busybox
      env: [{ name: GREETING, value: hello }]
      command: ["sh", "-c", "echo $GREETING from a manifest; exit 4"]
`;

describe("plain Pod manifests", () => {
  test("fromManifest() runs a Pod manifest as written: its generated name, namespace, logs and exit code", async () => {
    const error = await fromManifest(MANIFEST)
      .run(runner)
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PodRunError);
    const result = (error as PodRunError).result;
    expect(result?.exitCode).toBe(4);
    expect(result?.podName).toMatch(/^plain-manifest-/);
    expect(result?.namespace).toBe(NAMESPACE);
    expect(result?.logs.map((l) => `${l.container}:${l.line}`)).toEqual(["base:hello from a manifest"]);
    expect(result?.deleted).toBe(true);
  });

  test("podkit run takes a kind: List holding the Pod, detected by content; exit code the pod's", async () => {
    const list = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Pod", metadata: { namespace: NAMESPACE, labels: SUITE }, spec: { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo from a list; exit 5"] }] } }] };
    const file = join(dir, "list.json");
    writeFileSync(file, JSON.stringify(list));
    const run = await podkit(["run", file]);
    expect(run.stdout).toBe("main | from a list\n");
    expect(run.code).toBe(5);
  });
});

describe("podkit run --image", () => {
  test("-i feeds standard input to the command; --env, files both ways, live logs and the exit code", async () => {
    writeFileSync(join(dir, "in.txt"), "from a file\n");
    const out = join(dir, "out");
    const script = 'wc -l | tr -d " " > count.txt; cat in.txt; echo "MODE=$MODE"; exit 3';
    const run = await podkit(["run", "--image", "busybox", "-n", NAMESPACE, "--env", "MODE=fast", "--input", "in.txt=in.txt", "--output", "count.txt", "--output-dir", out, "-i", "--", "sh", "-c", script], "one\ntwo\nthree\n");
    expect(run.stdout).toBe("main | from a file\nmain | MODE=fast\n");
    expect(run.code).toBe(3);
    expect(readFileSync(join(out, "count.txt"), "utf8")).toBe("3\n");
    expect(run.stderr).toMatch(/podkit output +count\.txt/);
  });
});
