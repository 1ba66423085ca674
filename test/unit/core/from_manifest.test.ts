import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { runCli, type CliIo } from "../../../cli/program.ts";
import { loadDefinition } from "../../../lib/kestra/mod.ts";
import { findStep, fromManifest, PodDefinitionError, type CompiledPod } from "../../../lib/mod.ts";
import { result, ScriptedRunner, Terminal } from "../cli/_fake.ts";

const POD = `
apiVersion: v1
kind: Pod
metadata:
  name: airflow-task
  namespace: batch
  labels: { team: data }
  annotations: { owner: me }
  finalizers: [example.com/keep]
spec:
  serviceAccountName: runner
  nodeSelector: { disk: ssd }
  initContainers:
    - name: prepare
      image: busybox
      command: ["true"]
  containers:
    - name: base
      image: debian:stable-slim
      command: ["bash", "-c", "echo hi"]
      volumeMounts: [{ name: scratch, mountPath: /scratch }]
  volumes:
    - name: scratch
      emptyDir: {}
`;

function issuesOf(make: () => unknown): { path: string; message: string }[] {
  try {
    make();
  } catch (error) {
    if (error instanceof PodDefinitionError) return [...error.issues];
    throw error;
  }
  throw new Error("expected a PodDefinitionError");
}

describe("fromManifest()", () => {
  test("maps metadata and spec of a Pod manifest to the builder, every field kept", () => {
    const { manifest } = fromManifest(POD).compile();
    expect(manifest.metadata).toMatchObject({ name: "airflow-task", namespace: "batch", labels: { team: "data" }, annotations: { owner: "me" }, finalizers: ["example.com/keep"] });
    expect(manifest.spec?.serviceAccountName).toBe("runner");
    expect(manifest.spec?.nodeSelector).toEqual({ disk: "ssd" });
    expect(manifest.spec?.initContainers?.map((c) => c.name)).toEqual(["prepare"]);
    expect(manifest.spec?.containers.map((c) => [c.name, c.image, c.command])).toEqual([["base", "debian:stable-slim", ["bash", "-c", "echo hi"]]]);
    expect(manifest.spec?.volumes).toEqual([{ name: "scratch", emptyDir: {} }]);
    expect(manifest.spec?.restartPolicy).toBe("Never");
  });

  test("returns a PodBuilder: files, budgets and policies can be added", () => {
    const compiled = fromManifest(POD).inputFile("in.txt", "x").outputFiles("out.txt").waitUntilRunning("PT1M").compile();
    expect(findStep(compiled.plan, "uploadInputs")?.files).toEqual(["in.txt"]);
    expect(findStep(compiled.plan, "downloadOutputs")?.globs).toEqual(["out.txt"]);
  });

  test("takes the parsed object and JSON text alike", () => {
    const object = { apiVersion: "v1", kind: "Pod", spec: { containers: [{ name: "main", image: "busybox" }] } };
    expect(fromManifest(object).compile().manifest).toEqual(fromManifest(JSON.stringify(object)).compile().manifest);
    expect(fromManifest(object).compile().manifest.metadata?.generateName).toBe("main-");
  });

  test("reads the one Pod of a kind: List", () => {
    const list = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } }] };
    expect(fromManifest(list).compile().manifest.metadata?.name).toBe("p");
  });

  test("refuses another kind, naming what is supported", () => {
    expect(issuesOf(() => fromManifest({ apiVersion: "apps/v1", kind: "Deployment" }))).toEqual([
      { path: "kind", message: 'kind "Deployment" is not supported: podkit runs one Pod: a kind: Pod document, or a kind: List holding one Pod (Kestra tasks and podkit pod documents have no kind)' },
    ]);
  });

  test("refuses a List with another kind in it, or with several Pods", () => {
    const p = { kind: "Pod", spec: { containers: [{ name: "c", image: "busybox" }] } };
    expect(issuesOf(() => fromManifest({ kind: "List", items: [p, { kind: "Service" }] })).map((i) => i.path)).toEqual(["items[1].kind"]);
    expect(issuesOf(() => fromManifest({ kind: "List", items: [p, p] }))[0]?.message).toMatch(/holds 2 Pods.*run each Pod on its own/);
  });

  test("refuses status, another apiVersion, unknown keys and a Pod without containers, each with its path", () => {
    const issues = issuesOf(() => fromManifest({ apiVersion: "v2", kind: "Pod", metadata: {}, spec: {}, status: { phase: "Running" }, specs: {} }));
    expect(issues.map((i) => i.path)).toEqual(["status", "specs", "apiVersion", "spec.containers"]);
    expect(issues[0]?.message).toMatch(/set by the cluster.*remove it/);
    expect(issues[1]?.message).toMatch(/did you mean "spec"/);
  });

  test("a manifest's server-set metadata is refused by compile() with its path", () => {
    expect(() => fromManifest({ kind: "Pod", metadata: { name: "p", uid: "123" }, spec: { containers: [{ name: "c", image: "busybox" }] } }).compile()).toThrow(/metadata\.uid/);
  });
});

