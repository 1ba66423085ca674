/**
 * Fault: the process driving a run is killed (SIGKILL, no clean-up) in the middle of the
 * run; a new process with the same run id takes over. It must reattach to the same pod —
 * never create a second one — and bring back every log line from the first, the exit
 * code and the output files.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, test } from "vitest";
import { kubeconfigPath } from "../_cluster.ts";
import { ownNamespace, podsIn, report, SUITE_LABEL, waitNoPods } from "./_faults.ts";

const NAMESPACE = ownNamespace("podkit-faults-resume");
const LABELS = { [SUITE_LABEL]: "faults-resume" };
const DRIVER = "test/fixtures/run_driver.ts";
const LINES = 40;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface Driver {
  /** Resolves with each JSON message the driver prints, in order. */
  readonly messages: Record<string, unknown>[];
  /** Resolves when `predicate` holds for a message. */
  until(predicate: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
}

function startDriver(args: Record<string, unknown>): Driver {
  const child = spawn(process.execPath, [DRIVER, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on("line", (text) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(message);
    for (const w of waiters.filter((w) => w.predicate(message))) w.resolve(message);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    messages,
    exited,
    kill: () => child.kill("SIGKILL"),
    until: (predicate, timeoutMs) => {
      const seen = messages.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`The driver printed no such message within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
        void exited.then(() => {
          clearTimeout(timer);
          const late = messages.find(predicate);
          if (late !== undefined) resolve(late);
          else reject(new Error(`The driver exited before printing such a message; stderr: ${stderr}`));
        });
      });
    },
  };
}

test("a driver killed mid-run is replaced by one with the same run id: same pod, every line from the first, exit code, output files", async () => {
  const runId = `crash-${Date.now().toString(36)}`;
  const selector = `podkit.dev/run-id=${runId}`;
  const outputDir = await mkdtemp(join(tmpdir(), "podkit-resume-"));
  dirs.push(outputDir);
  const args = { namespace: NAMESPACE, runId, lines: LINES, outputDir, exitCode: 3, labels: LABELS };

  const first = startDriver(args);
  // Killed once it has seen a third of the lines: the pod runs on without a driver.
  await first.until((m) => m["log"] === 12, 120_000);
  first.kill();
  const killedAt = performance.now();
  const exit = await first.exited;
  expect(exit.signal).toBe("SIGKILL");
  const podsAfterCrash = await podsIn(NAMESPACE, selector);
  expect(podsAfterCrash).toHaveLength(1);

  // Let the pod print more while nobody watches: the new driver must read those too.
  await new Promise((r) => setTimeout(r, 2000));
  const second = startDriver(args);
  let maxPods = 1;
  const counting = (async () => {
    while ((await Promise.race([second.exited.then(() => "exited"), new Promise((r) => setTimeout(() => r("tick"), 500))])) === "tick") {
      maxPods = Math.max(maxPods, (await podsIn(NAMESPACE, selector)).length);
    }
  })();
  const settled = await second.until((m) => "error" in m || "result" in m, 180_000);
  await second.exited;
  await counting;

  // The pod exited with 3: the run fails, and its result holds everything collected.
  const error = settled["error"] as { reason: string; exitCode: number; result: Record<string, unknown> } | undefined;
  expect(error, JSON.stringify(settled)).toBeDefined();
  expect(error?.reason).toBe("ContainerFailed");
  expect(error?.exitCode).toBe(3);
  const result = error?.result as {
    podName: string;
    resumed: boolean;
    exitCode: number;
    lines: string[];
    outputFiles: { name: string; path: string; size: number }[];
    deleted: boolean;
  };
  expect(result.resumed).toBe(true);
  expect(`pod/${result.podName}`).toBe(podsAfterCrash[0]);
  expect(result.exitCode).toBe(3);
  const expected = Array.from({ length: LINES }, (_, i) => `line ${i + 1}`);
  expect(result.lines).toEqual(expected);
  // Streamed by the new driver too, from the first line.
  expect(second.messages.filter((m) => "log" in m).map((m) => m["line"])).toEqual(expected);
  expect(result.outputFiles.map((f) => f.name)).toEqual(["out.txt"]);
  expect(await readFile(join(outputDir, "out.txt"), "utf8")).toBe(`lines=${LINES}\n`);
  expect(maxPods).toBe(1);
  expect(result.deleted).toBe(true);
  const goneMs = await waitNoPods(NAMESPACE, selector);
  report("driver crash and resume", {
    linesBeforeKill: first.messages.filter((m) => "log" in m).length,
    linesPrinted: LINES,
    linesCollected: result.lines.length,
    podsSeen: maxPods,
    resumedRunMs: Math.round(performance.now() - killedAt),
    podsLeft: 0,
    podGoneAfterMs: goneMs,
  });
});
