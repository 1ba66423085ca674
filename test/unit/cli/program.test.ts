import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { runCli, type CliIo } from "../../../cli/program.ts";
import { LOCAL_CLUSTER_KUBECONFIG } from "../../../cli/kubeconfig.ts";
import { findStep, PodRunError, type ExecutionPlan, type PodRunFailure } from "../../../lib/mod.ts";
import { event, log, result, ScriptedRunner, Terminal } from "./_fake.ts";

const examples = fileURLToPath(new URL("../../../examples/kestra/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "podkit-cli-"));
const dataFile = join(dir, "data.txt");
writeFileSync(dataFile, "hello\n");
const emptyHome = mkdtempSync(join(tmpdir(), "podkit-home-"));

const EXAMPLES = [
  ["launch-a-pod.yaml", []],
  ["input-and-output-files.yaml", ["--input", `file=${dataFile}`]],
  ["file-sidecar-resources.yaml", ["--input", `file=${dataFile}`]],
  ["container-default-spec.yaml", ["--input", `file=${dataFile}`]],
] as const;

function io(terminal: Terminal, extra: Partial<CliIo> = {}): CliIo {
  return { stdout: terminal.stdout, stderr: terminal.stderr, env: { KUBECONFIG: "/somewhere/kubeconfig" }, cwd: dir, homedir: emptyHome, ...extra };
}

async function cli(argv: readonly string[], extra: Partial<CliIo> = {}, terminal = new Terminal()): Promise<{ code: number; terminal: Terminal }> {
  const code = await runCli(argv, io(terminal, extra));
  return { code, terminal };
}

describe("podkit plan", () => {
  test.each(EXAMPLES)("%s prints the manifest as YAML and the numbered plan", async (name, flags) => {
    const { code, terminal } = await cli(["plan", join(examples, name), ...flags]);
    expect(code).toBe(0);
    const out = terminal.text("stdout");
    const manifest = parse(out) as { apiVersion: string; kind: string; spec: { containers: { name: string }[] } };
    expect(manifest).toMatchObject({ apiVersion: "v1", kind: "Pod" });
    expect(out).toMatch(/^# Run a pod named "[^"]+" in (namespace "[^"]+"|the connection's namespace \(.+\)):$/m);
    expect(out).toMatch(/^# {2}1\. Create the pod/m);
    expect(terminal.text("stderr")).toBe("");
  });

  test("the plan of a file example uploads data.txt and downloads out.txt", async () => {
    const { terminal } = await cli(["plan", join(examples, "input-and-output-files.yaml"), "--input", `file=${dataFile}`]);
    expect(terminal.text("stdout")).toContain('Upload 1 input file ("data.txt") into /kestra/working-dir');
    expect(terminal.text("stdout")).toContain('matching "out.txt"');
  });

  test("run --dry-run prints the same as plan", async () => {
    const a = await cli(["plan", join(examples, "launch-a-pod.yaml")]);
    const b = await cli(["run", "--dry-run", join(examples, "launch-a-pod.yaml")]);
    expect(b.code).toBe(0);
    expect(b.terminal.text("stdout")).toBe(a.terminal.text("stdout"));
  });

  test("--json prints manifest, plan and description", async () => {
    const { code, terminal } = await cli(["plan", "--json", join(examples, "launch-a-pod.yaml")]);
    expect(code).toBe(0);
    const out = JSON.parse(terminal.text("stdout")) as { manifest: { kind: string }; plan: { steps: unknown[] }; description: string };
    expect(out.manifest.kind).toBe("Pod");
    expect(out.plan.steps.length).toBeGreaterThan(3);
  });

  // A key store and a PEM client certificate and key are two ways to give one identity: each with all the rest.
  test.each(["pem", "store"] as const)("prints no credential of the definition's connection, with --json or without (client identity: %s)", async (identity) => {
    const common = {
      oauthToken: "secret-oauth-token-3b9a",
      password: "secret-password-3b9a",
      caCertData: "secret-ca-cert-data-3b9a",
      trustStorePassphrase: "secret-truststore-passphrase-3b9a",
    };
    const secrets =
      identity === "pem"
        ? { ...common, clientKeyData: "secret-client-key-data-3b9a", clientCertData: "secret-client-cert-data-3b9a", clientKeyPassphrase: "secret-client-key-passphrase-3b9a" }
        : { ...common, keyStorePassphrase: "secret-keystore-passphrase-3b9a" };
    const provider = { command: "secret-token-command-3b9a", args: ["--secret-token-argument-3b9a"] };
    const file = join(dir, `connection-secrets-${identity}.yaml`);
    writeFileSync(
      file,
      [
        "id: flow",
        "namespace: company.team",
        "tasks:",
        "  - id: pod",
        "    type: io.kestra.plugin.kubernetes.core.PodCreate",
        "    connection:",
        "      masterUrl: https://k8s.example.com:6443",
        "      username: alice",
        ...Object.entries(secrets).map(([key, value]) => `      ${key}: ${value}`),
        ...(identity === "store" ? ["      keyStoreFile: /etc/podkit/client.p12"] : []),
        "      trustStoreFile: /etc/podkit/trust.p12",
        "      oauthTokenProvider:",
        `        command: ${provider.command}`,
        `        args: ["${provider.args[0]}"]`,
        "    spec:",
        "      containers:",
        "        - name: main",
        "          image: busybox",
        "",
      ].join("\n"),
    );
    const values = [...Object.values(secrets), provider.command, ...provider.args];
    for (const argv of [["plan", "--json", file], ["plan", file], ["run", "--dry-run", "--json", file]]) {
      const { code, terminal } = await cli(argv);
      expect(code).toBe(0);
      const out = terminal.text("stdout") + terminal.text("stderr");
      expect(out).toContain("busybox");
      for (const value of values) expect(out, `${argv.join(" ")} prints ${value}`).not.toContain(value);
    }
    // The connection was read, all of it: it reaches the runner beside the plan.
    const runner = new ScriptedRunner([], () => result());
    await cli(["run", file], { createRunner: () => runner });
    expect(runner.compiled?.connection).toMatchObject({ ...secrets, oauthTokenProvider: provider });
  });

  test("--namespace, --no-delete and --run-id change the plan", async () => {
    const { terminal } = await cli(["plan", "--json", "--namespace", "jobs", "--no-delete", "--run-id", "r1", join(examples, "launch-a-pod.yaml")]);
    const { plan } = JSON.parse(terminal.text("stdout")) as { plan: ExecutionPlan };
    expect(plan.pod).toMatchObject({ namespace: "jobs", runId: "r1" });
    const plain = JSON.parse((await cli(["plan", "--json", join(examples, "launch-a-pod.yaml")])).terminal.text("stdout")) as { plan: ExecutionPlan };
    expect(findStep(plan, "delete")).toBeDefined();
    expect(findStep(plan, "delete")).not.toEqual(findStep(plain.plan, "delete"));
  });

  test("a typo fails with the property's path and exit code 64", async () => {
    const file = join(dir, "typo.yaml");
    writeFileSync(file, "id: f\nnamespace: n\ntasks:\n  - id: t\n    type: io.kestra.plugin.kubernetes.core.PodCreate\n    waitUntilRuning: PT3M\n    spec:\n      containers:\n        - name: main\n          image: busybox\n");
    const { code, terminal } = await cli(["plan", file]);
    expect(code).toBe(64);
    expect(terminal.text("stderr")).toContain('tasks[0].waitUntilRuning: unknown property; did you mean "waitUntilRunning"?');
    expect(terminal.text("stdout")).toBe("");
  });

  test("a typo inside the pod spec fails at compile with its path and exit code 64", async () => {
    const file = join(dir, "spec-typo.yaml");
    writeFileSync(file, "type: io.kestra.plugin.kubernetes.core.PodCreate\nspec:\n  containers:\n    - name: main\n      image: busybox\n      comand: [echo]\n");
    const { code, terminal } = await cli(["plan", file]);
    expect(code).toBe(64);
    expect(terminal.text("stderr")).toContain("spec.containers[0].comand");
  });

  test("--json reports a definition error as JSON on stdout, with every issue", async () => {
    const { code, terminal } = await cli(["plan", "--json", join(examples, "input-and-output-files.yaml")]);
    expect(code).toBe(64);
    expect(JSON.parse(terminal.text("stdout"))).toMatchObject({ ok: false, error: { name: "PodDefinitionError", exitCode: 64, issues: [{ path: "inputs.file" }] } });
  });

  test("a missing FILE input fails with exit code 64 and says how to give it", async () => {
    const { code, terminal } = await cli(["plan", join(examples, "input-and-output-files.yaml")]);
    expect(code).toBe(64);
    expect(terminal.text("stderr")).toContain("inputs.file: missing value for the required FILE input \"file\"; give the path of a local file (--input file=PATH)");
  });

  test.each([
    [["plan", "nope.yaml"], 66, 'Cannot read "nope.yaml": no such file'],
    [["plan", "x.yaml", "--input", "file"], 64, 'Cannot use --input "file": expected NAME=VALUE'],
    [["plan", "x.yaml", "--bogus"], 64, "unknown option '--bogus'"],
    [["frobnicate"], 64, "unknown command 'frobnicate'"],
  ] as const)("%j exits with %i", async (argv, expected, message) => {
    const { code, terminal } = await cli(argv);
    expect(code).toBe(expected);
    expect(terminal.text("stderr")).toContain(message);
  });

  test("--input NAME=@PATH names a file even for an undeclared input; @@ escapes a leading @", async () => {
    const file = join(dir, "bare-task.yaml");
    writeFileSync(file, 'type: io.kestra.plugin.kubernetes.core.PodCreate\nspec:\n  containers:\n    - name: main\n      image: busybox\n      command: ["echo", "{{ inputs.word }}"]\ninputFiles:\n  d.txt: "{{ inputs.data }}"\n');
    const argv = [file, "--input", "data=@data.txt", "--input", "word=@@home"];
    const { code, terminal } = await cli(["plan", "--json", ...argv]);
    expect(code).toBe(0);
    const { plan, manifest } = JSON.parse(terminal.text("stdout")) as { plan: ExecutionPlan; manifest: { spec: { containers: { command: string[] }[] } } };
    // The plan names the file; where its content comes from travels beside the plan.
    expect(findStep(plan, "uploadInputs")?.files).toEqual(["d.txt"]);
    expect(manifest.spec.containers[0]?.command).toEqual(["echo", "@home"]);
    const runner = new ScriptedRunner([], () => result());
    await cli(["run", ...argv], { createRunner: () => runner });
    expect(runner.compiled?.inputs).toEqual([{ name: "d.txt", content: { path: dataFile } }]);
  });

  test("--json prints no input file content", async () => {
    const file = join(dir, "inline-input.yaml");
    writeFileSync(file, 'type: io.kestra.plugin.kubernetes.core.PodCreate\nspec:\n  containers:\n    - name: main\n      image: busybox\ninputFiles:\n  secret.txt: "the-inline-content-of-an-input"\n');
    const { code, terminal } = await cli(["plan", "--json", file]);
    expect(code).toBe(0);
    expect(terminal.text("stdout")).toContain('"secret.txt"');
    expect(terminal.text("stdout")).not.toContain("the-inline-content-of-an-input");
  });

  test("--help and --version exit 0", async () => {
    expect((await cli(["--help"])).code).toBe(0);
    const version = await cli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.terminal.text("stdout")).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("podkit run", () => {
  const script = [
    event({ type: "created", podName: "unittest-abcde", namespace: "default", runId: "run-1", resumed: false, attempt: 1 }),
    event({ type: "scheduled", node: "node-1" }),
    event({ type: "pulling", container: "unittest", image: "debian:stable-slim", message: 'Pulling image "debian:stable-slim"' }),
    event({ type: "transfer", direction: "upload", bytes: 6, totalBytes: 6, files: 1, done: true }),
    event({ type: "started", container: "unittest", kind: "main" }),
    log("unittest", "1"),
    log("unittest", "2"),
    event({ type: "containerTerminated", container: "unittest", kind: "main", exitCode: 0, reason: "Completed" }),
    event({ type: "completed", phase: "Succeeded", exitCode: 0 }),
    event({ type: "transfer", direction: "download", bytes: 6, files: 1, done: true }),
    event({ type: "deleted", podName: "unittest-abcde" }),
  ];

  test("shows progress on stderr and logs on stdout, in order, then the outputs", async () => {
    const runner = new ScriptedRunner(script, () =>
      result({
        outputDir: "/tmp/out",
        outputFiles: [{ name: "out.txt", path: "/tmp/out/out.txt", size: 6, sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" }],
        vars: { answer: 42 },
      }),
    );
    const { code, terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(0);
    expect(terminal.lines()).toEqual([
      'podkit creating   Created pod "unittest-abcde"',
      'podkit scheduling Scheduled on node "node-1"',
      'podkit pulling    Pulling image "debian:stable-slim"',
      "podkit uploading  Uploaded 1 file (6 B)",
      'podkit running    Container "unittest" started',
      "unittest | 1",
      "unittest | 2",
      'podkit running    Container "unittest" ended with exit code 0 (Completed)',
      "podkit collecting Containers finished (Succeeded, exit code 0); collecting what they left",
      "podkit collecting Collected 1 file (6 B)",
      'podkit deleting   Deleted pod "unittest-abcde"',
      'podkit done       pod "unittest-abcde" in namespace "default": Succeeded, exit code 0 (4.2 s), deleted',
      "podkit outputs    1 file in /tmp/out",
      "podkit output     out.txt (6 B, sha256 5891b5b522d5) /tmp/out/out.txt",
      "podkit value      answer = 42",
    ]);
    expect(terminal.text("stdout")).toBe("unittest | 1\nunittest | 2\n");
  });

  test("passes --output-dir, the signal, --context and --kubeconfig to the run", async () => {
    const runner = new ScriptedRunner([], () => result());
    const controller = new AbortController();
    await cli(["run", "-o", "out", "--context", "dev", "--kubeconfig", "kc.yaml", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner, signal: controller.signal });
    expect(runner.options?.outputDir).toBe(join(dir, "out"));
    expect(runner.options?.signal).toBe(controller.signal);
    expect(runner.compiled?.connection).toEqual({ kubeconfigPath: join(dir, "kc.yaml"), context: "dev" });
  });

  test("without KUBECONFIG or ~/.kube/config, uses the local cluster and says so", async () => {
    const runner = new ScriptedRunner([], () => result());
    const { terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], {
      env: {},
      createRunner: () => runner,
      exists: (path) => path === LOCAL_CLUSTER_KUBECONFIG,
    });
    expect(runner.compiled?.connection).toEqual({ kubeconfigPath: LOCAL_CLUSTER_KUBECONFIG });
    expect(terminal.text("stderr")).toContain(`using the project's local cluster (${LOCAL_CLUSTER_KUBECONFIG})`);
  });

  test("with KUBECONFIG set, leaves discovery to the runner", async () => {
    const runner = new ScriptedRunner([], () => result());
    await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner, exists: () => true });
    expect(runner.compiled?.connection).toBeUndefined();
  });

  test.each([
    ["ContainerFailed", 3, 3],
    ["OOMKilled", 137, 137],
    ["Timeout", undefined, 124],
    ["Unschedulable", undefined, 124],
    ["ImagePull", undefined, 125],
    ["ConfigError", undefined, 125],
    ["DeletedExternally", undefined, 125],
    ["TransferFailed", undefined, 74],
    ["ApiError", undefined, 69],
    ["Aborted", undefined, 130],
  ] as const)("a %s failure exits with %s → %i", async (reason: PodRunFailure, exitCode, expected) => {
    const runner = new ScriptedRunner([log("unittest", "boom")], () => {
      throw new PodRunError(`The pod failed: ${reason}`, {
        reason,
        step: "waitCompletion",
        runId: "run-1",
        namespace: "default",
        podName: "unittest-abcde",
        ...(exitCode === undefined ? {} : { exitCode }),
        events: [{ type: "Warning", reason: "BackOff", message: "Back-off pulling image", count: 1 }],
      });
    });
    const { code, terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(expected);
    expect(terminal.text("stderr")).toContain(`podkit failed     ${reason} at step waitCompletion (pod "unittest-abcde"): The pod failed: ${reason}`);
    expect(terminal.text("stderr")).toContain("podkit event      BackOff: Back-off pulling image");
  });

  test("a failed event is shown in its place, after the deletion, once", async () => {
    const runner = new ScriptedRunner(
      [
        event({ type: "created", podName: "unittest-abcde", namespace: "default", runId: "run-1", resumed: false, attempt: 1 }),
        log("unittest", "about to fail"),
        event({ type: "containerTerminated", container: "unittest", kind: "main", exitCode: 3, reason: "Error" }),
        event({ type: "completed", phase: "Failed", exitCode: 3 }),
        event({ type: "deleted", podName: "unittest-abcde" }),
        event({ type: "failed", reason: "ContainerFailed", step: "waitCompletion", shortMessage: 'Container "unittest" exited with code 3' }),
      ],
      () => {
        throw new PodRunError('Container "unittest" exited with code 3', { reason: "ContainerFailed", step: "waitCompletion", runId: "run-1", namespace: "default", podName: "unittest-abcde", exitCode: 3 });
      },
    );
    const { code, terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(3);
    expect(terminal.lines()).toEqual([
      'podkit creating   Created pod "unittest-abcde"',
      "unittest | about to fail",
      'podkit running    Container "unittest" ended with exit code 3 (Error)',
      "podkit collecting Containers finished (Failed, exit code 3); collecting what they left",
      'podkit deleting   Deleted pod "unittest-abcde"',
      'podkit failed     ContainerFailed at step waitCompletion (pod "unittest-abcde"): Container "unittest" exited with code 3',
    ]);
  });

  test("log prefixes are aligned on the longest container name of the plan, init containers included", async () => {
    const file = join(dir, "two-containers.yaml");
    writeFileSync(file, "initContainers:\n  - name: prepare-data\n    image: busybox\ncontainers:\n  - name: a\n    image: busybox\n  - name: bb\n    image: busybox\n");
    const runner = new ScriptedRunner([log("a", "x"), log("bb", "y")], () => result());
    const { terminal } = await cli(["run", file], { createRunner: () => runner });
    expect(terminal.text("stdout")).toBe("a            | x\nbb           | y\n");
  });

  test("an abort by SIGTERM exits 143", async () => {
    const controller = new AbortController();
    controller.abort(Object.assign(new Error("Interrupted by SIGTERM"), { name: "AbortError", signal: "SIGTERM" }));
    const runner = new ScriptedRunner([], () => {
      throw new PodRunError("Aborted", { reason: "Aborted", step: "waitCompletion", runId: "run-1", namespace: "default" });
    });
    const { code } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner, signal: controller.signal });
    expect(code).toBe(143);
  });

  test("a first Ctrl-C stops a pod with a grace period gracefully and says so; a second passes forceSignal to the run", async () => {
    const definition = join(dir, "graceful.yaml");
    writeFileSync(definition, "containers: [{ name: main, image: busybox, command: [sleep, '300'] }]\nterminationGracePeriod: PT20S\n");
    const abort = new AbortController();
    const force = new AbortController();
    const runner = new ScriptedRunner([event({ type: "created", podName: "main-x", namespace: "default", runId: "r", resumed: false, attempt: 1 })], () => {
      throw new PodRunError("Aborted", { reason: "Aborted", step: "waitCompletion", runId: "r", namespace: "default", podName: "main-x" });
    });
    const original = runner.run.bind(runner);
    runner.run = async (compiled, options) => {
      abort.abort(Object.assign(new Error("Interrupted by SIGINT"), { name: "AbortError", signal: "SIGINT" }));
      force.abort();
      return original(compiled, options);
    };
    const { code, terminal } = await cli(["run", definition], { createRunner: () => runner, signal: abort.signal, forceSignal: force.signal });
    expect(code).toBe(130);
    expect(runner.options?.forceSignal).toBe(force.signal);
    expect(terminal.lines().filter((l) => l.startsWith("podkit aborting"))).toEqual([
      "podkit aborting   SIGINT: stopping the run; the containers get SIGTERM and up to 20 s to stop, their last lines are shown (Ctrl-C again to delete the pod at once)",
      "podkit aborting   Again: deleting the pod at once, without waiting for its containers (Ctrl-C again to exit now; the pod may be left behind)",
    ]);
  });

  test("a Ctrl-C on a pod without a grace period says it is deleted at once", async () => {
    const controller = new AbortController();
    controller.abort(Object.assign(new Error("Interrupted by SIGINT"), { name: "AbortError", signal: "SIGINT" }));
    const runner = new ScriptedRunner([], () => {
      throw new PodRunError("Aborted", { reason: "Aborted", step: "waitCompletion", runId: "run-1", namespace: "default" });
    });
    const { code, terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner, signal: controller.signal });
    expect(code).toBe(130);
    expect(terminal.lines()).toContain("podkit aborting   SIGINT: stopping the run and deleting the pod at once");
  });

  test("an unreachable cluster exits 69", async () => {
    const runner = new ScriptedRunner([], () => {
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    });
    const { code, terminal } = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(69);
    expect(terminal.text("stderr")).toContain("ECONNREFUSED");
  });

  test("a non-zero result exit code is the exit code", async () => {
    const runner = new ScriptedRunner([], () => result({ exitCode: 2, phase: "Failed" }));
    expect((await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner })).code).toBe(2);
  });

  test("--json prints the result on stdout and the logs on stderr", async () => {
    const runner = new ScriptedRunner([log("unittest", "1")], () => result({ logs: [log("unittest", "1")] }));
    const { code, terminal } = await cli(["run", "--json", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(0);
    const out = JSON.parse(terminal.text("stdout")) as { ok: boolean; result: { exitCode: number; logs: unknown[] } };
    expect(out).toMatchObject({ ok: true, result: { exitCode: 0, logs: [{ container: "unittest", line: "1" }] } });
    expect(terminal.text("stderr")).toContain("unittest | 1\n");
  });

  test("--json on failure carries the error", async () => {
    const runner = new ScriptedRunner([], () => {
      throw new PodRunError("Exited 3", { reason: "ContainerFailed", step: "waitCompletion", runId: "run-1", namespace: "default", exitCode: 3, result: result({ failed: true, exitCode: 3 }) });
    });
    const { code, terminal } = await cli(["run", "--json", join(examples, "launch-a-pod.yaml")], { createRunner: () => runner });
    expect(code).toBe(3);
    expect(JSON.parse(terminal.text("stdout"))).toMatchObject({ ok: false, result: { exitCode: 3 }, error: { reason: "ContainerFailed", step: "waitCompletion", shortMessage: "Exited 3", exitCode: 3 } });
  });

  test("colours the container prefix on a terminal, not otherwise", async () => {
    const runner = (): ScriptedRunner => new ScriptedRunner([log("unittest", "1")], () => result());
    const tty = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: runner }, new Terminal(true));
    expect(tty.terminal.text("stdout")).toMatch(/\u001b\[\d+munittest \|\u001b\[\d+m 1\n/);
    const noColor = await cli(["run", join(examples, "launch-a-pod.yaml")], { createRunner: runner, env: { KUBECONFIG: "x", NO_COLOR: "1" } }, new Terminal(true));
    expect(noColor.terminal.text("stdout")).toBe("unittest | 1\n");
  });
});