describe("loadDefinition() tells the forms apart by content", () => {
  test("kind: Pod is a manifest; type: is Kestra; anything else podkit's form", () => {
    expect(loadDefinition(POD).format).toBe("manifest");
    expect(loadDefinition({ type: "io.kestra.plugin.kubernetes.core.PodCreate", spec: { containers: [{ name: "c", image: "busybox" }] } }).format).toBe("kestra");
    expect(loadDefinition({ containers: [{ name: "c", image: "busybox" }] }).format).toBe("podkit");
  });

  test("a Secret is refused as a manifest of an unsupported kind", () => {
    expect(() => loadDefinition("apiVersion: v1\nkind: Secret\n")).toThrow(/kind "Secret" is not supported/);
  });
});

const dir = mkdtempSync(join(tmpdir(), "podkit-manifest-cli-"));
const podFile = join(dir, "pod.yaml");
writeFileSync(podFile, POD);
writeFileSync(join(dir, "data.txt"), "hello\n");

async function cli(argv: readonly string[], extra: Partial<CliIo> = {}): Promise<{ code: number; terminal: Terminal; runner: ScriptedRunner }> {
  const terminal = new Terminal();
  const runner = new ScriptedRunner([], () => result({ exitCode: 7, phase: "Failed" }));
  const code = await runCli(argv, { stdout: terminal.stdout, stderr: terminal.stderr, env: { KUBECONFIG: "/somewhere/kubeconfig" }, cwd: dir, createRunner: () => runner, ...extra });
  return { code, terminal, runner };
}

function compiledOf(runner: ScriptedRunner): CompiledPod {
  if (runner.compiled === undefined) throw new Error("the runner was not called");
  return runner.compiled;
}

