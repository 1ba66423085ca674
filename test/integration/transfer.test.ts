/**
 * File transfer against a real cluster: exec over the v5 protocol, verified uploads of
 * every kind of content, glob-selected downloads, hostile outputs refused without writing
 * outside the output directory, a 200 MB round trip in bounded memory, and abort.
 *
 * The pod is a plain BusyBox container with an emptyDir at the working directory, created
 * here, so these tests depend on nothing but the transfer modules.
 */
import { CoreV1Api, KubeConfig, type V1Container, type V1Pod, type V1PodSecurityContext } from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createServer, connect, type Socket } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { downloadOutputs } from "../../lib/kubernetes/transfer/download.ts";
import { execInPod, touchMarker, type ExecTarget } from "../../lib/kubernetes/transfer/exec.ts";
import { uploadInputs } from "../../lib/kubernetes/transfer/upload.ts";
import { kubeconfigPath } from "./_cluster.ts";

const NAMESPACE = "default";
const WORK = "/podkit/work";
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const LABELS = { "podkit.test/suite": "transfer" };
const BIG = 200 * 1024 * 1024;

let kubeConfig: KubeConfig;
let core: CoreV1Api;
let target: ExecTarget;
let local: string;
const created: string[] = [];

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

async function createPod(name: string, container: Partial<V1Container> = {}, podSecurity?: V1PodSecurityContext): Promise<ExecTarget> {
  const body: V1Pod = {
    metadata: { name, namespace: NAMESPACE, labels: LABELS },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 0,
      ...(podSecurity === undefined ? {} : { securityContext: podSecurity }),
      containers: [{ name: "main", image: "busybox", command: ["sleep", "600"], volumeMounts: [{ name: "work", mountPath: WORK }], ...container }],
      volumes: [{ name: "work", emptyDir: {} }],
    },
  };
  await core.createNamespacedPod({ namespace: NAMESPACE, body });
  created.push(name);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const pod = await core.readNamespacedPod({ name, namespace: NAMESPACE });
    if (pod.status?.phase === "Running" && pod.status.containerStatuses?.every((c) => c.ready)) break;
    if (Date.now() > deadline) throw new Error(`Pod "${name}" is not running after 120 s: ${JSON.stringify(pod.status?.containerStatuses)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { kubeConfig, namespace: NAMESPACE, pod: name, container: "main" };
}

/** Runs a shell script in the pod and returns its standard output; fails on a non-zero exit. */
async function sh(script: string, on: ExecTarget = target): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const { exitCode, stderr } = await execInPod(on, ["sh", "-c", script], { stdout });
  if (exitCode !== 0) throw new Error(`Script failed with exit code ${exitCode}: ${stderr}\n${script}`);
  return Buffer.concat(chunks).toString("utf8");
}

/** Every path under `dir`, relative, links not followed. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    out.push(entry.name);
    if (entry.isDirectory()) out.push(...(await walk(join(dir, entry.name))).map((p) => join(entry.name, p)));
  }
  return out.sort();
}

/** Writes `size` random bytes to `path` and returns their sha256. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(4 * 1024 * 1024, size - written));
    hash.update(chunk);
    written += chunk.length;
    if (!out.write(chunk)) await new Promise((r) => out.once("drain", () => r(undefined)));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest("hex");
}

beforeAll(async () => {
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath());
  core = kubeConfig.makeApiClient(CoreV1Api);
  local = await mkdtemp(join(tmpdir(), "podkit-transfer-it-"));
  target = await createPod(`transfer-${suffix}`);
});

afterAll(async () => {
  for (const name of created) {
    await core.deleteNamespacedPod({ name, namespace: NAMESPACE, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  if (local !== undefined) await rm(local, { recursive: true, force: true });
});

describe("execInPod() on a real cluster", () => {
  test("returns exit codes, standard output and standard error", async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (c: Buffer) => chunks.push(c));
    expect(await execInPod(target, ["sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 7"], { stdout })).toEqual({ exitCode: 7, stderr: "err\n" });
    expect(Buffer.concat(chunks).toString()).toBe("out\n");
    expect((await execInPod(target, ["true"])).exitCode).toBe(0);
    expect((await execInPod(target, ["false"])).exitCode).toBe(1);
  });

  test("closes standard input so that the command sees EOF", async () => {
    const input = randomBytes(5 * 1024 * 1024);
    const out = await (async () => {
      const stdout = new PassThrough();
      const chunks: Buffer[] = [];
      stdout.on("data", (c: Buffer) => chunks.push(c));
      const { exitCode } = await execInPod(target, ["sha256sum"], { stdin: Readable.from([input]), stdout });
      expect(exitCode).toBe(0);
      return Buffer.concat(chunks).toString();
    })();
    expect(out.split(/\s+/)[0]).toBe(sha256(input));
  });

  test("rejects when the executable does not exist, or the container or pod does not", async () => {
    await expect(execInPod(target, ["no-such-binary"])).rejects.toThrow(/no-such-binary/);
    await expect(execInPod({ ...target, container: "nope" }, ["true"])).rejects.toThrow(/Cannot exec/);
    await expect(execInPod({ ...target, pod: `missing-${suffix}` }, ["true"])).rejects.toThrow(/Cannot exec/);
  });

  test("touchMarker() creates the marker, and fails loudly where it cannot", async () => {
    await touchMarker(target, `${WORK}/.podkit-test-marker`);
    expect(await sh(`ls -a ${WORK}`)).toContain(".podkit-test-marker");
    await expect(touchMarker(target, "/proc/forbidden/marker")).rejects.toThrow(/Cannot create "\/proc\/forbidden\/marker"/);
  });
});

describe("uploadInputs() on a real cluster", () => {
  test("uploads text, bytes, local files, Node and web streams, nested names; verifies them; creates the marker", async () => {
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    const onDisk = join(local, "on-disk.bin");
    const diskBytes = randomBytes(1_000_000);
    await writeFile(onDisk, diskBytes);
    const progress: [number, number | undefined][] = [];
    const result = await uploadInputs(target, {
      workingDir: WORK,
      marker: ".podkit-ready",
      onProgress: (n, total) => progress.push([n, total]),
      files: [
        { name: "data.txt", content: "line one\nline two\n" },
        { name: "bytes.bin", content: bytes },
        { name: "deep/er/on-disk.bin", content: { path: onDisk } },
        { name: "node-stream.txt", content: Readable.from([Buffer.from("from a "), Buffer.from("Node stream")]) },
        { name: "web-stream.txt", content: new Blob(["from a web stream"]).stream() },
        { name: "with space/ünïcødé ☃.txt", content: "unicode" },
        { name: "empty", content: "" },
      ],
    });
    expect(result.verified).toBe("md5");
    expect(result.files.map((f) => f.name)).toEqual(["data.txt", "bytes.bin", "deep/er/on-disk.bin", "node-stream.txt", "web-stream.txt", "with space/ünïcødé ☃.txt", "empty"]);
    expect(result.bytes).toBe(18 + 256 + 1_000_000 + 18 + 17 + 7 + 0);
    expect(progress.at(-1)).toEqual([result.bytes, result.bytes]);

    const inPod = await sh(`cd ${WORK} && sha256sum data.txt bytes.bin deep/er/on-disk.bin node-stream.txt web-stream.txt 'with space/ünïcødé ☃.txt' empty`);
    const sums = Object.fromEntries(inPod.trim().split("\n").map((line) => [line.slice(66), line.slice(0, 64)]));
    expect(sums).toEqual({
      "data.txt": sha256("line one\nline two\n"),
      "bytes.bin": sha256(bytes),
      "deep/er/on-disk.bin": sha256(diskBytes),
      "node-stream.txt": sha256("from a Node stream"),
      "web-stream.txt": sha256("from a web stream"),
      "with space/ünïcødé ☃.txt": sha256("unicode"),
      empty: sha256(""),
    });
    for (const file of result.files) expect(file.sha256).toBe(sums[file.name]);
    expect(await sh(`cat ${WORK}/data.txt`)).toBe("line one\nline two\n");
    expect(await sh(`test -f ${WORK}/.podkit-ready && echo marker`)).toBe("marker\n");
  });

  test("reports what tar says when the working directory cannot take the files", async () => {
    await sh(`mkdir -p ${WORK}/blocked && echo x > ${WORK}/blocked/file`);
    await expect(uploadInputs(target, { workingDir: WORK, files: [{ name: "blocked/file/child.txt", content: "x" }] })).rejects.toThrow(/tar exited with code/);
  });
});

describe("downloadOutputs() on a real cluster", () => {
  test("brings back only the files matching the globs, verified", async () => {
    await sh(
      [
        `cd ${WORK}`,
        "mkdir -p out/sub logs",
        "printf 'alpha\\n' > out/a.txt",
        "printf 'beta' > out/sub/b.txt",
        "printf 'not me' > out/c.csv",
        "printf 'log' > logs/run.log",
        "head -c 3000000 /dev/urandom > out/sub/random.txt",
      ].join(" && "),
    );
    const outputDir = join(local, "globbed");
    const progress: number[] = [];
    const result = await downloadOutputs(target, { workingDir: WORK, globs: ["out/**/*.txt"], outputDir, onProgress: (n) => progress.push(n) });
    expect(result.files.map((f) => f.name)).toEqual(["out/a.txt", "out/sub/b.txt", "out/sub/random.txt"]);
    expect(result.refused).toEqual([]);
    expect(result.verified).toBe("md5");
    expect(await walk(outputDir)).toEqual(["out", "out/a.txt", "out/sub", "out/sub/b.txt", "out/sub/random.txt"]);
    expect(await readFile(join(outputDir, "out/a.txt"), "utf8")).toBe("alpha\n");
    const remote = (await sh(`cd ${WORK} && sha256sum out/sub/random.txt`)).slice(0, 64);
    expect(result.files[2]?.sha256).toBe(remote);
    expect(sha256(await readFile(join(outputDir, "out/sub/random.txt")))).toBe(remote);
    expect(result.bytes).toBe(6 + 4 + 3_000_000);
    expect(progress.at(-1)).toBeGreaterThanOrEqual(result.bytes);
  });

  test("a local failure stops the command in the pod and is reported as it is", async () => {
    await sh(`mkdir -p ${WORK}/out && printf x > ${WORK}/out/local.txt`);
    const notADirectory = join(local, "plain-file");
    await writeFile(notADirectory, "x");
    const started = Date.now();
    await expect(downloadOutputs(target, { workingDir: WORK, globs: ["out/**"], outputDir: notADirectory })).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("never takes podkit's markers, and takes nothing when nothing matches", async () => {
    await touchMarker(target, `${WORK}/.podkit-ended`);
    const all = await downloadOutputs(target, { workingDir: WORK, globs: ["*"], outputDir: join(local, "all") });
    expect(all.files.map((f) => f.name).filter((n) => n.startsWith(".podkit-"))).toEqual([]);
    const none = await downloadOutputs(target, { workingDir: WORK, globs: ["nothing/**"], outputDir: join(local, "none") });
    expect(none).toEqual({ files: [], refused: [], bytes: 0, verified: "md5" });
  });

  test("refuses hostile outputs and writes nothing outside the output directory", async () => {
    // mknod needs CAP_MKNOD, which the default container runtime profile grants; if it is
    // missing the device case is simply absent.
    const mknod = await sh(
      [
        `cd ${WORK} && mkdir -p hostile/dir`,
        "ln -s / hostile/root",
        "ln -s /etc/passwd hostile/passwd",
        "ln -s /etc hostile/etc",
        "ln -s ../../.. hostile/up",
        "mkfifo hostile/fifo",
        "printf legit > hostile/a..b",
        "printf 'dots' > 'hostile/..dots'",
        "printf inside > hostile/dir/inside.txt",
        "ln hostile/dir/inside.txt hostile/hardlink",
        `printf bytes > "hostile/$(printf 'not-utf8-\\377')"`,
        "(mknod hostile/null c 1 3 && echo mknod) || echo no-mknod",
      ].join(" && "),
    );
    const base = await mkdtemp(join(local, "hostile-"));
    const outputDir = join(base, "out");
    const result = await downloadOutputs(target, {
      workingDir: WORK,
      globs: ["hostile/**", "hostile/root/etc/*", "hostile/etc/passwd", "hostile/up/**"],
      outputDir,
    });
    // Nothing beside the output directory, and only regular files inside it.
    expect(await readdir(base)).toEqual(["out"]);
    const written = await walk(outputDir);
    for (const path of written) {
      const stat = await lstat(join(outputDir, path));
      expect(stat.isFile() || stat.isDirectory(), path).toBe(true);
    }
    const names = result.files.map((f) => f.name);
    // A hard link in the pod is just another name of a regular file: its bytes are copied.
    expect(names).toEqual(["hostile/..dots", "hostile/a..b", "hostile/dir/inside.txt", "hostile/hardlink"]);
    expect(await readFile(join(outputDir, "hostile/hardlink"), "utf8")).toBe("inside");
    expect(await readFile(join(outputDir, "hostile/a..b"), "utf8")).toBe("legit");
    const refused = Object.fromEntries(result.refused.map((r) => [r.name, r.type]));
    expect(refused).toMatchObject({ "hostile/root": "symlink", "hostile/passwd": "symlink", "hostile/etc": "symlink", "hostile/up": "symlink", "hostile/fifo": "fifo" });
    if (mknod.includes("no-mknod")) expect(refused["hostile/null"]).toBeUndefined();
    else expect(refused["hostile/null"]).toBe("character-device");
    expect(result.refused.find((r) => r.name.startsWith("hostile/not-utf8-"))?.reason).toMatch(/UTF-8/);
    for (const entry of result.refused) expect(entry.reason).not.toBe("");
    expect(written.filter((p) => relative(outputDir, join(outputDir, p)).startsWith(".."))).toEqual([]);
  });
});

describe("other images and restrictive security contexts", () => {
  test("GNU tar in debian:stable-slim as a non-root user with a read-only root file system, long names included", async () => {
    const restricted = await createPod(
      `transfer-debian-${suffix}`,
      {
        image: "debian:stable-slim",
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        },
      },
      { seccompProfile: { type: "RuntimeDefault" }, fsGroup: 1000 },
    );
    const longName = `${"d".repeat(120)}/${"e".repeat(120)}/${"f".repeat(60)}.txt`;
    const up = await uploadInputs(restricted, {
      workingDir: WORK,
      marker: ".podkit-ready",
      files: [
        { name: "in.txt", content: "debian\n" },
        { name: longName, content: "long" },
      ],
    });
    expect(up.verified).toBe("md5");
    expect(await sh(`cd ${WORK} && id -u && cat in.txt && cat ${longName} && ls -ln in.txt | awk '{print $3}'`, restricted)).toBe("1000\ndebian\nlong1000\n");
    await sh(`cd ${WORK} && cp in.txt out.txt && ln -s /etc/shadow out-link.txt`, restricted);
    const outputDir = join(local, "debian");
    const down = await downloadOutputs(restricted, { workingDir: WORK, globs: ["*.txt", "d*/**"], outputDir });
    expect(down.files.map((f) => f.name)).toEqual([longName, "in.txt", "out.txt"]);
    expect(down.refused).toEqual([{ name: "out-link.txt", type: "symlink", reason: expect.stringMatching(/symbolic/) }]);
    expect(down.verified).toBe("md5");
    expect(await readFile(join(outputDir, longName), "utf8")).toBe("long");
  });

  test("without md5sum or sha256sum in the image, checks sizes and says so", async () => {
    // Only the tools podkit needs, reached through PATH; md5sum and sha256sum are not among them.
    // (Debian, because BusyBox's shell finds its own applets whatever PATH says.)
    const tools = ["/bin/sh", "/bin/tar", "/usr/bin/find", "/usr/bin/wc"];
    const bare = await createPod(`transfer-bare-${suffix}`, {
      image: "debian:stable-slim",
      command: ["/bin/sh", "-c", `/bin/mkdir /tools && for t in ${tools.join(" ")}; do /bin/ln -s $t /tools/; done && exec /bin/sleep 600`],
      env: [{ name: "PATH", value: "/tools" }],
    });
    const deadline = Date.now() + 30_000;
    while ((await execInPod(bare, ["sh", "-c", "true"]).catch(() => undefined))?.exitCode !== 0) {
      if (Date.now() > deadline) throw new Error("The bare pod's tools never appeared");
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await sh("command -v md5sum || command -v sha256sum || echo none", bare)).toBe("none\n");
    const up = await uploadInputs(bare, { workingDir: WORK, files: [{ name: "in.bin", content: randomBytes(10_000) }] });
    expect(up.verified).toBe("size");
    const down = await downloadOutputs(bare, { workingDir: WORK, globs: ["in.bin"], outputDir: join(local, "bare") });
    expect(down.verified).toBe("size");
    expect(down.files[0]?.sha256).toBe(up.files[0]?.sha256);
  });
});

describe("a lost connection to the API server", () => {
  test("an upload and a download cut in the middle are run again and arrive whole", async () => {
    // A TCP proxy in front of the API server, whose connections the test cuts once
    // mid-transfer, as an API server restart would.
    const upstream = new URL(kubeConfig.getCurrentCluster()?.server ?? "");
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const server = connect(Number(upstream.port || 443), upstream.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as { port: number }).port;
    const cut = (): void => {
      for (const s of sockets) s.destroy();
    };
    try {
      const viaProxy = new KubeConfig();
      viaProxy.loadFromOptions({
        clusters: kubeConfig.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` })),
        users: kubeConfig.users,
        contexts: kubeConfig.contexts,
        currentContext: kubeConfig.currentContext,
      });
      const flaky = { ...target, kubeConfig: viaProxy };
      const source = join(local, "cut.bin");
      const digest = await randomFile(source, 60 * 1024 * 1024);

      let cuts = 0;
      const starts: number[] = [];
      const up = await uploadInputs(flaky, {
        workingDir: WORK,
        files: [{ name: "cut/cut.bin", content: { path: source } }],
        onProgress: (bytes) => {
          if (bytes === 0) starts.push(Date.now());
          if (bytes > 20 * 1024 * 1024 && cuts === 0) {
            cuts++;
            cut();
          }
        },
      });
      expect(cuts).toBe(1);
      expect(starts.length).toBe(2);
      expect(up.files[0]?.sha256).toBe(digest);
      expect((await sh(`sha256sum ${WORK}/cut/cut.bin`)).slice(0, 64)).toBe(digest);

      let downCuts = 0;
      const down = await downloadOutputs(flaky, {
        workingDir: WORK,
        globs: ["cut/*"],
        outputDir: join(local, "cut-back"),
        onProgress: (bytes) => {
          if (bytes > 20 * 1024 * 1024 && downCuts === 0) {
            downCuts++;
            cut();
          }
        },
      });
      expect(downCuts).toBe(1);
      expect(down.files[0]?.sha256).toBe(digest);
      expect(sha256(await readFile(join(local, "cut-back/cut/cut.bin")))).toBe(digest);
      await sh(`rm -rf ${WORK}/cut`);
    } finally {
      cut();
      proxy.close();
    }
  });
});

