import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { fromKestra, kestraToSpec, PodDefinitionError, type FromKestraOptions } from "../../../lib/kestra/mod.ts";
import { findStep } from "../../../lib/plan/plan.ts";

const EXAMPLES = new URL("../../../examples/kestra/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, EXAMPLES), "utf8");

const dir = mkdtempSync(join(tmpdir(), "podkit-kestra-"));
const dataFile = join(dir, "data.txt");
writeFileSync(dataFile, "hello\n");

/** The issues of the PodDefinitionError `make` throws. */
function issuesOf(make: () => unknown): { path: string; message: string }[] {
  try {
    make();
  } catch (error) {
    if (error instanceof PodDefinitionError) return error.issues.map((i) => ({ ...i }));
    throw error;
  }
  throw new Error("expected a PodDefinitionError");
}

/** A one-task flow around `task` (YAML-free, as parsed objects). */
function flow(task: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "f",
    namespace: "company.team",
    ...extra,
    tasks: [
      {
        id: "t",
        type: "io.kestra.plugin.kubernetes.core.PodCreate",
        spec: { containers: [{ name: "main", image: "busybox", command: ["true"] }], restartPolicy: "Never" },
        ...task,
      },
    ],
  };
}

const build = (task: Record<string, unknown>, options: FromKestraOptions = {}) => fromKestra(flow(task), options).description;

describe("fromKestra on the four reference examples", () => {
  test("launch-a-pod: namespace, labels and the bash loop, no files", () => {
    const { manifest, plan } = fromKestra(read("launch-a-pod.yaml")).compile();
    expect(manifest.metadata?.namespace).toBe("default");
    expect(manifest.metadata?.labels).toMatchObject({ "my-label": "my-value", "kestra.io/flow-id": "kubernetes_pod_create", "kestra.io/task-id": "pod_create" });
    expect(manifest.spec?.containers).toHaveLength(1);
    expect(manifest.spec?.containers[0]).toMatchObject({
      name: "unittest",
      image: "debian:stable-slim",
      command: ["bash", "-c", "for i in {1..10}; do echo $i; sleep 0.1; done"],
    });
    expect(manifest.spec?.restartPolicy).toBe("Never");
    expect(findStep(plan, "uploadInputs")).toBeUndefined();
    expect(findStep(plan, "downloadOutputs")).toBeUndefined();
  });

  test.each(["input-and-output-files.yaml", "file-sidecar-resources.yaml", "container-default-spec.yaml"])(
    "%s: the FILE input becomes data.txt, out.txt is collected, {{workingDir}} is Kestra's",
    (name) => {
      const { manifest, plan, inputs } = fromKestra(read(name), { inputs: { file: dataFile } }).compile();
      expect(inputs).toEqual([{ name: "data.txt", content: { path: dataFile } }]);
      expect(findStep(plan, "downloadOutputs")?.globs).toEqual(["out.txt"]);
      expect(findStep(plan, "uploadInputs")?.workingDir).toBe("/kestra/working-dir");
      expect(findStep(plan, "waitRunning")?.budgetMs).toBe(180_000);
      expect(manifest.spec?.containers[0]?.command).toEqual(["cp", "/kestra/working-dir/data.txt", "/kestra/working-dir/out.txt"]);
      expect(manifest.spec?.initContainers?.[0]?.name).toBe("podkit-init");
    },
  );

  test("file-sidecar-resources: the sidecar gets the limits", () => {
    const { manifest } = fromKestra(read("file-sidecar-resources.yaml"), { inputs: { file: dataFile } }).compile();
    const sidecar = manifest.spec?.containers.find((c) => c.name === "podkit-outputs");
    expect(sidecar?.resources).toEqual({ limits: { cpu: "300m", memory: "512Mi" } });
    expect(manifest.spec?.initContainers?.[0]?.resources).toEqual({ limits: { cpu: "300m", memory: "512Mi" } });
  });

  test("container-default-spec: the defaults reach every container, the tmp volume is declared", () => {
    const { manifest } = fromKestra(read("container-default-spec.yaml"), { inputs: { file: dataFile } }).compile();
    const all = [...(manifest.spec?.initContainers ?? []), ...(manifest.spec?.containers ?? [])];
    expect(all.map((c) => c.name)).toEqual(["podkit-init", "main", "podkit-outputs"]);
    for (const container of all) {
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    }
    expect(manifest.spec?.volumes).toContainEqual({ name: "tmp", emptyDir: {} });
  });

  test("the examples need their FILE input", () => {
    expect(issuesOf(() => fromKestra(read("input-and-output-files.yaml")))).toEqual([
      { path: "inputs.file", message: 'missing value for the required FILE input "file"; give the path of a local file (--input file=PATH)' },
    ]);
  });
});