describe("podkit run and plan with a Pod manifest", () => {
  test("plan prints the manifest's pod; --input NAME=PATH uploads a file, --output brings one back", async () => {
    const { code, terminal } = await cli(["plan", podFile, "--input", "in/data.txt=data.txt", "--output", "*.csv"]);
    expect(code).toBe(0);
    const out = terminal.text("stdout");
    expect(out).toMatch(/^ {2}name: airflow-task$/m);
    expect(out).toContain('Upload 1 input file ("in/data.txt")');
    expect(out).toContain('matching "*.csv"');
  });

  test("a Deployment is refused with exit code 64", async () => {
    writeFileSync(join(dir, "deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n");
    const { code, terminal } = await cli(["run", join(dir, "deploy.yaml")]);
    expect(code).toBe(64);
    expect(terminal.text("stderr")).toMatch(/kind "Deployment" is not supported/);
  });
});

describe("podkit run --image", () => {
  test("builds one container running the command after --, with --name, --env and the namespace", async () => {
    const { code, runner } = await cli(["run", "--image", "busybox", "--name", "hello", "--env", "A=1", "--env", "B=x=y", "-n", "jobs", "--", "sh", "-c", "echo $A"]);
    expect(code).toBe(7); // the pod's exit code
    const { manifest } = compiledOf(runner);
    expect(manifest.metadata).toMatchObject({ name: "hello", namespace: "jobs" });
    expect(manifest.spec?.containers).toHaveLength(1);
    expect(manifest.spec?.containers[0]).toMatchObject({ name: "hello", image: "busybox", command: ["sh", "-c", "echo $A"], env: [{ name: "A", value: "1" }, { name: "B", value: "x=y" }] });
    expect(manifest.spec?.containers[0]?.workingDir).toBeUndefined();
  });

  test("--input and --output move files through the working directory, which becomes the container's", async () => {
    const { runner } = await cli(["run", "--image", "busybox", "--input", "data.txt=data.txt", "--output", "out.txt", "-o", join(dir, "out"), "--", "cp", "data.txt", "out.txt"]);
    const compiled = compiledOf(runner);
    expect(compiled.manifest.spec?.containers[0]?.workingDir).toBe("/podkit/work");
    expect(compiled.inputs.map((f) => [f.name, f.content])).toEqual([["data.txt", { path: join(dir, "data.txt") }]]);
    expect(findStep(compiled.plan, "downloadOutputs")?.globs).toEqual(["out.txt"]);
    expect(runner.options?.outputDir).toBe(join(dir, "out"));
  });

  test("-i alone feeds standard input to the command through a file in the working directory", async () => {
    const stdin = Readable.from([Buffer.from("a\nb\n")]);
    const { runner } = await cli(["run", "--image", "busybox", "-i", "--", "wc", "-l"], { stdin });
    const compiled = compiledOf(runner);
    expect(compiled.manifest.spec?.containers[0]?.command).toEqual(["sh", "-c", 'exec "$@" < "$0"', "/podkit/work/.stdin", "wc", "-l"]);
    const input = compiled.inputs.find((f) => f.name === ".stdin");
    expect(input?.content).toBe(stdin);
  });

  test("-i NAME=VALUE still names an input", async () => {
    const { runner } = await cli(["run", "--image", "busybox", "-i", "data.txt=data.txt", "--", "cat", "data.txt"]);
    expect(compiledOf(runner).inputs.map((f) => f.name)).toEqual(["data.txt"]);
    expect(compiledOf(runner).manifest.spec?.containers[0]?.command).toEqual(["cat", "data.txt"]);
  });

  test("usage errors name the flag and the fix (exit 64)", async () => {
    for (const [argv, message] of [
      [["run"], /Give a FILE .* or --image IMAGE/],
      [["run", "--image", "busybox", "-i"], /Cannot use -i without a command/],
      [["run", "--image", "busybox", "--env", "NOVALUE", "--", "true"], /--env "NOVALUE": expected NAME=VALUE/],
      [["run", podFile, "--env", "A=1"], /Cannot use --env with FILE: it goes with --image/],
      [["run", podFile, "--", "echo"], /Cannot use "echo" after FILE/],
    ] as const) {
      const { code, terminal } = await cli(argv);
      expect(code, argv.join(" ")).toBe(64);
      expect(terminal.text("stderr"), argv.join(" ")).toMatch(message);
    }
  });

  test("plan --image prints the pod without touching a cluster or standard input", async () => {
    const { code, terminal, runner } = await cli(["plan", "--image", "busybox", "--", "echo", "hi"]);
    expect(code).toBe(0);
    expect(runner.compiled).toBeUndefined();
    expect(terminal.text("stdout")).toMatch(/command:\n\s+- echo\n\s+- hi/);
  });
});


test("compile() refuses an input file named like podkit's markers, which the upload would refuse", () => {
  expect(() => fromManifest({ kind: "Pod", spec: { containers: [{ name: "c", image: "busybox" }] } }).inputFile(".podkit-stdin", "x").compile()).toThrow(
    /inputFiles\[?"?\.podkit-stdin"?\]?: Input file name ".podkit-stdin" is reserved for podkit's markers/,
  );
});
