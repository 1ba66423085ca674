/**
 * The `podkit` command line against the cluster under test: the four Kestra reference
 * examples run unchanged through `podkit run`, the run's events and logs appear in order,
 * exit codes are the pod's, and Ctrl-C deletes the pod (gracefully with a grace period; a
 * second Ctrl-C at once). Also the progress-bar example,
 * run as a user would run it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "cli", "main.ts");
const EXAMPLES = join(ROOT, "examples", "kestra");
const dir = mkdtempSync(join(tmpdir(), "podkit-cli-it-"));
const input = join(dir, "data.txt");
writeFileSync(input, "first line\n  second line, spaces kept  \nthird\n");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Spawned {
  readonly done: Promise<Run>;
  readonly kill: (signal: NodeJS.Signals) => void;
  /** What was written to stderr so far. */
  readonly stderr: () => string;
}

function start(args: readonly string[], options: { combinedFile?: string; script?: string } = {}): Spawned {
  const env = { ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: "1" };
  const fd = options.combinedFile === undefined ? undefined : openSync(options.combinedFile, "w");
  // One file for both streams keeps the order in which the CLI wrote its lines.
  const child = spawn(process.execPath, [options.script ?? MAIN, ...args], { cwd: ROOT, env, stdio: fd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd] });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (fd !== undefined) closeSync(fd);
      resolve({ code, stdout, stderr });
    });
  });
  return { done, kill: (signal) => child.kill(signal), stderr: () => stderr };
}

const podkit = (args: readonly string[], options: { combinedFile?: string } = {}): Promise<Run> => start(args, options).done;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const TEN_LINES = Array.from({ length: 10 }, (_, i) => `unittest | ${i + 1}`);

describe("podkit run on the four Kestra reference examples", () => {
  test("launch-a-pod prints exactly the 10 lines of its container and exits 0", async () => {
    const run = await podkit(["run", join(EXAMPLES, "launch-a-pod.yaml"), "--run-id", `cli-it-launch-${Date.now()}`]);
    expect(run.stderr).toMatch(/^podkit done {7}pod "unittest-[a-z0-9]+" in namespace "default": Succeeded, exit code 0/m);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((l) => l !== "")).toEqual(TEN_LINES);
  });

  test.each(["input-and-output-files.yaml", "file-sidecar-resources.yaml", "container-default-spec.yaml"])(
    "%s copies the input file to out.txt, byte for byte",
    async (name) => {
      const outputDir = mkdtempSync(join(dir, "out-"));
      const run = await podkit(["run", join(EXAMPLES, name), "--input", `file=${input}`, "--output-dir", outputDir]);
      expect(run.stderr).toContain("podkit done");
      expect(run.code).toBe(0);
      expect(readFileSync(join(outputDir, "out.txt"))).toEqual(readFileSync(input));
      expect(run.stderr).toMatch(new RegExp(`^podkit output {5}out\\.txt \\(\\d+ B, sha256 [0-9a-f]{12}\\) ${escape(outputDir)}/out\\.txt$`, "m"));
    },
  );
});

describe("what podkit run shows, in order", () => {
  test("progress lines, then the 10 log lines, then the summary", async () => {
    const combined = join(dir, "combined.txt");
    const run = await podkit(["run", join(EXAMPLES, "launch-a-pod.yaml")], { combinedFile: combined });
    expect(run.code).toBe(0);
    const lines = readFileSync(combined, "utf8").split("\n").filter((l) => l !== "");
    const logs = lines.filter((l) => l.startsWith("unittest | "));
    expect(logs).toEqual(TEN_LINES);
    const index = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
    const firstLog = index("unittest | 1");
    const lastLog = index("unittest | 10");
    expect(index("podkit creating")).toBeGreaterThanOrEqual(0);
    expect(index("podkit creating")).toBeLessThan(index("podkit scheduling"));
    expect(index("podkit scheduling")).toBeLessThan(firstLog);
    // Scheduling is reported once, not once per source (event and watch).
    const scheduling = lines.filter((l) => l.startsWith("podkit ") && /Scheduled|assigned/.test(l));
    expect(scheduling).toHaveLength(1);
    expect(scheduling[0]).toMatch(/^podkit scheduling Scheduled on node ".+"$/);
    expect(lastLog).toBeGreaterThan(firstLog);
    expect(index("podkit deleting")).toBeGreaterThan(lastLog);
    expect(index("podkit done")).toBeGreaterThan(index("podkit deleting"));
    expect(index("podkit done")).toBe(lines.length - 1);
  });

  test("a file example shows uploading before its containers end and collecting after", async () => {
    const combined = join(dir, "combined-files.txt");
    const outputDir = mkdtempSync(join(dir, "out-"));
    const run = await podkit(["run", join(EXAMPLES, "input-and-output-files.yaml"), "--input", `file=${input}`, "-o", outputDir], { combinedFile: combined });
    expect(run.code).toBe(0);
    const lines = readFileSync(combined, "utf8").split("\n").filter((l) => l !== "");
    const index = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
    const phases = ["podkit creating", "podkit scheduling", "podkit uploading", "podkit collecting", "podkit deleting", "podkit done", "podkit output "];
    const found = phases.map(index);
    expect(found.every((i) => i >= 0)).toBe(true);
    expect([...found].sort((a, b) => a - b)).toEqual(found);
    expect(lines.some((l) => /^podkit uploading {2}Uploaded 1 file/.test(l))).toBe(true);
  });
});

