import { describe, expect, test } from "vitest";
import { phaseOf, Reporter, useColour } from "../../../cli/reporter.ts";
import * as reporterModule from "../../../cli/reporter.ts";
import { PodRunError, type RunEvent } from "../../../lib/mod.ts";
import { event, log, result, Terminal } from "./_fake.ts";

function reporter(terminal: Terminal, extra: { now?: () => number; containers?: readonly string[] } = {}): Reporter {
  return new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, ...extra });
}

describe("Reporter.event", () => {
  test("renders each type of event as a line of its phase", () => {
    const terminal = new Terminal();
    const r = reporter(terminal, { containers: ["main"] });
    const script: RunEvent[] = [
      event({ type: "created", podName: "p-1", namespace: "default", runId: "r", resumed: false, attempt: 1 }),
      event({ type: "scheduled", node: "node-1" }),
      event({ type: "pulling", container: "main", image: "busybox", message: 'Pulling image "busybox"' }),
      event({ type: "pulled", container: "main", image: "busybox", message: 'Successfully pulled image "busybox" in 1.2s' }),
      event({ type: "waiting", reason: "PodInitializing" }),
      event({ type: "podEvent", event: { type: "Warning", reason: "BackOff", message: "Back-off restarting", count: 1 } }),
      event({ type: "started", container: "setup", kind: "init" }),
      event({ type: "transfer", direction: "upload", bytes: 6, totalBytes: 6, files: 1, done: true }),
      event({ type: "started", container: "main", kind: "main" }),
      event({ type: "ready" }),
      log("main", "hello"),
      event({ type: "containerTerminated", container: "main", kind: "main", exitCode: 0, reason: "Completed" }),
      event({ type: "completed", phase: "Succeeded", exitCode: 0 }),
      event({ type: "transfer", direction: "download", bytes: 2_500_000, files: 2, done: true }),
      event({ type: "deleted", podName: "p-1" }),
    ];
    for (const e of script) r.event(e);
    expect(terminal.lines()).toEqual([
      'podkit creating   Created pod "p-1"',
      'podkit scheduling Scheduled on node "node-1"',
      'podkit pulling    Pulling image "busybox"',
      'podkit pulling    Successfully pulled image "busybox" in 1.2s',
      "podkit starting   Initializing",
      "podkit event      BackOff: Back-off restarting",
      'podkit starting   Init container "setup" started',
      "podkit uploading  Uploaded 1 file (6 B)",
      'podkit running    Container "main" started',
      "podkit ready      The pod is ready",
      "main | hello",
      'podkit running    Container "main" ended with exit code 0 (Completed)',
      "podkit collecting Containers finished (Succeeded, exit code 0); collecting what they left",
      "podkit collecting Collected 2 files (2.5 MB)",
      'podkit deleting   Deleted pod "p-1"',
    ]);
    expect(terminal.text("stdout")).toBe("main | hello\n");
  });

  test("a reattached pod says so", () => {
    const terminal = new Terminal();
    reporter(terminal).event(event({ type: "created", podName: "p-1", namespace: "default", runId: "r", resumed: true, attempt: 1 }));
    expect(terminal.lines()).toEqual(['podkit creating   Reattached to pod "p-1"']);
  });

  test("transfer progress is shown at most once a second, and always when done", () => {
    const terminal = new Terminal();
    let now = 0;
    const r = reporter(terminal, { now: () => now });
    for (let bytes = 1_000_000; bytes < 10_000_000; bytes += 1_000_000) {
      r.event(event({ type: "transfer", direction: "upload", bytes, totalBytes: 10_000_000, done: false }));
      now += 300;
    }
    r.event(event({ type: "transfer", direction: "upload", bytes: 10_000_000, totalBytes: 10_000_000, files: 1, done: true }));
    expect(terminal.lines()).toEqual([
      "podkit uploading  Uploading input files (1.0 MB of 10 MB)",
      "podkit uploading  Uploading input files (5.0 MB of 10 MB)",
      "podkit uploading  Uploading input files (9.0 MB of 10 MB)",
      "podkit uploading  Uploaded 1 file (10 MB)",
    ]);
  });

  test("uploads and downloads are throttled apart; a transfer without a total shows its bytes", () => {
    const terminal = new Terminal();
    const r = reporter(terminal, { now: () => 0 });
    r.event(event({ type: "transfer", direction: "upload", bytes: 1500, done: false }));
    r.event(event({ type: "transfer", direction: "download", bytes: 268_435_456, done: false }));
    r.event(event({ type: "transfer", direction: "download", bytes: 300_000_000, done: false }));
    expect(terminal.lines()).toEqual([
      "podkit uploading  Uploading input files (1.5 kB)",
      "podkit collecting Collecting output files (268 MB)",
    ]);
  });

  test("a failed event names the reason, the step and the pod; the failure that follows does not repeat it", () => {
    const terminal = new Terminal();
    const r = reporter(terminal);
    r.event(event({ type: "created", podName: "p-1", namespace: "default", runId: "r", resumed: false, attempt: 1 }));
    r.event(event({ type: "podEvent", event: { type: "Warning", reason: "Failed", message: "ErrImagePull", count: 1 } }));
    r.event(event({ type: "failed", reason: "ImagePull", step: "waitRunning", shortMessage: 'Cannot pull image "nope:1"' }));
    r.failure(
      new PodRunError('Cannot pull image "nope:1"', {
        reason: "ImagePull",
        step: "waitRunning",
        runId: "r",
        namespace: "default",
        podName: "p-1",
        events: [
          { type: "Warning", reason: "Failed", message: "ErrImagePull", count: 1 },
          { type: "Warning", reason: "BackOff", message: 'Back-off pulling image "nope:1"', count: 2 },
        ],
      }),
    );
    expect(terminal.lines()).toEqual([
      'podkit creating   Created pod "p-1"',
      "podkit event      Failed: ErrImagePull",
      'podkit failed     ImagePull at step waitRunning (pod "p-1"): Cannot pull image "nope:1"',
      'podkit event      BackOff: Back-off pulling image "nope:1"',
    ]);
  });

  test("a failed attempt says why, with its exit code, and when the next one starts", () => {
    const terminal = new Terminal();
    const r = reporter(terminal);
    r.event(event({ type: "attemptFailed", attempt: 1, reason: "ContainerFailed", exitCode: 75, shortMessage: 'Container "main" exited with code 75', nextAttempt: 2, delayMs: 1500 }));
    r.event(event({ type: "attemptFailed", attempt: 2, reason: "OOMKilled", shortMessage: "out of memory", nextAttempt: 3, delayMs: 30_000 }));
    expect(terminal.lines()).toEqual([
      'podkit retrying   Attempt 1 failed (ContainerFailed, exit code 75): Container "main" exited with code 75; attempt 2 in 1.5 s',
      "podkit retrying   Attempt 2 failed (OOMKilled): out of memory; attempt 3 in 30.0 s",
    ]);
  });

  test("a deletion with a grace period says the containers got SIGTERM; one without says deleted", () => {
    const terminal = new Terminal();
    const r = reporter(terminal);
    r.event(event({ type: "deleted", podName: "p-1", gracePeriodSeconds: 20 }));
    r.event(event({ type: "deleted", podName: "p-1", gracePeriodSeconds: 0 }));
    expect(terminal.lines()).toEqual([
      'podkit deleting   Deleting pod "p-1": its containers got SIGTERM and have 20 s to stop',
      'podkit deleting   Deleted pod "p-1"',
    ]);
  });

  test("aborting says whether the containers get a grace period, and what the next Ctrl-C does", () => {
    const terminal = new Terminal();
    const r = reporter(terminal);
    r.aborting("SIGINT", 20);
    r.forcing(20);
    r.aborting("SIGTERM", 0);
    r.forcing(0);
    expect(terminal.lines()).toEqual([
      "podkit aborting   SIGINT: stopping the run; the containers get SIGTERM and up to 20 s to stop, their last lines are shown (Ctrl-C again to delete the pod at once)",
      "podkit aborting   Again: deleting the pod at once, without waiting for its containers (Ctrl-C again to exit now; the pod may be left behind)",
      "podkit aborting   SIGTERM: stopping the run and deleting the pod at once",
      "podkit aborting   Again: the pod is already being deleted at once (Ctrl-C again to exit now; the pod may be left behind)",
    ]);
  });

  test("log prefixes are aligned on the longest container name", () => {
    const terminal = new Terminal();
    const r = reporter(terminal, { containers: ["a", "long-name"] });
    r.event(log("a", "x"));
    r.event(log("long-name", "  y  "));
    expect(terminal.text("stdout")).toBe("a         | x\nlong-name |   y  \n");
  });
});

