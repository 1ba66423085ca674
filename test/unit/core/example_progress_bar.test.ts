import { expect, test } from "vitest";
import { example, progressBar, progressOn } from "../../../examples/05-progress-bar.ts";
import { findStep, type TransferEvent } from "../../../lib/mod.ts";

const upload = (bytes: number, done = false): TransferEvent => ({ type: "transfer", direction: "upload", bytes, totalBytes: 4_000_000, ...(done ? { files: 1 } : {}), done, elapsedMs: 0 });

function capture(isTTY: boolean): { stream: { isTTY: boolean; write: (chunk: string) => void }; text: () => string } {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (chunk) => void chunks.push(chunk) }, text: () => chunks.join("") };
}

test("05 uploads a few megabytes of generated input and brings back the copy and its digest", () => {
  const compiled = example.compile();
  expect(findStep(compiled.plan, "uploadInputs")?.files).toEqual(["data.bin"]);
  expect(findStep(compiled.plan, "downloadOutputs")?.globs).toEqual(["copy.bin", "data.sha256"]);
  const content = compiled.inputs[0]?.content;
  expect(content).toBeInstanceOf(Uint8Array);
  expect((content as Uint8Array).byteLength).toBe(4_000_000);
});

test.each([
  [upload(0), "upload   [........................]   0%  0 B of 4.0 MB"],
  [upload(2_000_000), "upload   [############............]  50%  2.0 MB of 4.0 MB"],
  [upload(4_000_000, true), "upload   [########################] 100%  4.0 MB of 4.0 MB, 1 file"],
  [{ type: "transfer", direction: "download", bytes: 1_500_000, done: false, elapsedMs: 0 }, "download 1.5 MB…"],
  [{ type: "transfer", direction: "download", bytes: 4_000_064, totalBytes: 4_000_064, files: 2, done: true, elapsedMs: 0 }, "download [########################] 100%  4.0 MB of 4.0 MB, 2 files"],
] as const)("progressBar(%j) is %s", (event, line) => {
  expect(progressBar(event)).toBe(line);
});

test("on a terminal the bar is redrawn in place and ends its line when done; log lines go to stdout", () => {
  const err = capture(true);
  const out = capture(false);
  const onEvent = progressOn(err.stream, out.stream);
  onEvent(upload(1_000_000));
  onEvent(upload(4_000_000, true));
  onEvent({ type: "log", container: "main", line: "received 4000000 bytes", timestamp: "2026-01-01T00:00:00Z", elapsedMs: 0 });
  onEvent({ type: "scheduled", node: "n", elapsedMs: 0 });
  expect(err.text()).toBe(
    "\rupload   [######..................]  25%  1.0 MB of 4.0 MB\u001b[K\rupload   [########################] 100%  4.0 MB of 4.0 MB, 1 file\u001b[K\n",
  );
  expect(out.text()).toBe("[main] received 4000000 bytes\n");
});

test("elsewhere only the finished bar is written", () => {
  const err = capture(false);
  const onEvent = progressOn(err.stream, capture(false).stream);
  for (let bytes = 0; bytes < 4_000_000; bytes += 500_000) onEvent(upload(bytes));
  onEvent(upload(4_000_000, true));
  expect(err.text()).toBe("upload   [########################] 100%  4.0 MB of 4.0 MB, 1 file\n");
});
