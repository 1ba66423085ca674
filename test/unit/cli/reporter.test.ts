import { describe, expect, test } from "vitest";
import { formatBytes, phaseOf, Reporter, useColour } from "../../../cli/reporter.ts";
import { Terminal } from "./_fake.ts";

describe("Reporter", () => {
  test("transfer progress is shown at most once a second, and when complete", () => {
    const terminal = new Terminal();
    let now = 0;
    const reporter = new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, now: () => now });
    for (let bytes = 1_000_000; bytes <= 10_000_000; bytes += 1_000_000) {
      reporter.progress({ step: "uploadInputs", message: "Uploading input files", bytes, totalBytes: 10_000_000 });
      now += 300;
    }
    expect(terminal.lines()).toEqual([
      "podkit uploading  Uploading input files (1.0 MB of 10 MB)",
      "podkit uploading  Uploading input files (5.0 MB of 10 MB)",
      "podkit uploading  Uploading input files (9.0 MB of 10 MB)",
      "podkit uploading  Uploading input files (10 MB of 10 MB)",
    ]);
  });

  test("log prefixes are aligned on the longest container name", () => {
    const terminal = new Terminal();
    const reporter = new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, containers: ["a", "long-name"] });
    reporter.log({ container: "a", line: "x", timestamp: "" });
    reporter.log({ container: "long-name", line: "  y  ", timestamp: "" });
    expect(terminal.text("stdout")).toBe("a         | x\nlong-name |   y  \n");
  });
});

test.each([
  [0, "0 B"],
  [999, "999 B"],
  [1536, "1.5 kB"],
  [12_345_678, "12 MB"],
  [3_000_000_000, "3.0 GB"],
])("formatBytes(%i) is %s", (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

test.each([
  [{ step: "create", message: "" }, "creating"],
  [{ step: "waitScheduled", message: "" }, "scheduling"],
  [{ step: "waitRunning", message: 'Pulling image "busybox"' }, "pulling"],
  [{ step: "waitRunning", message: "Waiting for containers" }, "starting"],
  [{ step: "uploadInputs", message: "" }, "uploading"],
  [{ step: "followLogs", message: "" }, "running"],
  [{ step: "downloadOutputs", message: "" }, "collecting"],
  [{ step: "delete", message: "" }, "deleting"],
] as const)("phaseOf(%j) is %s", (event, phase) => {
  expect(phaseOf(event)).toBe(phase);
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