describe("fromKestra maps every PodCreate property", () => {
  test("namespace", () => {
    expect(build({ namespace: "batch" }).namespace).toBe("batch");
  });

  test("metadata: name, labels, annotations and the rest", () => {
    const d = build({ metadata: { name: "report", labels: { a: "1" }, annotations: { "x/y": "z" }, generateName: "r-", finalizers: ["f/x"] } });
    expect(d.name).toBe("report");
    expect(d.metadata.labels).toMatchObject({ a: "1" });
    expect(d.metadata.annotations).toEqual({ "x/y": "z" });
    expect(d.metadata).toMatchObject({ generateName: "r-", finalizers: ["f/x"] });
  });

  test("the task's own labels win over the kestra.io labels podkit adds", () => {
    expect(build({ metadata: { labels: { "kestra.io/flow-id": "mine" } } }).metadata.labels).toEqual({ "kestra.io/flow-id": "mine", "kestra.io/namespace": "company.team", "kestra.io/task-id": "t" });
  });

  test("metadata.namespace is the namespace when the task gives none", () => {
    expect(build({ metadata: { namespace: "jobs" } }).namespace).toBe("jobs");
  });

  test("spec: containers, initContainers, volumes and other fields", () => {
    const d = build({
      spec: {
        containers: [{ name: "a", image: "busybox" }, { name: "b", image: "busybox" }],
        initContainers: [{ name: "prep", image: "busybox" }],
        volumes: [{ name: "v", emptyDir: {} }],
        nodeSelector: { pool: "batch" },
        serviceAccountName: "runner",
        restartPolicy: "Never",
      },
    });
    expect(d.containers.map((c) => c.name)).toEqual(["a", "b"]);
    expect(d.initContainers.map((c) => c.name)).toEqual(["prep"]);
    expect(d.volumes).toEqual([{ name: "v", emptyDir: {} }]);
    expect(d.spec).toMatchObject({ nodeSelector: { pool: "batch" }, serviceAccountName: "runner", restartPolicy: "Never" });
  });

  test("containerDefaultSpec → defaults", () => {
    expect(build({ containerDefaultSpec: { resources: { limits: { memory: "256Mi" } } } }).defaults).toEqual({ resources: { limits: { memory: "256Mi" } } });
  });

  test("inputFiles as a map: text, and a FILE input as a local file", () => {
    const d = fromKestra(flow({ inputFiles: { "a.txt": "hello {{ inputs.who }}", "b.bin": "{{ inputs.file }}" } }, { inputs: [{ id: "who", type: "STRING" }, { id: "file", type: "FILE" }] }), {
      inputs: { who: "world", file: dataFile },
    }).description;
    expect(d.inputFiles).toEqual([
      { name: "a.txt", content: "hello world" },
      { name: "b.bin", content: { path: dataFile } },
    ]);
  });

  test("inputFiles as a JSON text", () => {
    expect(build({ inputFiles: '{"a.txt": "one", "dir/b.txt": "two"}' }).inputFiles).toEqual([
      { name: "a.txt", content: "one" },
      { name: "dir/b.txt", content: "two" },
    ]);
  });

  test("outputFiles", () => {
    expect(build({ outputFiles: ["out.txt", "reports/**"] }).outputFiles).toEqual(["out.txt", "reports/**"]);
  });

  test("fileSidecar: image, resources, defaultSpec", () => {
    const fileSidecar = { image: "alpine:3", resources: { limits: { cpu: "100m" } }, defaultSpec: { securityContext: { runAsNonRoot: true } } };
    expect(build({ fileSidecar }).fileSidecar).toEqual(fileSidecar);
  });

  test("connection: every field of the reference", () => {
    const connection = {
      masterUrl: "https://k8s.example:6443",
      apiVersion: "v1",
      caCertData: "CA",
      caCertFile: "/ca.pem",
      clientCertData: "CERT",
      clientCertFile: "/cert.pem",
      clientKeyData: "KEY",
      clientKeyFile: "/key.pem",
      clientKeyAlgo: "EC",
      clientKeyPassphrase: "secret",
      disableHostnameVerification: true,
      keyStoreFile: "/ks.p12",
      keyStorePassphrase: "ks",
      trustStoreFile: "/ts.p12",
      trustStorePassphrase: "ts",
      namespace: "jobs",
      oauthToken: "token",
      oauthTokenProvider: { command: "gcloud", args: ["auth", "print-access-token"] },
      password: "pw",
      trustCerts: false,
      username: "admin",
    };
    expect(build({ connection }).connection).toEqual(connection);
  });

  test("delete, resume and the four timeouts", () => {
    const d = build({ delete: false, resume: false, waitUntilRunning: "PT3M", waitRunning: "PT2H", waitForLogInterval: "PT10S", waitUntilReady: "PT1M" });
    expect(d.onFinish).toBe("keep");
    expect(d.resume).toBe(false);
    expect(d.timeouts).toEqual({ waitUntilRunning: "PT3M", waitRunning: "PT2H", waitForLogInterval: "PT10S", waitUntilReady: "PT1M" });
  });

  test("a bare task (not in a flow) is read too", () => {
    const d = fromKestra({ id: "t", type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [{ name: "main", image: "busybox" }] } }).description;
    expect(d.containers[0]?.name).toBe("main");
    expect(d.workingDir).toBe("/kestra/working-dir");
  });

  test("the former type name io.kestra.plugin.kubernetes.PodCreate is accepted", () => {
    const d = fromKestra({ type: "io.kestra.plugin.kubernetes.PodCreate", spec: { containers: [{ name: "main", image: "busybox" }] } }).description;
    expect(d.containers).toHaveLength(1);
  });
});

