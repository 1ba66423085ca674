import { expect, test } from "vitest";
import { transferPhases, type Mark } from "../../bench/contenders/podkit.ts";
import type { RunEventInput, RunEvent } from "../../lib/mod.ts";

const mark = (at: number, event: RunEventInput): Mark => ({ at, event: { ...event, elapsedMs: at } as RunEvent });

test("transferPhases splits the upload and the download by the run's events", () => {
  const marks = [
    mark(0, { type: "created", podName: "p", namespace: "default", runId: "r", resumed: false, attempt: 1 }),
    mark(40, { type: "scheduled", node: "n" }),
    mark(900, { type: "transfer", direction: "upload", bytes: 0, totalBytes: 100, done: false }),
    mark(1000, { type: "transfer", direction: "upload", bytes: 50, totalBytes: 100, done: false }),
    mark(1400, { type: "transfer", direction: "upload", bytes: 100, totalBytes: 100, done: false }),
    mark(1700, { type: "transfer", direction: "upload", bytes: 100, totalBytes: 100, files: 1, done: true }),
    mark(5000, { type: "completed", phase: "Succeeded", exitCode: 0 }),
    mark(5300, { type: "transfer", direction: "download", bytes: 60, done: false }),
    mark(6200, { type: "transfer", direction: "download", bytes: 100, totalBytes: 100, files: 1, done: true }),
    mark(6300, { type: "deleted", podName: "p" }),
  ];
  expect(transferPhases(marks)).toEqual({ "upload.wait": 860, "upload.transfer": 500, "upload.verify": 300, "download.transfer": 1200 });
});

test("transferPhases leaves out what the events do not show", () => {
  expect(transferPhases([mark(0, { type: "created", podName: "p", namespace: "default", runId: "r", resumed: false, attempt: 1 })])).toEqual({});
});