describe("Reporter.summary and Reporter.failure", () => {
  test("the summary says why no output was collected, and which logs are incomplete", () => {
    const terminal = new Terminal();
    reporter(terminal).summary(
      result({
        outputsError: 'the container "podkit-outputs" was not running',
        incompleteLogs: [{ container: "unittest", reason: "the pod was deleted" }],
      }),
    );
    expect(terminal.lines()).toEqual([
      'podkit done       pod "unittest-abcde" in namespace "default": Succeeded, exit code 0 (4.2 s), deleted',
      'podkit logs       the log of "unittest" is incomplete: the pod was deleted',
      'podkit outputs    no output file collected: the container "podkit-outputs" was not running',
    ]);
  });

  test("a failure without a failed event tells its short message, then what the partial result holds", () => {
    const terminal = new Terminal();
    reporter(terminal).failure(
      new PodRunError("Container \"unittest\" exited with code 3", {
        reason: "ContainerFailed",
        step: "waitCompletion",
        runId: "r",
        namespace: "default",
        podName: "unittest-abcde",
        exitCode: 3,
        logTail: ["unittest: boom"],
        result: result({ failed: true, exitCode: 3, phase: "Failed", vars: { partial: true } }),
      }),
    );
    expect(terminal.lines()).toEqual([
      'podkit failed     ContainerFailed at step waitCompletion (pod "unittest-abcde"): Container "unittest" exited with code 3',
      "podkit value      partial = true",
    ]);
  });
});