describe("fromKestra templates", () => {
  test("{{workingDir}} is left for compile, with or without spaces", () => {
    const d = build({ spec: { containers: [{ name: "m", image: "busybox", command: ["cat", "{{ workingDir }}/a", "{{workingDir}}/b"] }] } });
    expect(d.containers[0]?.command).toEqual(["cat", "{{workingDir}}/a", "{{workingDir}}/b"]);
  });

  test("STRING inputs render anywhere as text; defaults fill missing values", () => {
    const source = flow(
      { namespace: "{{ inputs.ns }}", spec: { containers: [{ name: "m", image: "busybox:{{inputs.tag}}", command: ["echo", "{{ inputs['greeting'] }}"] }] } },
      { inputs: [{ id: "ns", type: "STRING" }, { id: "tag", type: "STRING", defaults: "1.36" }, { id: "greeting", type: "STRING" }] },
    );
    const d = fromKestra(source, { inputs: { ns: "jobs", greeting: "hi" } }).description;
    expect(d.namespace).toBe("jobs");
    expect(d.containers[0]).toMatchObject({ image: "busybox:1.36", command: ["echo", "hi"] });
  });

  test("{{outputFiles.NAME}} is the path of a listed output file", () => {
    const d = build({ outputFiles: ["out.txt"], spec: { containers: [{ name: "m", image: "busybox", command: ["touch", "{{ outputFiles['out.txt'] }}"] }] } });
    expect(d.containers[0]?.command).toEqual(["touch", "{{workingDir}}/out.txt"]);
  });

  test("flow.id, flow.namespace, task.id and vars.NAME", () => {
    const source = flow({ spec: { containers: [{ name: "m", image: "busybox", command: ["echo", "{{flow.namespace}}/{{flow.id}}/{{task.id}}/{{vars.who}}"] }] } }, { variables: { who: "me" } });
    expect(fromKestra(source).description.containers[0]?.command).toEqual(["echo", "company.team/f/t/me"]);
  });

  test("a FILE input inside a text is an error", () => {
    const source = flow({ spec: { containers: [{ name: "m", image: "busybox", command: ["cat", "x{{inputs.file}}"] }] } }, { inputs: [{ id: "file", type: "FILE" }] });
    expect(issuesOf(() => fromKestra(source, { inputs: { file: dataFile } }))).toEqual([
      { path: "tasks[0].spec.containers[0].command[1]", message: '"{{ inputs.file }}" is a FILE input: it can only be the whole value of an inputFiles entry, not part of a text' },
    ]);
  });

  test("an unsupported expression is an error naming it", () => {
    expect(issuesOf(() => build({ namespace: "{{ execution.id }}" }))[0]).toMatchObject({ path: "tasks[0].namespace", message: expect.stringContaining('unsupported template expression "{{ execution.id }}"') });
  });

  test("{{outputFiles.NAME}} of a name not listed is an error", () => {
    expect(issuesOf(() => build({ spec: { containers: [{ name: "m", image: "busybox", args: ["{{outputFiles.x}}"] }] } }))[0]?.path).toBe("tasks[0].spec.containers[0].args[0]");
  });
});

