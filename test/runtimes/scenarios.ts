/**
 * The cross-runtime scenarios: the same pipelines run under Node, Deno and Bun from the
 * packed package installed in a fresh project (test/runtimes/run.ts copies this file there
 * and points its imports at `podkit`, `podkit/kubernetes` and `podkit/testing`).
 *
 * Reads `KUBECONFIG` and:
 * - `PODKIT_SCENARIO_NAMESPACE`: an existing namespace the pods run in;
 * - `PODKIT_SCENARIO_KUBECTL`: a kubectl, used to check from outside that pods are gone;
 * - `PODKIT_SCENARIO_SELF`: a JSON array, the command that runs this file again in the
 *   same runtime (the resume scenario kills such a process in the middle of a run);
 * - `PODKIT_SCENARIO_ONLY`: optional, comma-separated scenario names.
 *
 * Prints one line per scenario (`ok name 1234 ms` or `FAIL name: why`) and then one line
 * `RESULT {json}`; exits non-zero when a scenario failed.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pod, PodRunError } from "../../lib/mod.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { startTestCluster } from "../../lib/testing/mod.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`Cannot run the scenarios: ${name} is not set`);
  return value;
};
const namespace = env("PODKIT_SCENARIO_NAMESPACE");
const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "node";
const runIdPrefix = `rt-${runtime}-${Date.now().toString(36)}`;

function kubectl(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(env("PODKIT_SCENARIO_KUBECTL"), ["--kubeconfig", env("KUBECONFIG"), "-n", namespace, ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/** kubectl's view of the pods of a run: proof from outside podkit. */
async function podsOfRun(runId: string): Promise<string[]> {
  return (await kubectl(["get", "pods", "-l", `podkit.dev/run-id=${runId}`, "-o", "name"])).split("\n").filter((l) => l !== "");
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The same pseudo-random bytes in every runtime (xorshift32). */
function bytesOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const runner = new KubernetesRunner();
// The process the resume scenario kills is given its parent's directory: it cannot clean up.
const childAt = process.argv.indexOf("--child");
const outputRoot = childAt === -1 ? await mkdtemp(join(tmpdir(), `podkit-${runtime}-`)) : process.argv[childAt + 2]!;

const FLOOD_LINES = 20_000;
function floodLine(i: number): string {
  const n = String(i).padStart(5, "0");
  return i % 1000 === 0 ? `flood ${n} ${"x".repeat(4096)}` : `flood ${n} \tünïcödé ✓ {"k":${i}}`;
}

const scenarios: Record<string, () => Promise<string>> = {
  async "logs flood"() {
    let delivered = 0;
    const result = await pod()
      .namespace(namespace)
      .container({
        name: "main",
        image: "busybox",
        command: [
          "awk",
          `BEGIN { x = "x"; while (length(x) < 4096) x = x x; x = substr(x, 1, 4096); for (i = 1; i <= ${FLOOD_LINES}; i++) { if (i % 1000 == 0) printf("flood %05d %s\\n", i, x); else printf("flood %05d \\tünïcödé ✓ {\\"k\\":%d}\\n", i, i) } }`,
        ],
      })
      .run(runner, { onLog: () => void delivered++ });
    const expected = Array.from({ length: FLOOD_LINES }, (_, i) => floodLine(i + 1));
    const lines = result.logs.filter((l) => l.container === "main").map((l) => l.line);
    assert.equal(lines.length, FLOOD_LINES, "every line, none twice");
    assert.deepEqual(lines, expected);
    assert.equal(delivered, FLOOD_LINES, "onLog saw every line");
    assert.equal(result.exitCode, 0);
    return `${lines.length} lines byte-exact`;
  },

  async "two containers"() {
    const script = (name: string) => `i=1; while [ $i -le 300 ]; do echo "${name} $i"; i=$((i+1)); done`;
    const result = await pod()
      .namespace(namespace)
      .container({ name: "left", image: "busybox", command: ["sh", "-c", script("left")] })
      .container({ name: "right", image: "busybox", command: ["sh", "-c", script("right")] })
      .run(runner);
    for (const name of ["left", "right"]) {
      assert.deepEqual(
        result.logs.filter((l) => l.container === name).map((l) => l.line),
        Array.from({ length: 300 }, (_, i) => `${name} ${i + 1}`),
        `the lines of ${name}`,
      );
    }
    assert.equal(result.exitCode, 0);
    return "300 + 300 lines, each container's in order";
  },

  async "input and output files"() {
    const data = bytesOf(3 * 1024 * 1024 + 17, 14);
    const outputDir = join(outputRoot, "files");
    const result = await pod()
      .namespace(namespace)
      .container({
        name: "main",
        image: "busybox",
        command: [
          "sh",
          "-c",
          "set -e; cd {{workingDir}}; cp data.bin copy.bin; sha256sum data.bin | cut -d' ' -f1 > sum.txt; tr a-z A-Z < text/hello.txt > upper.txt",
        ],
      })
      .inputFile("data.bin", data)
      .inputFile("text/hello.txt", "héllo wörld\n")
      .outputFiles("copy.bin", "*.txt")
      .run(runner, { outputDir });
    const byName = new Map(result.outputFiles.map((f) => [f.name, f]));
    assert.deepEqual([...byName.keys()].sort(), ["copy.bin", "sum.txt", "upper.txt"]);
    const copy = await readFile(byName.get("copy.bin")!.path);
    assert.equal(copy.length, data.length);
    assert.ok(Buffer.from(data).equals(copy), "copy.bin is byte-exact");
    assert.equal(byName.get("copy.bin")!.sha256, sha256(data));
    assert.equal(byName.get("copy.bin")!.size, data.length);
    assert.equal((await readFile(byName.get("sum.txt")!.path, "utf8")).trim(), sha256(data), "the pod saw the exact input");
    assert.equal(await readFile(byName.get("upper.txt")!.path, "utf8"), "HéLLO WöRLD\n");
    return `${data.length} bytes there and back, sha256 ${sha256(data).slice(0, 12)}…`;
  },

  async "output values"() {
    const result = await pod()
      .namespace(namespace)
      .container({
        name: "main",
        image: "busybox",
        command: ["sh", "-c", `echo 'before'; echo '::{"outputs":{"answer":42,"nested":{"ok":true,"list":[1,"two"]},"text":"ünï"}}::'; echo 'after'`],
      })
      .run(runner);
    assert.deepEqual({ ...result.vars }, { answer: 42, nested: { ok: true, list: [1, "two"] }, text: "ünï" });
    return "vars " + JSON.stringify(result.vars);
  },

  async "failing container"() {
    const started = Date.now();
    const error = await pod()
      .namespace(namespace)
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo 'about to fail'; echo oops >&2; exit 3"] })
      .run(runner)
      .then(
        () => assert.fail("the run resolved"),
        (e: unknown) => e,
      );
    assert.ok(error instanceof PodRunError, `a PodRunError, got ${String(error)}`);
    assert.equal(error.reason, "ContainerFailed");
    assert.equal(error.exitCode, 3);
    const lines = error.result?.logs.map((l) => l.line) ?? [];
    assert.ok(lines.includes("about to fail") && lines.includes("oops"), `the logs are in error.result: ${JSON.stringify(lines)}`);
    return `PodRunError ContainerFailed, exit code 3, in ${Date.now() - started} ms`;
  },

  async "abort deletes the pod"() {
    const runId = `${runIdPrefix}-abort`;
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await pod()
      .namespace(namespace)
      .runId(runId)
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo ready; exec sleep 600"] })
      .run(runner, {
        signal: controller.signal,
        onLog: ({ line }) => {
          if (line === "ready" && abortedAt === 0) {
            abortedAt = Date.now();
            controller.abort(new Error("enough"));
          }
        },
      })
      .then(
        () => assert.fail("the run resolved"),
        (e: unknown) => e,
      );
    const rejectedMs = Date.now() - abortedAt;
    assert.ok(abortedAt > 0, "the pod said it was ready");
    assert.ok(error instanceof PodRunError, `a PodRunError, got ${String(error)}`);
    assert.equal(error.reason, "Aborted");
    await until("kubectl no longer sees the pod", async () => (await podsOfRun(runId)).length === 0, 60_000);
    return `rejected ${rejectedMs} ms after abort, pod gone ${Date.now() - abortedAt} ms after`;
  },

  async "token credentials"() {
    // A service account allowed to run pods in the namespace, and a kubeconfig holding
    // only the cluster's CA and that account's token: no client certificate.
    await kubectl(["create", "serviceaccount", "podkit-runner"]);
    await kubectl(["create", "rolebinding", "podkit-runner", "--clusterrole=admin", `--serviceaccount=${namespace}:podkit-runner`]);
    const token = (await kubectl(["create", "token", "podkit-runner", "--duration=10m"])).trim();
    const server = await kubectl(["config", "view", "--raw", "--minify", "--flatten", "-o", "jsonpath={.clusters[0].cluster.server}"]);
    const ca = await kubectl(["config", "view", "--raw", "--minify", "--flatten", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]);
    const kubeconfigFor = async (name: string, user: object): Promise<string> => {
      const path = join(outputRoot, `${name}.kubeconfig`);
      await writeFile(
        path,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "c", cluster: { server, "certificate-authority-data": ca } }],
          users: [{ name: "u", user }],
          contexts: [{ name: "x", context: { cluster: "c", user: "u", namespace } }],
          "current-context": "x",
        }),
      );
      return path;
    };
    const job = pod()
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "cd {{workingDir}}; echo \"read $(cat in.txt)\"; echo token-ok > out.txt"] })
      .inputFile("in.txt", "through a token")
      .outputFiles("out.txt");
    // The token given as such, and printed by an exec credential plugin.
    const credential = join(outputRoot, "credential.json");
    await writeFile(credential, JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token } }));
    const plugin = { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "cat", args: [credential], interactiveMode: "Never" } };
    for (const [name, user] of [["token", { token }], ["plugin", plugin]] as const) {
      const result = await job.run(new KubernetesRunner({ connection: { kubeconfigPath: await kubeconfigFor(name, user) } }), { outputDir: join(outputRoot, name) });
      assert.equal(result.namespace, namespace);
      assert.deepEqual(result.logs.map((l) => l.line), ["read through a token"], `the logs, with the ${name}`);
      assert.equal(await readFile(result.outputFiles[0]!.path, "utf8"), "token-ok\n", `the output file, with the ${name}`);
    }
    // The same kubeconfig with a wrong token is refused: the token is what let the run in.
    const refusing = Date.now();
    const refused = await job.run(new KubernetesRunner({ connection: { kubeconfigPath: await kubeconfigFor("bad", { token: `${token.slice(0, -4)}AAAA` }) } })).then(
      () => assert.fail("a wrong token was accepted"),
      (e: unknown) => e,
    );
    assert.ok(refused instanceof PodRunError, `a PodRunError, got ${String(refused)}`);
    assert.match(refused.message, /Unauthorized|401/);
    return `input and output files through a service account token, given and from an exec plugin; a wrong token refused in ${Date.now() - refusing} ms`;
  },

  async "podkit/testing"() {
    let testNamespace: string;
    {
      await using cluster = await startTestCluster({ kubeconfigPath: env("KUBECONFIG"), namespacePrefix: `rt-${runtime}` });
      testNamespace = cluster.namespace;
      const result = await pod().container({ name: "main", image: "busybox", command: ["echo", "in a test namespace"] }).run(cluster.runner);
      assert.equal(result.namespace, testNamespace);
      assert.deepEqual(result.logs.map((l) => l.line), ["in a test namespace"]);
    }
    assert.equal((await kubectl(["get", "namespace", testNamespace, "--ignore-not-found", "-o", "name"])).trim(), "", "await using deleted the namespace");
    return `namespace ${testNamespace} made, used and deleted`;
  },

  async "resume by run id"() {
    const runId = `${runIdPrefix}-resume`;
    const outputDir = join(outputRoot, "resume");
    const self = JSON.parse(env("PODKIT_SCENARIO_SELF")) as string[];
    const child = spawn(self[0]!, [...self.slice(1), "--child", runId, outputRoot], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    // Kill the driving process (no clean-up at all) once the pod has printed a few lines.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The first process printed no "line 3" within 120 s; stderr: ${stderr}`)), 120_000);
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (line === "line 3") {
          clearTimeout(timer);
          child.kill("SIGKILL");
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`The first process exited on its own; stderr: ${stderr}`)));
    });
    await exited;
    const before = await podsOfRun(runId);
    assert.equal(before.length, 1, `one pod left running by the killed process: ${JSON.stringify(before)}`);
    const result = await resumableJob(runId).run(runner, { outputDir });
    assert.equal(result.resumed, true, "the second run reattached");
    assert.equal(`pod/${result.podName}`, before[0]);
    assert.deepEqual(
      result.logs.map((l) => l.line),
      Array.from({ length: 20 }, (_, i) => `line ${i + 1}`),
      "every line, from before and after the crash",
    );
    assert.equal(result.exitCode, 0);
    assert.equal(await readFile(result.outputFiles[0]!.path, "utf8"), "lines=20\n");
    await until("kubectl no longer sees the pod", async () => (await podsOfRun(runId)).length === 0, 60_000);
    return `reattached to ${result.podName}, 20 lines, no second pod`;
  },
};

