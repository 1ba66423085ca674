// Where the time and memory of moving a file go: one idle BusyBox pod with an emptyDir at
// /podkit/work, one random local file, and each phase measured alone, podkit and kubectl
// alternately, each in a process of its own under GNU time (wall, client CPU, peak RSS):
//   up      podkit `uploadInputs` (tar stream + in-pod check + marker) | `kubectl cp` in
//   verify  podkit's in-pod check alone (`remoteDigests`)             | `kubectl exec sha256sum` (the former check)
//   down    podkit `downloadOutputs` (listing, tar stream, check)     | `kubectl cp` out
//   floor   podkit uploading 1 byte (the process's floor: Node and the modules a run loads)
// Every copy is checked (size and sha256: in the pod after an upload, locally after a
// download), outside the measured time. `sys` is the CPU the whole machine spent meanwhile
// (API server, kubelet, containerd, the pod and the client), from /proc/stat.
// Usage: node bench/probes/file_transfer.ts [bytes] [rounds] [phases, e.g. up,verify,down]
// PODKIT_PROBE_BEFORE=/path/to/bench/probes/file_transfer.ts (this probe in a checkout of
// an earlier commit) adds that podkit as a third contender, "before", measured in turn.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { downloadOutputs } from "../../lib/kubernetes/transfer/download.ts";
import type { ExecTarget } from "../../lib/kubernetes/transfer/exec.ts";
import { uploadInputs } from "../../lib/kubernetes/transfer/upload.ts";
import { remoteDigests } from "../../lib/kubernetes/transfer/_verify.ts";
import { ensureNamespace, kubectl, resolveTarget } from "../cluster.ts";

// A namespace of its own: other probes clear theirs of pods.
const namespace = process.env["PODKIT_PROBE_NAMESPACE"] ?? "podkit-probe-files";
const POD = "file-transfer-probe";
const DIR = "/podkit/work";
const PREFIX = "@@file-transfer ";
const TIME = process.env["PODKIT_BENCH_TIME"] ?? "/usr/bin/time";

/** What a child reports about the operation itself (without Node's start). */
interface ChildReport {
  readonly opMs: number;
  /** When the last content byte was handed on (upload) or arrived (download). */
  readonly lastByteMs?: number;
  readonly verified?: string;
  readonly sha256?: string;
  /** The in-pod digest (verify), of the kind `verified` names. */
  readonly digest?: string;
}

type Who = "podkit" | "before" | "kubectl";

interface Reading {
  readonly phase: string;
  readonly who: Who;
  /** The operation's wall: podkit's call, or the whole kubectl command. */
  readonly ms: number;
  readonly processMs: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
  readonly sysCpuMs: number;
  readonly lastByteMs?: number;
  readonly exact: boolean;
}

async function child(phase: string, kubeconfigPath: string, arg: string): Promise<void> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const target = (container: string): ExecTarget => ({ kubeConfig, namespace, pod: POD, container });
  const started = performance.now();
  let lastByteMs: number | undefined;
  let report: ChildReport;
  if (phase === "up" || phase === "floor") {
    const size = statSync(arg).size;
    const result = await uploadInputs(target("main"), {
      workingDir: DIR,
      files: [{ name: phase === "floor" ? "floor.bin" : "in.bin", content: { path: arg } }],
      marker: ".podkit-ready",
      onProgress: (bytes) => {
        if (bytes === size && lastByteMs === undefined) lastByteMs = performance.now() - started;
      },
    });
    report = { opMs: performance.now() - started, verified: result.verified, sha256: result.files[0]?.sha256 ?? "", ...(lastByteMs === undefined ? {} : { lastByteMs }) };
  } else if (phase === "verify") {
    const remote = await remoteDigests(target("main"), DIR, ["in.bin"], undefined);
    const found = remote.files.get("in.bin");
    // The fields of an earlier version too (PODKIT_PROBE_BEFORE): `hashed`, `sha256`.
    const earlier = remote as unknown as { readonly hashed?: boolean };
    const verified = remote.algorithm ?? (earlier.hashed === true ? "sha256" : "size");
    const own = found === undefined || found === "missing" ? undefined : (found as { readonly digest?: string; readonly sha256?: string });
    report = { opMs: performance.now() - started, verified, digest: own?.digest ?? own?.sha256 ?? "" };
  } else if (phase === "down") {
    const result = await downloadOutputs(target("main"), {
      workingDir: DIR,
      globs: ["in.bin"],
      outputDir: arg,
      onProgress: () => {
        lastByteMs = performance.now() - started;
      },
    });
    report = { opMs: performance.now() - started, verified: result.verified, sha256: result.files[0]?.sha256 ?? "", ...(lastByteMs === undefined ? {} : { lastByteMs }) };
  } else {
    throw new Error(`unknown phase ${phase}`);
  }
  process.stdout.write(`${PREFIX}${JSON.stringify(report)}\n`);
  process.exit(0);
}