describe("fromKestra errors name the property's path", () => {
  test("a typo in a task property suggests the right name", () => {
    const yaml = read("input-and-output-files.yaml").replace("waitUntilRunning", "waitUntilRuning");
    expect(issuesOf(() => fromKestra(yaml, { inputs: { file: dataFile } }))).toEqual([
      { path: "tasks[0].waitUntilRuning", message: 'unknown property; did you mean "waitUntilRunning"?' },
    ]);
  });

  test("the message of the error lists every problem", () => {
    expect(() => build({ waitUntilRuning: "PT1M", delet: false })).toThrow(
      'Cannot read the Kestra flow "f": 2 problems found\n  - tasks[0].waitUntilRuning: unknown property; did you mean "waitUntilRunning"?\n  - tasks[0].delet: unknown property; did you mean "delete"?',
    );
  });

  test("an unknown property far from any name lists the known ones", () => {
    expect(issuesOf(() => build({ zzz: 1 }))[0]?.message).toMatch(/^unknown property; expected one of "id", "type", /);
  });

  test.each([
    ["allowWarning", true, "tasks[0].allowWarning", /not supported: podkit has no warning state/],
    ["workerGroup", { key: "x" }, "tasks[0].workerGroup", /not supported/],
  ])("Kestra's %s is reported as not supported", (key, value, path, message) => {
    expect(issuesOf(() => build({ [key]: value }))).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  test("a flow-level retry is refused with where to put it", () => {
    expect(issuesOf(() => fromKestra(flow({}, { retry: { type: "constant", interval: "PT1S", maxAttempts: 2 } })))).toEqual([
      { path: "retry", message: "not supported: give the retry on the PodCreate task itself" },
    ]);
  });

  test("flow properties podkit cannot honour are reported", () => {
    expect(issuesOf(() => fromKestra(flow({}, { triggers: [{ id: "x" }] })))).toEqual([{ path: "triggers", message: "not supported: podkit runs the task now, once" }]);
  });

  test("server-set metadata is refused", () => {
    expect(issuesOf(() => build({ metadata: { uid: "x", resourceVersion: "1" } })).map((i) => i.path)).toEqual(["tasks[0].metadata.uid", "tasks[0].metadata.resourceVersion"]);
  });

  test("wrong types and bad durations", () => {
    expect(issuesOf(() => build({ delete: "yes", waitRunning: "1 hour", outputFiles: "out.txt", fileSidecar: { image: 3 } }))).toEqual([
      { path: "tasks[0].outputFiles", message: 'expected a list of glob patterns, got "out.txt"' },
      { path: "tasks[0].fileSidecar.image", message: "expected a string, got number 3" },
      { path: "tasks[0].waitRunning", message: 'Cannot parse duration "1 hour": expected an ISO 8601 duration like "PT3M" or "PT1H30M"' },
      { path: "tasks[0].delete", message: 'expected true or false, got "yes"' },
    ]);
  });

  test("unknown keys inside fileSidecar and connection", () => {
    expect(issuesOf(() => build({ fileSidecar: { imag: "x" }, connection: { masterURL: "https://x" } }))).toEqual([
      { path: "tasks[0].fileSidecar.imag", message: 'unknown property; did you mean "image"?' },
      { path: "tasks[0].connection.masterURL", message: 'unknown property; did you mean "masterUrl"?' },
    ]);
  });

  test("a Kestra task as token provider is not supported", () => {
    expect(issuesOf(() => build({ connection: { oauthTokenProvider: { output: "token", task: { type: "x" } } } }))[0]?.path).toBe("tasks[0].connection.oauthTokenProvider");
  });

  test("missing, undeclared and unreadable inputs", () => {
    const source = flow({ inputFiles: { "a.txt": "{{ inputs.file }}" } }, { inputs: [{ id: "file", type: "FILE" }, { id: "n", type: "INT" }] });
    expect(issuesOf(() => fromKestra(source, { inputs: { file: join(dir, "nope.txt"), n: "x", other: "1" } }))).toEqual([
      { path: "inputs.file", message: `cannot read "${join(dir, "nope.txt")}": no such file` },
      { path: "inputs.n", message: 'expected an integer, got "x"' },
      { path: "inputs.other", message: 'no input "other" is declared; declared inputs: "file", "n"' },
    ]);
  });

  test("kestra:// storage URIs cannot be read", () => {
    expect(issuesOf(() => build({ inputFiles: { "a.txt": "kestra:///company/team/file.txt" } }))[0]?.path).toBe('tasks[0].inputFiles["a.txt"]');
  });

  test("YAML syntax errors give the line", () => {
    expect(issuesOf(() => fromKestra("id: x\ntasks: [\n"))[0]?.message).toMatch(/^line \d+, column \d+: /);
  });

  test("a flow with several PodCreate tasks needs taskId", () => {
    const source = flow({});
    const tasks = [...(source["tasks"] as object[]), { id: "u", type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [{ name: "x", image: "busybox" }] } }];
    expect(issuesOf(() => fromKestra({ ...source, tasks }))).toEqual([
      { path: "tasks", message: 'the flow has 2 PodCreate tasks ("t", "u"); choose one with the taskId option (--task ID)' },
    ]);
    expect(fromKestra({ ...source, tasks }, { taskId: "u" }).description.containers[0]?.name).toBe("x");
    expect(issuesOf(() => fromKestra({ ...source, tasks }, { taskId: "v" }))[0]?.message).toBe('no task "v"; PodCreate tasks: "t", "u"');
  });

  test("a flow without a PodCreate task, and a task of another type", () => {
    expect(issuesOf(() => fromKestra({ id: "f", namespace: "n", tasks: [{ id: "log", type: "io.kestra.plugin.core.log.Log" }] }))[0]?.message).toBe(
      "the flow has no io.kestra.plugin.kubernetes.core.PodCreate task",
    );
    expect(issuesOf(() => fromKestra({ id: "log", type: "io.kestra.plugin.core.log.Log" }))[0]?.path).toBe("type");
  });
});

describe("kestraToSpec", () => {
  test("gives podkit's own form of a Kestra task", () => {
    expect(kestraToSpec(read("input-and-output-files.yaml"), { inputs: { file: dataFile } })).toMatchObject({
      workingDir: "/kestra/working-dir",
      inputFiles: { "data.txt": { path: dataFile } },
      outputFiles: ["out.txt"],
      waitUntilRunning: "PT3M",
      spec: { restartPolicy: "Never" },
    });
  });
});

describe("fromKestra input file contents", () => {
  test("{{workingDir}} in a text input file is the working directory, as Kestra renders it", () => {
    expect(build({ inputFiles: { "run.sh": "cat {{ workingDir }}/data.txt" } }).inputFiles).toEqual([{ name: "run.sh", content: "cat /kestra/working-dir/data.txt" }]);
  });

  test("an undeclared input given as { path } is a file", () => {
    const d = fromKestra({ type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [{ name: "m", image: "busybox" }] }, inputFiles: { "d.txt": "{{ inputs.data }}" } }, { inputs: { data: { path: dataFile } } }).description;
    expect(d.inputFiles).toEqual([{ name: "d.txt", content: { path: dataFile } }]);
  });
});

