/**
 * A 200 MB input file round-trips byte-exact through a pod, and the runner's memory stays
 * far below the file's size. The run happens in a child process of its own so that its
 * resident set size measures the runner alone, not the test framework.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { deleteLeftoverPods, kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

const SIZE_MB = 200;
const ROOT = resolve(import.meta.dirname, "../..");
const NAMESPACE = "podkit-runner-test";
const work = await mkdtemp(join(tmpdir(), "podkit-large-"));

beforeAll(async () => {
  if ((await kubectl(["get", "namespace", NAMESPACE, "-o", "name"])).code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await deleteLeftoverPods(NAMESPACE, "podkit.test/suite=runner-large");
});

// The child: writes the input in 1 MB chunks, samples its RSS every 20 ms during the run,
// hashes input and output by streaming, and prints one JSON line of figures.
const CHILD = `
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { pod } from ${JSON.stringify(pathToFileURL(join(ROOT, "lib/mod.ts")).href)};
import { KubernetesRunner } from ${JSON.stringify(pathToFileURL(join(ROOT, "lib/kubernetes/mod.ts")).href)};

const [input, outputDir, sizeMb] = process.argv.slice(2);
const out = createWriteStream(input);
const chunk = randomBytes(1024 * 1024);
for (let i = 0; i < Number(sizeMb); i += 1) {
  chunk.writeUInt32BE(i, 0); // no two megabytes alike
  if (!out.write(chunk)) await once(out, "drain");
}
out.end();
await once(out, "finish");

async function sha256(path) {
  const hash = createHash("sha256");
  for await (const part of createReadStream(path)) hash.update(part);
  return hash.digest("hex");
}

globalThis.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
const started = performance.now();
const result = await pod()
  .namespace(${JSON.stringify(NAMESPACE)})
  .labels({ "podkit.test/suite": "runner-large" })
  .container({ name: "copy", image: "busybox", command: ["cp", "{{workingDir}}/data.bin", "{{workingDir}}/out.bin"] })
  .inputFile("data.bin", { path: input })
  .outputFiles("out.bin")
  .run(new KubernetesRunner(), { outputDir });
const wallMs = Math.round(performance.now() - started);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const file = result.outputFiles[0];
console.log(JSON.stringify({
  wallMs,
  steps: result.timings.steps,
  baselineRssMb: Math.round(baseline / 2 ** 20),
  peakRssMb: Math.round(peak / 2 ** 20),
  inputSha256: await sha256(input),
  outputSha256: await sha256(file.path),
  reportedSha256: file.sha256,
  outputBytes: file.size,
}));
`;

test(`a ${SIZE_MB} MB input file round-trips byte-exact, with the runner's RSS far below its size`, async () => {
  const script = join(work, "child.ts");
  await writeFile(script, CHILD);
  const input = join(work, "data.bin");
  const outputDir = join(work, "out");
  // The time from the last line to the exit shows that no watch, socket or timer of the
  // run outlived it.
  let printedAt = 0;
  const child = execFile(process.execPath, ["--expose-gc", script, input, outputDir, String(SIZE_MB)], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    timeout: 600_000,
    maxBuffer: 1 << 20,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("outputBytes")) printedAt ||= performance.now();
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  const exitAfterMs = Math.round(performance.now() - printedAt);
  expect(code, stderr).toBe(0);
  const figures: Record<string, unknown> = { ...(JSON.parse(stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>), exitAfterMs };
  console.log(`[runner figures] ${SIZE_MB} MB round trip: ${JSON.stringify(figures)}`);
  expect(figures["outputBytes"]).toBe(SIZE_MB * 1024 * 1024);
  expect(figures["outputSha256"]).toBe(figures["inputSha256"]);
  expect(figures["reportedSha256"]).toBe(figures["inputSha256"]);
  // Far below the file: the run adds less than half the file's size to the process (the
  // transfer streams; what it adds is buffers and heap growth, not the file).
  expect((figures["peakRssMb"] as number) - (figures["baselineRssMb"] as number)).toBeLessThan(SIZE_MB / 2);
  expect(exitAfterMs).toBeLessThan(1000);
});