test.each([
  [{ type: "created", podName: "p", namespace: "n", runId: "r", resumed: false, attempt: 1 }, "creating"],
  [{ type: "scheduled", node: "n" }, "scheduling"],
  [{ type: "pulling", message: "" }, "pulling"],
  [{ type: "pulled", message: "" }, "pulling"],
  [{ type: "waiting", reason: "ContainerCreating" }, "starting"],
  [{ type: "started", container: "init", kind: "init" }, "starting"],
  [{ type: "started", container: "main", kind: "main" }, "running"],
  [{ type: "ready" }, "ready"],
  [{ type: "transfer", direction: "upload", bytes: 0, done: false }, "uploading"],
  [{ type: "transfer", direction: "download", bytes: 0, done: false }, "collecting"],
  [{ type: "completed", phase: "Succeeded", exitCode: 0 }, "collecting"],
  [{ type: "deleted", podName: "p" }, "deleting"],
  [{ type: "failed", reason: "Timeout", step: "waitRunning", shortMessage: "" }, "failed"],
] as const)("phaseOf(%j) is %s", (input, phase) => {
  expect(phaseOf(event(input))).toBe(phase);
});

test("the command line has no byte formatter of its own", () => {
  expect(Object.keys(reporterModule)).not.toContain("formatBytes");
});

test("useColour follows NO_COLOR, FORCE_COLOR and the terminal", () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true };
  expect(useColour(tty, {})).toBe(true);
  expect(useColour(pipe, {})).toBe(false);
  expect(useColour(tty, { NO_COLOR: "1" })).toBe(false);
  expect(useColour(pipe, { FORCE_COLOR: "1" })).toBe(true);
  expect(useColour(tty, { FORCE_COLOR: "0" })).toBe(true);
});

describe("Reporter with batch", () => {
  test("writes log lines in blocks, and podkit's own lines flush them first: the order stays the same", async () => {
    const terminal = new Terminal();
    const r = new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, containers: ["main"], batch: true });
    for (let i = 1; i <= 1000; i++) r.event(log("main", String(i)));
    expect(terminal.writes).toHaveLength(0);
    r.event(event({ type: "completed", phase: "Succeeded", exitCode: 0 }));
    r.event(log("main", "late"));
    await new Promise((resolve) => setImmediate(resolve));
    const lines = terminal.lines();
    expect(lines.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => `main | ${i + 1}`));
    expect(lines[1000]).toMatch(/^podkit collecting/);
    expect(lines[1001]).toBe("main | late");
    // One block for the thousand lines, one podkit line, one block for the late line.
    expect(terminal.writes).toHaveLength(3);
  });

  test("flush() writes what is gathered at once; a large backlog is written without waiting", () => {
    const terminal = new Terminal();
    const r = new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, containers: ["main"], batch: true });
    const long = "x".repeat(1000);
    for (let i = 0; i < 100; i++) r.event(log("main", long));
    expect(terminal.writes.length).toBeGreaterThan(0);
    r.flush();
    expect(terminal.lines()).toHaveLength(100);
  });
});