describe("fromKestra: retry, timeout and allowFailure", () => {
  const build = (task: Record<string, unknown>) => fromKestra(flow(task)).description;
  const plan = (task: Record<string, unknown>) => fromKestra(flow(task)).compile().plan;
  const retryIssues = (retry: unknown) => issuesOf(() => build({ retry }));

  test("a constant retry: maxAttempts counts the first attempt, interval between attempts", () => {
    const retry = plan({ retry: { type: "constant", maxAttempts: 3, interval: "PT15S" } }).retry;
    expect(retry?.attempts).toBe(3);
    expect(retry?.backoff).toEqual({ initialMs: 15_000, factor: 1, maxMs: 15_000 });
  });

  test("Kestra retries whatever failed: a failed container with any exit code, not a config error", () => {
    const retry = plan({ retry: { type: "constant", maxAttempts: 2, interval: "PT1S" } }).retry;
    expect(retry?.on).toContain("ContainerFailed");
    expect(retry?.on).toContain("OOMKilled");
    expect(retry?.on).not.toContain("ConfigError");
    expect(retry?.on).not.toContain("Aborted");
  });

  test("an exponential retry: interval times delayFactor for each next attempt, at most maxInterval", () => {
    const retry = plan({ retry: { type: "exponential", maxAttempts: 5, interval: "PT30S", maxInterval: "PT5M", delayFactor: 3 } }).retry;
    expect(retry?.backoff).toEqual({ initialMs: 30_000, factor: 3, maxMs: 300_000 });
  });

  test("an exponential retry without delayFactor multiplies by 2, as Kestra does", () => {
    expect(plan({ retry: { type: "exponential", maxAttempts: 2, interval: "PT1S", maxInterval: "PT1M" } }).retry?.backoff.factor).toBe(2);
  });

  test("a random retry waits a constant delay halfway between minInterval and maxInterval", () => {
    const retry = plan({ retry: { type: "random", maxAttempts: 4, minInterval: "PT10S", maxInterval: "PT30S" } }).retry;
    expect(retry?.backoff).toEqual({ initialMs: 20_000, factor: 1, maxMs: 20_000 });
  });

  test("maxAttempt, Kestra's former name, is read too; templates may render numbers as text", () => {
    expect(build({ retry: { type: "constant", maxAttempt: "4", interval: "PT1S" } }).retry?.attempts).toBe(4);
  });

  test("an unknown retry type is refused with its path", () => {
    expect(retryIssues({ type: "fibonacci", maxAttempts: 2, interval: "PT1S" })).toEqual([
      { path: "tasks[0].retry.type", message: 'unknown retry type "fibonacci"; expected "constant", "exponential" or "random"' },
    ]);
  });

  test.each([
    [{ maxAttempts: 2, interval: "PT1S" }, "tasks[0].retry.type", /^missing: expected "constant"/],
    [{ type: "constant", interval: "PT1S" }, "tasks[0].retry.maxAttempts", /^missing: podkit needs a bound on the attempts; add maxAttempts/],
    [{ type: "constant", maxAttempts: 0, interval: "PT1S" }, "tasks[0].retry.maxAttempts", /1 or more/],
    [{ type: "constant", maxAttempts: 2 }, "tasks[0].retry.interval", /^missing: a constant retry needs interval/],
    [{ type: "constant", maxAttempts: 2, interval: "3m" }, "tasks[0].retry.interval", /PT3M/],
    [{ type: "exponential", maxAttempts: 2, interval: "PT1S" }, "tasks[0].retry.maxInterval", /^missing: an? exponential retry needs maxInterval/],
    [{ type: "exponential", maxAttempts: 2, interval: "PT1M", maxInterval: "PT1S" }, "tasks[0].retry.maxInterval", /shorter than interval/],
    [{ type: "exponential", maxAttempts: 2, interval: "PT1S", maxInterval: "PT1M", delayFactor: 0.5 }, "tasks[0].retry.delayFactor", /1 or more/],
    [{ type: "random", maxAttempts: 2, minInterval: "PT1M", maxInterval: "PT1S" }, "tasks[0].retry.maxInterval", /shorter than minInterval/],
    [{ type: "constant", maxAttempts: 2, interval: "PT1S", delayFactor: 2 }, "tasks[0].retry.delayFactor", /^not supported: delayFactor belongs to exponential retries, not to constant ones/],
    [{ type: "constant", maxAttempts: 2, interval: "PT1S", maxDuration: "PT1H" }, "tasks[0].retry.maxDuration", /^not supported: .*with the task's timeout/],
    [{ type: "constant", maxAttempts: 2, interval: "PT1S", warningOnRetry: true }, "tasks[0].retry.warningOnRetry", /^not supported: podkit has no warning state/],
    [{ type: "constant", maxAttempts: 2, interval: "PT1S", behavior: "CREATE_NEW_EXECUTION" }, "tasks[0].retry.behavior", /^not supported: .*RETRY_FAILED_TASK/],
    [{ type: "constant", maxAttempts: 2, interval: "PT1S", intervall: "PT1S" }, "tasks[0].retry.intervall", /did you mean "interval"/],
  ])("a retry %j is refused at %s", (retry, path, message) => {
    expect(retryIssues(retry)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  test("warningOnRetry: false and behavior: RETRY_FAILED_TASK are what podkit does", () => {
    expect(build({ retry: { type: "constant", maxAttempts: 2, interval: "PT1S", warningOnRetry: false, behavior: "RETRY_FAILED_TASK" } }).retry?.attempts).toBe(2);
  });

  test("timeout is the run's overall deadline, in the plan", () => {
    expect(build({ timeout: "PT2H" }).timeout).toBe("PT2H");
    expect(plan({ timeout: "PT2H", retry: { type: "constant", maxAttempts: 2, interval: "PT1S" } }).retry?.deadlineMs).toBe(7_200_000);
    expect(issuesOf(() => build({ timeout: "2h" }))[0]?.path).toBe("tasks[0].timeout");
  });

  test("allowFailure: true resolves a failed run instead of rejecting; templates give text", () => {
    expect(build({ allowFailure: true }).allowFailure).toBe(true);
    expect(plan({ allowFailure: "true" }).allowFailure).toBe(true);
    expect(build({}).allowFailure).toBe(false);
    expect(issuesOf(() => build({ allowFailure: "yes" }))).toEqual([{ path: "tasks[0].allowFailure", message: 'expected true or false, got "yes"' }]);
  });

  test("every retry problem is reported at once with the others", () => {
    expect(issuesOf(() => build({ retry: { type: "random", maxAttempts: 2 }, timeout: "forever", allowFailure: 1 })).map((i) => i.path)).toEqual([
      "tasks[0].allowFailure",
      "tasks[0].retry.minInterval",
      "tasks[0].retry.maxInterval",
      "tasks[0].timeout",
    ]);
  });
});