describe("large files", () => {
  test(
    "a 200 MB file round-trips byte-exact with the driving process's memory far below the file size",
    async () => {
      const source = join(local, "big.bin");
      const digest = await randomFile(source, BIG);
      const back = join(local, "big-back");
      // A child process of its own, so that the figure is the transfer's, not the test runner's.
      const child = `
        import { KubeConfig } from "@kubernetes/client-node";
        const { uploadInputs } = await import(${JSON.stringify(new URL("../../lib/kubernetes/transfer/upload.ts", import.meta.url).href)});
        const { downloadOutputs } = await import(${JSON.stringify(new URL("../../lib/kubernetes/transfer/download.ts", import.meta.url).href)});
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromFile(process.env.KUBECONFIG_PATH);
        const target = { kubeConfig, namespace: ${JSON.stringify(NAMESPACE)}, pod: ${JSON.stringify(target.pod)}, container: "main" };
        const baseKb = process.resourceUsage().maxRSS;
        let t = performance.now();
        const up = await uploadInputs(target, { workingDir: ${JSON.stringify(WORK)}, files: [{ name: "big/big.bin", content: { path: ${JSON.stringify(source)} } }] });
        const upMs = performance.now() - t;
        const afterUpKb = process.resourceUsage().maxRSS;
        t = performance.now();
        const down = await downloadOutputs(target, { workingDir: ${JSON.stringify(WORK)}, globs: ["big/*.bin"], outputDir: ${JSON.stringify(back)} });
        const downMs = performance.now() - t;
        console.log(JSON.stringify({ up: up.files[0], upVerified: up.verified, down: down.files[0], downVerified: down.verified, upMs, downMs, baseKb, afterUpKb, peakKb: process.resourceUsage().maxRSS }));
      `;
      const cwd = fileURLToPath(new URL("../..", import.meta.url));
      const output = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ["--input-type=module", "-e", child], { cwd, env: { ...process.env, KUBECONFIG_PATH: kubeconfigPath() }, timeout: 280_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      const figures = JSON.parse(output.trim().split("\n").at(-1) as string) as {
        up: { size: number; sha256: string };
        down: { size: number; sha256: string; path: string };
        upVerified: string;
        downVerified: string;
        upMs: number;
        downMs: number;
        baseKb: number;
        afterUpKb: number;
        peakKb: number;
      };
      const mb = (kb: number): number => Math.round(kb / 1024);
      console.log(
        `200 MB: upload ${figures.upMs.toFixed(0)} ms (${(200_000 / figures.upMs).toFixed(1)} MB/s), download ${figures.downMs.toFixed(0)} ms (${(200_000 / figures.downMs).toFixed(1)} MB/s); ` +
          `peak RSS ${mb(figures.peakKb)} MB (${mb(figures.baseKb)} MB before the transfers, with @kubernetes/client-node loaded; +${mb(figures.peakKb - figures.baseKb)} MB for the transfers)`,
      );
      expect(figures.up).toMatchObject({ size: BIG, sha256: digest });
      expect(figures.down).toMatchObject({ size: BIG, sha256: digest });
      expect(figures.upVerified).toBe("md5");
      expect(figures.downVerified).toBe("md5");
      expect(sha256(await readFile(figures.down.path))).toBe(digest);
      // The file is 200 MB; the transfers add buffers, never the file. What they add is
      // mostly garbage Buffers awaiting collection: V8 collects after about 64 MB of
      // external allocations, whatever the file size.
      expect(mb(figures.peakKb - figures.baseKb)).toBeLessThan(100);
      await sh(`rm -rf ${WORK}/big`);
    },
    300_000,
  );

  test("an abort during a large upload rejects at once with the reason", async () => {
    const source = join(local, "abort.bin");
    await randomFile(source, 100 * 1024 * 1024);
    const controller = new AbortController();
    let sent = 0;
    let abortedAt = 0;
    const uploading = uploadInputs(target, {
      workingDir: WORK,
      files: [{ name: "aborted/abort.bin", content: { path: source } }],
      signal: controller.signal,
      onProgress: (bytes) => {
        sent = bytes;
        if (bytes > 10 * 1024 * 1024 && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort(new Error("stopped by the test"));
        }
      },
    });
    await expect(uploading).rejects.toThrow("stopped by the test");
    const rejectedAfterMs = Date.now() - abortedAt;
    console.log(`abort during a 100 MB upload: rejected ${rejectedAfterMs} ms after the abort, ${(sent / 1048576).toFixed(1)} MB sent`);
    expect(rejectedAfterMs).toBeLessThan(1_000);
    expect(sent).toBeLessThan(100 * 1024 * 1024);
    // The pod is still usable afterwards.
    expect(await sh("echo alive")).toBe("alive\n");
  });
});
