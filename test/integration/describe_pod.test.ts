/**
 * Every way users describe a pod, on the cluster under test: Kestra's whole script
 * protocol (outputs, metrics, logs), output values from a file, plain Pod manifests, and
 * `podkit run --image … -- cmd`.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { OUTPUT_NONCE_ENV, pod as newPod, PodRunError, type PodBuilder, type RunEvent } from "../../lib/mod.ts";
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