/** Busy core-milliseconds of the whole machine so far. */
function machineBusyMs(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const busy = fields.reduce((a, b) => a + b, 0) - (fields[3] ?? 0) - (fields[4] ?? 0);
  return (busy * 1000) / 100;
}

interface Timed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
  readonly sysCpuMs: number;
}

/** Runs a command under GNU time: its wall, user + system CPU and peak RSS. */
function timed(command: string, args: readonly string[]): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), "podkit-probe-time-"));
  const out = join(dir, "t");
  return new Promise((resolve, reject) => {
    const busy = machineBusyMs();
    const started = performance.now();
    const proc = spawn(TIME, ["-f", "%U %S %M", "-o", out, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    proc.on("error", reject);
    proc.on("close", (code) => {
      const ms = performance.now() - started;
      const sysCpuMs = machineBusyMs() - busy;
      const last = readFileSync(out, "utf8").trim().split("\n").at(-1) ?? "";
      rmSync(dir, { recursive: true, force: true });
      const [user, system, rss] = last.split(" ").map(Number);
      resolve({ code, stdout, stderr, ms, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, rssMiB: (rss ?? 0) / 1024, sysCpuMs });
    });
  });
}

const target = resolveTarget();
const k = (args: readonly string[]): Promise<string> => kubectl(target, ["-n", namespace, ...args], 600_000);

const before = process.env["PODKIT_PROBE_BEFORE"];

async function podkit(phase: string, arg: string, who: Who = "podkit"): Promise<Timed & { report: ChildReport }> {
  const t = await timed(process.execPath, [who === "before" ? (before as string) : import.meta.filename, "--child", phase, target.kubeconfig, arg]);
  const line = t.stdout.split("\n").find((l) => l.startsWith(PREFIX));
  if (t.code !== 0 || line === undefined) throw new Error(`podkit ${phase} failed (${t.code}): ${t.stderr.slice(-2000)}`);
  return { ...t, report: JSON.parse(line.slice(PREFIX.length)) as ChildReport };
}

async function kube(args: readonly string[]): Promise<Timed> {
  const t = await timed(target.kubectl, ["--kubeconfig", target.kubeconfig, "-n", namespace, ...args]);
  if (t.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${t.code}): ${t.stderr.slice(-2000)}`);
  return t;
}

async function fileSha256(path: string, algorithm = "sha256"): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Size and sha256 of the uploaded file, as the pod sees them. */
async function remoteFile(): Promise<string> {
  return (await k(["exec", POD, "-c", "main", "--", "sh", "-c", `stat -c %s ${DIR}/in.bin; sha256sum < ${DIR}/in.bin`])).replace(/\s+-?\s*$/, "").replace(/\s+/, " ");
}

async function main(): Promise<void> {
  const bytes = Number(process.argv[2] ?? 100_000_000);
  const rounds = Number(process.argv[3] ?? 3);
  const phases = (process.argv[4] ?? "up,verify,down").split(",");
  await ensureNamespace(target, namespace);
  const input = join(tmpdir(), `podkit-probe-${bytes}.bin`);
  if (!existsSync(input) || statSync(input).size !== bytes) {
    const handle = await open(input, "w");
    for (let done = 0; done < bytes; ) {
      const n = Math.min(16 * 1024 * 1024, bytes - done);
      await handle.write(randomBytes(n));
      done += n;
    }
    await handle.close();
  }
  const floorInput = join(tmpdir(), "podkit-probe-floor.bin");
  writeFileSync(floorInput, "x");
  const digest = await fileSha256(input);
  const md5 = await fileSha256(input, "md5");
  const expected = `${bytes} ${digest}`;

  await k(["delete", "pod", POD, "--ignore-not-found", "--wait=true"]);
  const overrides = {
    spec: {
      volumes: [{ name: "work", emptyDir: {} }],
      containers: [{ name: "main", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "36000"], volumeMounts: [{ name: "work", mountPath: DIR }] }],
    },
  };
  await k(["run", POD, "--image=busybox", "--restart=Never", `--overrides=${JSON.stringify(overrides)}`]);
  await k(["wait", "--for=condition=Ready", `pod/${POD}`, "--timeout=120s"]);

  const readings: Reading[] = [];
  const note = (r: Reading): void => {
    readings.push(r);
    const extra = r.lastByteMs === undefined ? "" : `, last byte at ${(r.lastByteMs / 1000).toFixed(2)} s`;
    console.log(`${r.phase.padEnd(6)} ${r.who.padEnd(7)} ${(r.ms / 1000).toFixed(2)} s (process ${(r.processMs / 1000).toFixed(2)} s${extra}), CPU ${(r.cpuMs / 1000).toFixed(2)} s, machine CPU ${(r.sysCpuMs / 1000).toFixed(2)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB, exact ${r.exact}`);
  };
  const localDir = mkdtempSync(join(tmpdir(), "podkit-probe-out-"));
  const clean = async (): Promise<void> => {
    await k(["exec", POD, "-c", "main", "--", "sh", "-c", `rm -f ${DIR}/in.bin ${DIR}/.podkit-ready; sync`]);
  };
  console.log(`${bytes.toLocaleString("en-US")} bytes, ${rounds} rounds, load ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  for (let round = 1; round <= rounds; round++) {
    const contenders: Who[] = before === undefined ? ["podkit", "kubectl"] : ["podkit", "before", "kubectl"];
    const order = round % 2 === 1 ? contenders : [...contenders].reverse();
    if (phases.includes("floor")) {
      const t = await podkit("floor", floorInput);
      note({ phase: "floor", who: "podkit", ms: t.report.opMs, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact: t.report.verified !== "size" });
    }
    for (const who of order) {
      if (phases.includes("up")) {
        await clean();
        if (who !== "kubectl") {
          const t = await podkit("up", input, who);
          const exact = t.report.sha256 === digest && (await remoteFile()) === expected;
          note({ phase: "up", who, ms: t.report.opMs, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact, ...(t.report.lastByteMs === undefined ? {} : { lastByteMs: t.report.lastByteMs }) });
        } else {
          const t = await kube(["cp", "-c", "main", input, `${POD}:${DIR}/in.bin`]);
          note({ phase: "up", who, ms: t.ms, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact: (await remoteFile()) === expected });
        }
      }
    }
    for (const who of order) {
      if (phases.includes("verify")) {
        if (who !== "kubectl") {
          const t = await podkit("verify", "-", who);
          note({ phase: "verify", who, ms: t.report.opMs, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact: (t.report.digest ?? t.report.sha256) === (t.report.verified === "md5" ? md5 : digest) });
        } else {
          const t = await kube(["exec", POD, "-c", "main", "--", "sha256sum", `${DIR}/in.bin`]);
          note({ phase: "verify", who, ms: t.ms, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact: t.stdout.startsWith(digest) });
        }
      }
    }
    for (const who of order) {
      if (phases.includes("down")) {
        rmSync(localDir, { recursive: true, force: true });
        const local = join(localDir, "in.bin");
        if (who !== "kubectl") {
          const t = await podkit("down", localDir, who);
          const exact = existsSync(local) && statSync(local).size === bytes && (await fileSha256(local)) === digest && t.report.sha256 === digest;
          note({ phase: "down", who, ms: t.report.opMs, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact, ...(t.report.lastByteMs === undefined ? {} : { lastByteMs: t.report.lastByteMs }) });
        } else {
          const t = await kube(["cp", "-c", "main", `${POD}:${DIR}/in.bin`, local]);
          const exact = existsSync(local) && statSync(local).size === bytes && (await fileSha256(local)) === digest;
          note({ phase: "down", who, ms: t.ms, processMs: t.ms, cpuMs: t.cpuMs, rssMiB: t.rssMiB, sysCpuMs: t.sysCpuMs, exact });
        }
      }
    }
  }
  rmSync(localDir, { recursive: true, force: true });
  await k(["delete", "pod", POD, "--ignore-not-found", "--wait=false"]);
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`\nload at the end ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  console.log("| phase | who | wall (s) | client CPU (s) | machine CPU (s) | peak RSS (MiB) | exact |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const phase of ["floor", ...phases.filter((p) => p !== "floor")]) {
    for (const who of ["podkit", "before", "kubectl"] as const) {
      const mine = readings.filter((r) => r.phase === phase && r.who === who);
      if (mine.length === 0) continue;
      console.log(
        `| ${phase} | ${who} | ${(med(mine.map((r) => r.ms)) / 1000).toFixed(2)} | ${(med(mine.map((r) => r.cpuMs)) / 1000).toFixed(2)} | ${(med(mine.map((r) => r.sysCpuMs)) / 1000).toFixed(2)} | ${med(mine.map((r) => r.rssMiB)).toFixed(0)} | ${mine.filter((r) => r.exact).length}/${mine.length} |`,
      );
    }
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
} else {
  await main();
  process.exit(0);
}
