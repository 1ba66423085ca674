/**
 * The Kubernetes runner against a real cluster: the reference examples as written, lossless
 * logs under load, failures with their reasons, cleanup, resume and output values.
 * Figures (durations, line counts) are printed to the test output.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { example as example1 } from "../../examples/01-launch-pod.ts";
import { example as example2 } from "../../examples/02-input-output-files.ts";
import { example as example3 } from "../../examples/03-file-sidecar-resources.ts";
import { example as example4 } from "../../examples/04-restrictive-defaults.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import type { V1Pod } from "@kubernetes/client-node";
import { pod as newPod, OUTPUT_NONCE_ENV, PodRunError, stampRunIdentity, type PodBuilder, type RunEvent, type RunResult } from "../../lib/mod.ts";
import { deleteLeftoverPods, kubectl, waitFor } from "./_cluster.ts";

// A namespace of its own: other suites clean up pods in "default" while these run.
const NAMESPACE = "podkit-runner-test";
const SUITE = { "podkit.test/suite": "runner" };
const runner = new KubernetesRunner();

/** A pod builder in the suite's namespace, with the suite's label. */
function pod(): PodBuilder {
  return newPod().namespace(NAMESPACE).labels(SUITE);
}

beforeAll(async () => {
  const exists = await kubectl(["get", "namespace", NAMESPACE, "-o", "name"]);
  if (exists.code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  // Pods are refused until the namespace's default service account exists.
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

afterAll(async () => {
  await deleteLeftoverPods(NAMESPACE, "podkit.test/suite=runner");
});

function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[runner figures] ${name}: ${JSON.stringify(figures)}`);
}

async function podExists(name: string): Promise<boolean> {
  const { stdout } = await kubectl(["get", "pod", name, "-n", NAMESPACE, "--ignore-not-found", "-o", "name"]);
  return stdout.trim() !== "";
}

async function rejection(promise: Promise<unknown>): Promise<PodRunError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PodRunError) return error;
    throw error;
  }
  throw new Error("Expected the run to fail");
}

describe("the reference examples, as written", () => {
  test("1. launch a pod: the logs hold exactly the lines 1 to 10", async () => {
    const started = performance.now();
    const streamed: string[] = [];
    const result = await example1.namespace(NAMESPACE).labels(SUITE).run(runner, { onLog: (l) => streamed.push(l.line) });
    expect(result.logs.map((l) => l.line)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    expect(streamed).toEqual(result.logs.map((l) => l.line));
    expect(result.logs.every((l) => l.container === "unittest" && /^\d{4}-\d\d-\d\dT/.test(l.timestamp))).toBe(true);
    expect(result).toMatchObject({ phase: "Succeeded", exitCode: 0, deleted: true, resumed: false });
    expect(result.incompleteLogs).toBeUndefined();
    expect(result.containers).toEqual([expect.objectContaining({ name: "unittest", kind: "main", exitCode: 0, reason: "Completed" })]);
    expect(result.timings.created).toBeDefined();
    expect(result.timings.finished).toBeDefined();
    report("example 1", { wallMs: Math.round(performance.now() - started), steps: result.timings.steps });
  });

  for (const [name, example] of [
    ["2. input and output files", example2],
    ["3. file sidecar with resource limits", example3],
    ["4. restrictive container defaults", example4],
  ] as const) {
    test(`${name}: out.txt comes back with the bytes of data.txt`, async () => {
      const started = performance.now();
      const result = await example.namespace(NAMESPACE).labels(SUITE).run(runner);
      const input = example.description.inputFiles[0]?.content;
      expect(typeof input).toBe("string");
      expect(result.outputFiles.map((f) => f.name)).toEqual(["out.txt"]);
      const file = result.outputFiles[0];
      expect(await readFile(file?.path as string, "utf8")).toBe(input);
      expect(file?.size).toBe(Buffer.byteLength(input as string));
      expect(result.outputDir).toBeDefined();
      expect(result).toMatchObject({ phase: "Succeeded", exitCode: 0, deleted: true });
      report(`example ${name.slice(0, 1)}`, { wallMs: Math.round(performance.now() - started), steps: result.timings.steps });
    });
  }
});

describe("logs", () => {
  test("two containers logging concurrently: each line of each collected exactly once, in order", async () => {
    const count = 5000;
    const script = (tag: string) => `i=1; while [ $i -le ${count} ]; do echo "${tag} $i"; i=$((i+1)); done`;
    const result = await pod()
      .container({ name: "left", image: "busybox", command: ["sh", "-c", script("left")] })
      .container({ name: "right", image: "busybox", command: ["sh", "-c", script("right")] })
      .run(runner);
    for (const tag of ["left", "right"]) {
      const lines = result.logs.filter((l) => l.container === tag).map((l) => l.line);
      expect(lines).toEqual(Array.from({ length: count }, (_, i) => `${tag} ${i + 1}`));
    }
    report("two containers", { lines: result.logs.length, waitCompletionMs: result.timings.steps["waitCompletion"] });
  });

  test("100 000 lines printed as fast as possible: all collected, in order", async () => {
    const count = 100_000;
    const started = performance.now();
    // The container lingers a second after printing: containerd 1.6 (the local cluster's)
    // stops copying a container's output into its log file when the container exits, and
    // loses the last lines of a burst that ends with the exit (seen: 85 819 of 100 000
    // lines in the kubelet's own file, whatever reads it). What reaches the file, the
    // runner brings back in full.
    const handle = runner.start(
      // A late-log budget far shorter than the reading: it bounds silence, not reading.
      pod().container({ name: "flood", image: "busybox", command: ["sh", "-c", `seq 1 ${count}; sleep 1`] }).waitForLogInterval("PT0.5S").compile(),
    );
    let iterated = 0;
    let outOfOrder: string | undefined;
    for await (const line of handle.logs) {
      if (line.line !== String(iterated + 1)) outOfOrder ??= `line ${iterated + 1} is "${line.line}"`;
      iterated += 1;
    }
    const result = await handle.result;
    expect(outOfOrder).toBeUndefined();
    expect(iterated).toBe(count);
    expect(result.logs).toHaveLength(count);
    expect(result.logs.at(-1)?.line).toBe(String(count));
    expect(result.incompleteLogs).toBeUndefined();
    report("100k lines", { lines: result.logs.length, wallMs: Math.round(performance.now() - started), steps: result.timings.steps });
  });

  test("lines are byte-exact: spaces, tabs, carriage returns and an unterminated last line", async () => {
    // containerd drops the "\r" of a "\r\n" line ending before the kubelet serves the log;
    // a carriage return anywhere else in a line comes through.
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "printf '  lead\\ttab  \\n\\nx  y\\rz \\nno newline'"] })
      .run(runner);
    expect(result.logs.map((l) => l.line)).toEqual(["  lead\ttab  ", "", "x  y\rz ", "no newline"]);
  });

  test("user init containers are followed too; podkit's own are not", async () => {
    const result = await pod()
      .initContainer({ name: "prepare", image: "busybox", command: ["echo", "from init"] })
      .container({ name: "main", image: "busybox", command: ["echo", "from main"] })
      .inputFile("in.txt", "x")
      .outputFiles("in.txt")
      .run(runner);
    // Arrival order across containers is not defined; each container's own order is.
    expect(result.logs.map((l) => `${l.container}: ${l.line}`).sort()).toEqual(["main: from main", "prepare: from init"]);
    expect(result.containers.map((c) => [c.name, c.kind, c.exitCode])).toEqual([
      ["prepare", "init", 0],
      ["main", "main", 0],
    ]);
  });
});

describe("outputs", () => {
  test('::{"outputs":{"a":1,"s":"x  y"}}:: yields vars { a: 1, s: "x  y" }', async () => {
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", `echo '::{"outputs":{"a":1,"s":"x  y"}}::'`] })
      .run(runner);
    expect(result.vars).toEqual({ a: 1, s: "x  y" });
  });

  test("with outputNonce, only lines carrying the run's nonce count", async () => {
    const script = `echo '::{"outputs":{"forged":true}}::'; echo "::podkit-$${OUTPUT_NONCE_ENV}::{\\"outputs\\":{\\"real\\":1}}::"`;
    const result = await pod().outputNonce().container({ name: "main", image: "busybox", command: ["sh", "-c", script] }).run(runner);
    expect(result.vars).toEqual({ real: 1 });
  });
});

describe("failures", () => {
  test("exit code 3: the run fails with the exit code, the log tail, and what was collected", async () => {
    const error = await rejection(
      pod()
        .container({
          name: "main",
          image: "busybox",
          command: ["sh", "-c", `echo 'partial' > {{workingDir}}/out.txt; echo '::{"outputs":{"done":false}}::'; echo before failing; exit 3`],
        })
        .outputFiles("out.txt")
        .run(runner),
    );
    expect(error.reason).toBe("ContainerFailed");
    expect(error.step).toBe("waitCompletion");
    expect(error.exitCode).toBe(3);
    expect(error.logTail.at(-1)).toBe("main: before failing");
    expect(error.message).toMatch(/exit code 3/);
    expect(error.result?.vars).toEqual({ done: false });
    expect({ files: error.result?.outputFiles.map((f) => f.name), refused: error.result?.refusedOutputs }).toEqual({ files: ["out.txt"], refused: [] });
    expect(await readFile(error.result?.outputFiles[0]?.path as string, "utf8")).toBe("partial\n");
    expect(error.result?.deleted).toBe(true);
    expect(error.containers[0]).toMatchObject({ name: "main", exitCode: 3, reason: "Error" });
    // One shape for one story: the error and its result tell the same fields alike.
    expect(error.shortMessage).toBe(error.message.split("\n")[0]);
    const shared = ["failed", "reason", "step", "shortMessage", "runId", "namespace", "podName", "phase", "exitCode", "containers", "logTail"] as const;
    for (const field of shared) expect(error.result?.[field], field).toEqual(error[field]);
    expect(error.result?.phase).toBe("Failed");
    expect(error.result?.outputsError).toBeUndefined();
  });

  test("a failed init container: the result says why no output could be collected, apart from refused entries", async () => {
    const error = await rejection(
      pod()
        .initContainer({ name: "prep", image: "busybox", command: ["sh", "-c", "echo cannot prepare; exit 4"] })
        .container({ name: "main", image: "busybox", command: ["true"] })
        .outputFiles("out.txt")
        .run(runner),
    );
    expect(error.reason).toBe("ContainerFailed");
    expect(error.exitCode).toBe(4);
    expect(error.result?.outputsError).toMatch(/podkit-outputs container is not running/);
    expect(error.result?.refusedOutputs).toEqual([]);
    expect(error.logTail).toContain("prep: cannot prepare");
  });

  test("a container over its memory limit is reported as OOMKilled", async () => {
    const error = await rejection(
      pod()
        .container({
          name: "hog",
          image: "busybox",
          command: ["sh", "-c", "echo allocating; tail /dev/zero"],
          resources: { limits: { memory: "16Mi" }, requests: { memory: "16Mi" } },
        })
        .run(runner),
    );
    expect(error.reason).toBe("OOMKilled");
    expect(error.exitCode).toBe(137);
    expect(error.containers[0]?.reason).toBe("OOMKilled");
  });

  test("a missing image fails within seconds, with the reason and the pod's events", async () => {
    const started = performance.now();
    const error = await rejection(
      pod().container({ name: "main", image: "podkit.invalid/no-such-image:1", command: ["true"] }).waitUntilRunning("PT10M").run(runner),
    );
    const elapsed = performance.now() - started;
    expect(error.reason).toBe("ImagePull");
    expect(error.message).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(elapsed).toBeLessThan(30_000);
    expect(await waitFor(async () => ((await podExists(error.podName as string)) ? undefined : true), 30_000)).toBe(true);
    report("missing image", { failedAfterMs: Math.round(elapsed), events: error.events.map((e) => e.reason) });
  });

  test("a pod no node can take fails as Unschedulable with the scheduler's message", async () => {
    const error = await rejection(
      pod()
        .container({ name: "main", image: "busybox", command: ["true"] })
        .spec({ nodeSelector: { "podkit.test/no-such-node": "true" } })
        .waitUntilRunning("PT5S")
        .run(runner),
    );
    expect(error.reason).toBe("Unschedulable");
    expect(error.step).toBe("waitScheduled");
    expect(error.message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector/);
    expect(await waitFor(async () => ((await podExists(error.podName as string)) ? undefined : true), 30_000)).toBe(true);
  });

  test("a container that cannot be configured fails fast as ConfigError", async () => {
    const started = performance.now();
    const error = await rejection(
      pod()
        .container({
          name: "main",
          image: "busybox",
          command: ["true"],
          env: [{ name: "SECRET", valueFrom: { secretKeyRef: { name: "podkit-no-such-secret", key: "k" } } }],
        })
        .run(runner),
    );
    expect(error.reason).toBe("ConfigError");
    expect(error.message).toMatch(/CreateContainerConfigError/);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  test("events tell each milestone as data, in order, and progress text still reaches onProgress", async () => {
    const events: RunEvent[] = [];
    const steps: string[] = [];
    const messages: string[] = [];
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "cat {{workingDir}}/in.txt > {{workingDir}}/out.txt; echo done"] })
      .inputFile("in.txt", "x")
      .outputFiles("out.txt")
      .run(runner, {
        onEvent: (e) => events.push(e),
        onProgress: (e) => {
          steps.push(e.step);
          messages.push(e.message);
        },
      });
    const types = events.map((e) => e.type);
    const first = (type: RunEvent["type"]) => types.indexOf(type);
    for (const type of ["created", "scheduled", "transfer", "started", "log", "containerTerminated", "completed", "deleted"] as const) {
      expect(types, type).toContain(type);
    }
    expect(first("created")).toBe(0);
    expect(first("created")).toBeLessThan(first("scheduled"));
    expect(first("scheduled")).toBeLessThan(first("started"));
    // Every log line comes before the completion, the completion before the download and the deletion.
    expect(types.lastIndexOf("log")).toBeLessThan(first("completed"));
    const download = events.findIndex((e) => e.type === "transfer" && e.direction === "download" && e.done);
    expect(first("completed")).toBeLessThan(download);
    expect(download).toBeLessThan(first("deleted"));
    expect(events.find((e) => e.type === "transfer" && e.direction === "upload" && e.done)).toMatchObject({ bytes: 1, totalBytes: 1, files: 1 });
    expect(events.find((e) => e.type === "containerTerminated")).toMatchObject({ container: "main", kind: "main", exitCode: 0, reason: "Completed" });
    expect(events.find((e) => e.type === "completed")).toMatchObject({ phase: "Succeeded", exitCode: 0 });
    expect(events.filter((e) => e.type === "log").map((e) => (e.type === "log" ? e.line : ""))).toEqual(result.logs.map((l) => l.line));
    // The kubelet's own events come through while the pod starts, as data.
    expect(events.some((e) => (e.type === "pulled" || e.type === "pulling") && e.container === "main" && e.image === "busybox")).toBe(true);
    expect(messages.some((m) => m.startsWith('Created pod "'))).toBe(true);
    for (const step of ["create", "waitScheduled", "uploadInputs", "waitCompletion", "downloadOutputs", "delete"]) {
      expect(steps).toContain(step);
    }
  });

  test("the handle's events() replays every event from the first, and ends when the run settles", async () => {
    const handle = runner.start(
      pod()
        .container({ name: "main", image: "busybox", command: ["seq", "1", "50"] })
        .compile(),
    );
    const live: string[] = [];
    for await (const e of handle.events()) live.push(e.type === "log" ? `log:${e.line}` : e.type);
    const result = await handle.result;
    const replay: string[] = [];
    for await (const e of handle.events()) replay.push(e.type === "log" ? `log:${e.line}` : e.type);
    expect(replay).toEqual(live);
    expect(live.filter((t) => t.startsWith("log:"))).toEqual(result.logs.map((l) => `log:${l.line}`));
    expect(live.at(-1)).toBe("deleted");
  });

  test("a pod deleted by someone else fails the run at once", async () => {
    let name: string | undefined;
    const run = pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo up; sleep 300"] })
      .run(runner, { onProgress: (e) => (name ??= e.podName) });
    const pending = rejection(run);
    await waitFor(async () => (name === undefined ? undefined : name), 60_000);
    await waitFor(async () => {
      const { stdout } = await kubectl(["get", "pod", name as string, "-n", NAMESPACE, "-o", "jsonpath={.status.phase}"]);
      return stdout === "Running" ? stdout : undefined;
    }, 60_000);
    const deletedAt = performance.now();
    await kubectl(["delete", "pod", name as string, "-n", NAMESPACE, "--wait=false"]);
    const error = await pending;
    expect(error.reason).toBe("DeletedExternally");
    report("deleted externally", { detectedAfterMs: Math.round(performance.now() - deletedAt) });
  });

  test("a run past waitRunning times out and deletes its pod", async () => {
    const error = await rejection(
      pod().container({ name: "main", image: "busybox", command: ["sleep", "300"] }).waitRunning("PT3S").run(runner),
    );
    expect(error.reason).toBe("Timeout");
    expect(error.timedOut).toBe(true);
    expect(await waitFor(async () => ((await podExists(error.podName as string)) ? undefined : true), 30_000)).toBe(true);
  });
});

describe("compiled = created", () => {
  test("the live pod carries exactly the compiled manifest's labels, annotations, env and volumes, with the run's identity stamped", async () => {
    const job = pod()
      .labels({ team: "data" })
      .annotations({ "example.com/owner": "pipelines" })
      .runId(`identity-${Date.now()}`)
      .outputNonce()
      .volume({ name: "scratch", emptyDir: {} })
      .container({ name: "main", image: "busybox", env: [{ name: "GREETING", value: "hi" }], command: ["sh", "-c", "sleep 4"] })
      .inputFile("in.txt", "x")
      .outputFiles("in.txt");
    const compiled = job.compile();
    let live: V1Pod | undefined;
    const result = await runner.run(compiled, {
      onEvent: (e) => {
        if (e.type === "started" && live === undefined) {
          live = {};
          void kubectl(["get", "pod", "-l", `podkit.dev/run-id=${compiled.plan.pod.runId}`, "-n", NAMESPACE, "-o", "json"]).then((out) => {
            live = (JSON.parse(out.stdout) as { items: V1Pod[] }).items[0];
          });
        }
      },
    });
    await waitFor(async () => (live?.metadata === undefined ? undefined : live), 30_000);
    const pod_ = live as V1Pod;
    const nonce = pod_.spec?.containers.find((c) => c.name === "main")?.env?.find((e) => e.name === OUTPUT_NONCE_ENV)?.value;
    expect(nonce).toMatch(/^[0-9a-f]{24}$/);
    const expected = stampRunIdentity(compiled.manifest, compiled.plan.pod, { runId: result.runId, namespace: result.namespace, nonce });
    expect(pod_.metadata?.namespace).toBe(NAMESPACE);
    expect(pod_.metadata?.labels).toEqual(expected.metadata?.labels);
    expect(pod_.metadata?.annotations ?? {}).toEqual(expected.metadata?.annotations ?? {});
    const env = (p: V1Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => [c.name, c.env ?? []]);
    expect(env(pod_)).toEqual(env(expected));
    // The API server adds the service account's token volume; every other volume is the compiled one.
    const volumes = (pod_.spec?.volumes ?? []).filter((v) => !v.name.startsWith("kube-api-access-"));
    expect(volumes).toEqual(expected.spec?.volumes);
  });
});

describe("names", () => {
  test("a given name is used as is; a second run under that name by another run id is refused with a way out", async () => {
    const name = `fixed-${Date.now().toString(36)}`;
    const first = newPod(name)
      .namespace(NAMESPACE)
      .labels(SUITE)
      .container({ name: "main", image: "busybox", command: ["sleep", "3"] })
      .run(runner);
    await waitFor(async () => ((await podExists(name)) ? true : undefined), 30_000);
    const error = await rejection(
      newPod(name).namespace(NAMESPACE).labels(SUITE).container({ name: "main", image: "busybox", command: ["true"] }).run(runner),
    );
    expect(error.reason).toBe("ApiError");
    expect(error.step).toBe("create");
    expect(error.message).toMatch(/already exists.*give the same run id to reattach/);
    const result = await first;
    expect(result.podName).toBe(name);
  });
});

describe("cleanup and resume", () => {
  test("abort mid-run: the run rejects with Aborted and the pod is gone", async () => {
    const controller = new AbortController();
    let name: string | undefined;
    const run = pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo started; sleep 300"] })
      .run(runner, {
        signal: controller.signal,
        onLog: () => controller.abort(new Error("enough")),
        onProgress: (e) => (name ??= e.podName),
      });
    const started = performance.now();
    const error = await rejection(run);
    expect(error.reason).toBe("Aborted");
    expect(error.aborted).toBe(true);
    const gone = await waitFor(async () => ((await podExists(name as string)) ? undefined : true), 30_000);
    expect(gone).toBe(true);
    report("abort", { rejectedAfterMs: Math.round(performance.now() - started) });
  });

  test("abort while the pod is being created: no pod is left behind", async () => {
    for (const afterMs of [0, 10, 40, 120]) {
      const runId = `abort-early-${afterMs}-${Date.now().toString(36)}`;
      const controller = new AbortController();
      const run = runner.run(pod().runId(runId).container({ name: "main", image: "busybox", command: ["sleep", "300"] }).compile(), {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), afterMs);
      const error = await rejection(run);
      expect(error.reason).toBe("Aborted");
      const left = await waitFor(async () => {
        const { stdout } = await kubectl(["get", "pods", "-n", NAMESPACE, "-l", `podkit.dev/run-id=${runId}`, "-o", "name"]);
        return stdout.trim() === "" ? true : undefined;
      }, 30_000);
      expect(left).toBe(true);
    }
  });

  test("an already aborted signal rejects before anything is created", async () => {
    const error = await rejection(
      runner.run(pod().container({ name: "main", image: "busybox" }).compile(), { signal: AbortSignal.abort() }),
    );
    expect(error.reason).toBe("Aborted");
    expect(error.podName).toBeUndefined();
  });

  test("delete: false keeps the pod, ended, and its sidecar released", async () => {
    const result = await pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo kept > {{workingDir}}/k.txt"] })
      .outputFiles("k.txt")
      .delete(false)
      .run(runner);
    try {
      expect(result.deleted).toBe(false);
      expect(result.outputFiles).toHaveLength(1);
      // The sidecar exits once the outputs are read, so the kept pod ends.
      const phase = await waitFor(async () => {
        const { stdout } = await kubectl(["get", "pod", result.podName, "-n", NAMESPACE, "-o", "jsonpath={.status.phase}"]);
        return stdout === "Succeeded" ? stdout : undefined;
      }, 60_000);
      expect(phase).toBe("Succeeded");
    } finally {
      await kubectl(["delete", "pod", result.podName, "-n", NAMESPACE, "--grace-period=0", "--force", "--wait=false"]);
    }
  });

  test("resume: two runs with the same run id started together end on one pod", async () => {
    const runId = `twins-${Date.now().toString(36)}`;
    const build = (): PodBuilder =>
      pod().runId(runId).container({ name: "main", image: "busybox", command: ["sh", "-c", "echo once; sleep 2"] });
    const [a, b] = await Promise.all([build().run(runner), build().run(runner)]);
    expect(a.podName).toBe(b.podName);
    expect([a.resumed, b.resumed].filter(Boolean)).toHaveLength(1);
    expect(a.logs.map((l) => l.line)).toEqual(["once"]);
    expect(b.logs.map((l) => l.line)).toEqual(["once"]);
  });

  test("resume: a second run with the same run id reattaches to the running pod and returns its result", async () => {
    const runId = `resume-${Date.now().toString(36)}`;
    const build = (): PodBuilder =>
      pod()
        .runId(runId)
        .container({ name: "main", image: "busybox", command: ["sh", "-c", "for i in 1 2 3 4 5 6; do echo line $i; sleep 0.5; done"] });
    let firstStarted = false;
    const first = build().run(runner, { onLog: () => (firstStarted = true) });
    await waitFor(async () => (firstStarted ? true : undefined), 60_000);
    const second: RunResult = await build().run(runner);
    const firstResult = await first;
    expect(second.resumed).toBe(true);
    expect(firstResult.resumed).toBe(false);
    expect(second.podName).toBe(firstResult.podName);
    expect(second.uid).toBe(firstResult.uid);
    const expected = ["line 1", "line 2", "line 3", "line 4", "line 5", "line 6"];
    expect(second.logs.map((l) => l.line)).toEqual(expected);
    expect(firstResult.logs.map((l) => l.line)).toEqual(expected);
  });
});