describe("what podkit run shows of transfers and results", () => {
  test("a 4 MB input shows its bytes while it goes up, and each transfer once done, sized once in SI units", async () => {
    const big = join(dir, "big.bin");
    writeFileSync(big, Buffer.alloc(4_000_000, "podkit "));
    const outputDir = mkdtempSync(join(dir, "out-"));
    const run = await podkit(["run", join(EXAMPLES, "input-and-output-files.yaml"), "--input", `file=${big}`, "-o", outputDir]);
    expect(run.code).toBe(0);
    const lines = run.stderr.split("\n");
    expect(lines).toContain("podkit uploading  Uploaded 1 file (4.0 MB)");
    expect(lines).toContain("podkit collecting Collected 1 file (4.0 MB)");
    for (const line of lines.filter((l) => l.startsWith("podkit uploading  Uploading "))) {
      expect(line).toMatch(/^podkit uploading {2}Uploading input files \(\d+(\.\d)? [kM]?B of 4\.0 MB\)$/);
    }
    // One size a line: the old rendering printed `(4.0 MB) (4.0 MB)`.
    expect(run.stderr).not.toMatch(/\(\d[^)]*B\) \(/);
    // Buffer.equals: a deep comparison of 4 MB byte by byte takes the test runner seconds.
    expect(readFileSync(join(outputDir, "out.txt")).equals(readFileSync(big))).toBe(true);
  });

  test("--json carries the one result shape: failed, logTail and the run's identity", async () => {
    const run = await podkit(["run", "--json", join(EXAMPLES, "launch-a-pod.yaml")]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { ok: boolean; result: { failed: boolean; logTail: string[]; runId: string; phase: string } };
    expect(out.ok).toBe(true);
    expect(out.result).toMatchObject({ failed: false, phase: "Succeeded" });
    expect(out.result.logTail.at(-1)).toBe("unittest: 10");
    expect(out.result.runId).not.toBe("");
  });
});

describe("examples/05-progress-bar.ts", () => {
  test("draws the bar of each transfer from its events, prints the container's lines, and brings back a byte-exact copy", async () => {
    const run = await start([], { script: join(ROOT, "examples", "05-progress-bar.ts") }).done;
    expect(run.code, run.stderr).toBe(0);
    const bars = run.stderr.split("\n").filter((l) => l !== "");
    expect(bars).toEqual([
      "upload   [########################] 100%  4.0 MB of 4.0 MB, 1 file",
      expect.stringMatching(/^download \[#{24}\] 100% {2}4\.0 MB of 4\.0 MB, 2 files$/),
    ]);
    expect(run.stdout).toContain("[main] received 4000000 bytes\n");
    const digest = /^\[main\] ([0-9a-f]{64}) {2}data\.bin$/m.exec(run.stdout)?.[1];
    const copy = /^output copy\.bin: (\S+) \(4\.0 MB, sha256 [0-9a-f]{12}\)$/m.exec(run.stdout)?.[1];
    expect(digest).toBeDefined();
    expect(copy).toBeDefined();
    expect(createHash("sha256").update(readFileSync(copy as string)).digest("hex")).toBe(digest);
    expect(run.stdout).toMatch(/^pod default\/main-[a-z0-9]+ ended Succeeded, exit code 0$/m);
  });
});

describe("podkit run exit codes", () => {
  test("a container's exit code is podkit's", async () => {
    const file = join(dir, "exit3.yaml");
    writeFileSync(file, 'containers:\n  - name: main\n    image: busybox\n    command: ["sh", "-c", "echo about to fail; exit 3"]\n');
    const run = await podkit(["run", file]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("main | about to fail\n");
    expect(run.stderr).toMatch(/^podkit failed {5}ContainerFailed at step \w+/m);
  });

  test("a typo is refused with its path and 64, before anything reaches the cluster", async () => {
    const file = join(dir, "typo.yaml");
    writeFileSync(file, readFileSync(join(EXAMPLES, "launch-a-pod.yaml"), "utf8").replace("restartPolicy", "restartPolicyy"));
    const run = await podkit(["run", file]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain("spec.restartPolicyy");
    expect(run.stderr).not.toContain("podkit creating");
  });

  test("a missing image fails fast with 125", async () => {
    const file = join(dir, "no-image.yaml");
    writeFileSync(file, "containers:\n  - name: main\n    image: podkit-test/does-not-exist:1\nwaitUntilRunning: PT2M\n");
    const started = Date.now();
    const run = await podkit(["run", file]);
    expect(run.code).toBe(125);
    expect(run.stderr).toMatch(/^podkit failed {5}ImagePull/m);
    expect(Date.now() - started).toBeLessThan(90_000);
  });

  test("Ctrl-C aborts the run, deletes the pod and exits 130", async () => {
    const runId = `cli-it-sigint-${Date.now()}`;
    const file = join(dir, "sleep.yaml");
    writeFileSync(file, 'containers:\n  - name: main\n    image: busybox\n    command: ["sh", "-c", "echo started; sleep 300"]\n');
    const child = start(["run", file, "--run-id", runId]);
    await waitFor(async () => (/^podkit (starting|running)/m.test(child.stderr()) ? true : undefined), 120_000);
    const selector = `podkit.dev/run-id=${runId}`;
    const before = await kubectl(["get", "pods", "-n", "default", "-l", selector, "-o", "name"]);
    expect(before.stdout.trim()).not.toBe("");
    child.kill("SIGINT");
    const run = await child.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("podkit aborting   SIGINT");
    const gone = await waitFor(async () => {
      const { stdout } = await kubectl(["get", "pods", "-n", "default", "-l", selector, "-o", "name"]);
      return stdout.trim() === "" ? true : undefined;
    }, 30_000);
    expect(gone).toBe(true);
  });

  test("Ctrl-C on a pod with a grace period: its container gets SIGTERM and its last lines are shown", async () => {
    const file = join(dir, "graceful.yaml");
    writeFileSync(
      file,
      [
        "terminationGracePeriod: PT30S",
        "containers:",
        "  - name: main",
        "    image: busybox",
        `    command: ["sh", "-c", "trap 'echo got TERM; sleep 2; echo cleaned up; exit 0' TERM; echo started; sleep 300 & wait"]`,
        "",
      ].join("\n"),
    );
    const child = start(["run", file]);
    await waitFor(async () => (/^podkit running\s+Container "main" started/m.test(child.stderr()) ? true : undefined), 120_000);
    await new Promise((r) => setTimeout(r, 1000)); // the trap is set
    child.kill("SIGINT");
    const run = await child.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("podkit aborting   SIGINT: stopping the run; the containers get SIGTERM and up to 30 s to stop");
    expect(run.stderr).toMatch(/^podkit deleting {3}Deleting pod "[^"]+": its containers got SIGTERM and have 30 s to stop$/m);
    expect(run.stdout).toContain("main | got TERM");
    expect(run.stdout).toContain("main | cleaned up");
  }, 180_000);

  test("a second Ctrl-C cuts the grace period short: the pod is deleted at once", async () => {
    const runId = `cli-it-force-${Date.now()}`;
    const file = join(dir, "stubborn.yaml");
    // Ignores SIGTERM: only a deletion without grace ends it before its 120 s.
    writeFileSync(file, ["terminationGracePeriod: PT120S", "containers:", "  - name: main", "    image: busybox", `    command: ["sh", "-c", "trap '' TERM; echo started; while true; do sleep 1; done"]`, ""].join("\n"));
    const child = start(["run", file, "--run-id", runId]);
    await waitFor(async () => (/^podkit running\s+Container "main" started/m.test(child.stderr()) ? true : undefined), 120_000);
    child.kill("SIGINT");
    await waitFor(async () => (/^podkit deleting/m.test(child.stderr()) ? true : undefined), 30_000);
    const forcedAt = Date.now();
    child.kill("SIGINT");
    const run = await child.done;
    expect(Date.now() - forcedAt).toBeLessThan(30_000);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("podkit aborting   Again: deleting the pod at once");
    const gone = await waitFor(async () => {
      const { stdout } = await kubectl(["get", "pods", "-n", "default", "-l", `podkit.dev/run-id=${runId}`, "-o", "name"]);
      return stdout.trim() === "" ? true : undefined;
    }, 30_000);
    expect(gone).toBe(true);
  }, 180_000);
});
