// A whole run that moves one file in and out, as a user's process does it: a random local
// file of the given size goes in as an input file, the pod copies it, the copy comes back
// as an output file and is checked (size and sha256). Each run is a process of its own;
// it prints its wall, CPU (user + system) and peak RSS. Node's own flags for the child
// come from the environment, e.g. PODKIT_PROBE_NODE_FLAGS=--max-semi-space-size=2 (the
// young generation, where the transfer's spent buffers wait to be collected).
// Usage: node bench/probes/transfer_round_trip.ts [bytes] [runs]
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pod } from "../../lib/mod.ts";
import { KubernetesRunner } from "../../lib/kubernetes/mod.ts";
import { ensureNamespace, resolveTarget } from "../cluster.ts";

const namespace = process.env["PODKIT_BENCH_NAMESPACE"] ?? "podkit-bench";
const PREFIX = "@@round-trip ";

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function child(input: string, kubeconfig: string, outputDir: string): Promise<void> {
  const started = performance.now();
  const result = await new KubernetesRunner({ connection: { kubeconfigPath: kubeconfig } }).run(
    pod()
      .namespace(namespace)
      .labels({ "podkit-bench": "round-trip" })
      .container({ name: "main", image: "busybox:1.35", imagePullPolicy: "IfNotPresent", workingDir: "{{workingDir}}", command: ["cp", "in.bin", "out.bin"] })
      .inputFile("in.bin", { path: input })
      .outputFiles("out.bin")
      .compile(),
    { outputDir },
  );
  const wallMs = performance.now() - started;
  const usage = process.resourceUsage();
  const out = result.outputFiles.find((f) => f.name === "out.bin");
  const report = { wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, rssMiB: usage.maxRSS / 1024, sha256: out === undefined ? "" : await sha256(out.path) };
  process.stdout.write(`${PREFIX}${JSON.stringify(report)}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
  const bytes = Number(process.argv[2] ?? 300_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const flags = (process.env["PODKIT_PROBE_NODE_FLAGS"] ?? "").split(" ").filter((f) => f !== "");
  const target = resolveTarget();
  await ensureNamespace(target, namespace);
  const dir = mkdtempSync(join(tmpdir(), "podkit-round-trip-"));
  try {
    const input = join(dir, "in.bin");
    writeFileSync(input, randomBytes(bytes));
    const expected = await sha256(input);
    console.log(`${bytes.toLocaleString("en-US")} bytes, ${runs} runs, node flags: ${flags.join(" ") || "(none)"}`);
    for (let run = 1; run <= runs; run++) {
      const out = join(dir, `out-${run}`);
      const text = await new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, [...flags, process.argv[1] as string, "--child", input, target.kubeconfig, out], { stdio: ["ignore", "pipe", "inherit"] });
        let stdout = "";
        p.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        p.on("error", reject);
        p.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`run ${run} exited with ${code}`))));
      });
      const line = text.split("\n").find((l) => l.startsWith(PREFIX));
      if (line === undefined) throw new Error(`run ${run} printed no report`);
      const r = JSON.parse(line.slice(PREFIX.length)) as { wallMs: number; cpuMs: number; rssMiB: number; sha256: string };
      console.log(`run ${run}: ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB, exact ${r.sha256 === expected}`);
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