function resumableJob(runId: string) {
  return pod()
    .namespace(namespace)
    .runId(runId)
    .container({
      name: "main",
      image: "busybox",
      command: ["sh", "-c", 'i=1; while [ $i -le 20 ]; do echo "line $i"; i=$((i+1)); sleep 0.25; done; echo "lines=20" > {{workingDir}}/out.txt']
    })
    .outputFiles("out.txt");
}

if (childAt !== -1) {
  // The process the resume scenario kills: prints each line as it arrives.
  const runId = process.argv[childAt + 1]!;
  await resumableJob(runId).run(runner, { outputDir: join(outputRoot, "child"), onLog: ({ line }) => console.log(line) });
  process.exit(0);
}

const only = process.env["PODKIT_SCENARIO_ONLY"]?.split(",").filter((s) => s !== "");
const results: { name: string; ok: boolean; ms: number; detail: string }[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only !== undefined && !only.includes(name)) continue;
  const started = performance.now();
  try {
    const detail = await scenario();
    const ms = Math.round(performance.now() - started);
    results.push({ name, ok: true, ms, detail });
    console.log(`ok ${name} ${ms} ms: ${detail}`);
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    results.push({ name, ok: false, ms, detail });
    console.log(`FAIL ${name} ${ms} ms: ${detail}`);
  }
}
await rm(outputRoot, { recursive: true, force: true });
const versions = process.versions as Record<string, string | undefined>;
console.log(`RESULT ${JSON.stringify({ runtime, version: versions[runtime] ?? process.version, results })}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
