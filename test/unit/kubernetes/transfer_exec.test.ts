import { KubeConfig } from "@kubernetes/client-node";
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { PassThrough, Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecConnectionError, execInPod, touchMarker, type ExecTarget } from "../../../lib/kubernetes/transfer/exec.ts";

// A fake API server speaking the exec half of the channel.k8s.io protocols, so the
// client side (framing, stdin close, backpressure, status) is specified without a cluster.
// `ws` comes with @kubernetes/client-node.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as {
  WebSocketServer: new (options: { port: number; handleProtocols: (protocols: Set<string>) => string | false }) => FakeServer;
};
interface FakeSocket {
  send(data: Buffer): void;
  close(): void;
  on(event: "message", listener: (data: Buffer) => void): void;
}
interface FakeServer {
  address(): AddressInfo;
  close(): void;
  on(event: "connection", listener: (socket: FakeSocket, request: { url: string }) => void): void;
}

/** What the scripted container holds, and how many archives it cuts in half. */
const scripted = {
  files: {} as Record<string, string>,
  /** A file whose digest the container misreports. */
  corrupt: undefined as string | undefined,
  /** The digest tool the container has (BusyBox has both; md5sum is taken first). */
  digest: "md5" as "md5" | "sha256" | "",
  truncate: 0,
  archives: 0,
  archive(names: readonly string[]): Buffer {
    const blocks: Buffer[] = [];
    for (const name of names) {
      const content = Buffer.from(this.files[name] ?? "");
      const header = Buffer.alloc(512);
      header.write(name, 0, 100, "utf8");
      header.write("0000644\0", 100);
      header.write("0000000\0", 108);
      header.write("0000000\0", 116);
      header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124);
      header.write("00000000000\0", 136);
      header.write("        ", 148);
      header.write("0", 156);
      header.write("ustar\0", 257);
      header.write("00", 263);
      let sum = 0;
      for (const byte of header) sum += byte;
      header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
      blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
  },
};

/** Unpacks an uploaded archive into the scripted container's files. */
async function unpackInto(files: Record<string, string>, archive: Buffer): Promise<void> {
  const { default: tar } = await import("tar-stream");
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === "file") files[entry.header.name] = Buffer.concat(chunks).toString("utf8");
    }
  })();
  extract.write(archive);
  (extract as unknown as { end(): void }).end();
  await reading;
}

let server: FakeServer;
let target: ExecTarget;
let protocol = "v5.channel.k8s.io";
const frame = (channel: number, data: Buffer | string): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
const success = (): Buffer => frame(3, JSON.stringify({ status: "Success" }));
const exit = (code: number): Buffer =>
  frame(3, JSON.stringify({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: String(code) }] } }));

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, handleProtocols: () => protocol });
  server.on("connection", (socket, request) => {
    const url = new URL(request.url, "http://localhost");
    const command = url.searchParams.getAll("command");
    const hash = createHash("sha256");
    let bytes = 0;
    const received: Buffer[] = [];
    socket.on("message", (data) => {
      if (data[0] === 0) {
        hash.update(data.subarray(1));
        bytes += data.length - 1;
        if (command[0] === "cat") socket.send(frame(1, data.subarray(1)));
        received.push(Buffer.from(data.subarray(1)));
      } else if (data[0] === 255 && data[1] === 0) {
        if (command[0] === "count") socket.send(frame(1, `${bytes} ${hash.digest("hex")}`));
        if (command[0] === "sh" && command[2]?.includes("tar -x")) {
          void unpackInto(scripted.files, Buffer.concat(received)).then(() => {
            socket.send(success());
            socket.close();
          });
          return;
        }
        socket.send(success());
        socket.close();
      }
    });
    switch (command[0]) {
      case "echo-args":
        socket.send(frame(1, JSON.stringify({ command, container: url.searchParams.get("container"), path: url.pathname })));
        socket.send(success());
        socket.close();
        break;
      case "fail":
        socket.send(frame(2, "boom\n"));
        socket.send(exit(Number(command[1])));
        socket.close();
        break;
      case "flood": {
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (let i = 0; i < Number(command[1]) * 16; i++) socket.send(frame(1, chunk));
        socket.send(success());
        socket.close();
        break;
      }
      case "missing":
        socket.send(frame(3, JSON.stringify({ status: "Failure", message: 'exec: "missing": executable file not found in $PATH' })));
        socket.close();
        break;
      case "drop":
        socket.send(frame(1, "partial"));
        socket.close();
        break;
      case "sh": {
        const script = command[2] ?? "";
        const names = command.slice(5).map((n) => n.replace(/^\.\//, ""));
        if (script.includes("exec find")) {
          socket.send(frame(1, Object.keys(scripted.files).map((n) => `f|./${n}\0`).join("")));
        } else if (script.includes("tar -c")) {
          scripted.archives++;
          const archive = scripted.archive(names);
          const cut = scripted.archives <= scripted.truncate ? archive.subarray(0, Math.floor(archive.length / 2)) : archive;
          for (let i = 0; i < cut.length; i += 16 * 1024) socket.send(frame(1, cut.subarray(i, i + 16 * 1024)));
        } else if (script.includes("tar -x")) {
          break; // answers once its standard input is closed
        } else if (script.includes("md5sum")) {
          const algorithm = scripted.digest;
          const lines = names.map((n) => {
            const content = scripted.files[n];
            if (content === undefined) return "missing";
            if (algorithm === "") return `${Buffer.byteLength(content)} -`;
            const digest = n === scripted.corrupt ? "0".repeat(algorithm === "md5" ? 32 : 64) : createHash(algorithm).update(content).digest("hex");
            return `${Buffer.byteLength(content)} ${digest}`;
          });
          socket.send(frame(1, [`hash=${algorithm}`, ...lines, ""].join("\n")));
        }
        socket.send(success());
        socket.close();
        break;
      }
    }
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "fake", server: `http://127.0.0.1:${server.address().port}`, skipTLSVerify: true }],
    users: [{ name: "fake" }],
    contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
    currentContext: "fake",
  });
  target = { kubeConfig, namespace: "ns one", pod: "demo", container: "main" };
});

afterAll(() => server.close());

function collect(): { stream: PassThrough; text: () => string; bytes: () => Buffer } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8"), bytes: () => Buffer.concat(chunks) };
}

describe("execInPod()", () => {
  it("passes every argument as it is, and the container, to the exec endpoint", async () => {
    const out = collect();
    const result = await execInPod(target, ["echo-args", "a b", "c&d=e", "ünï"], { stdout: out.stream });
    expect(result).toEqual({ exitCode: 0, stderr: "" });
    expect(JSON.parse(out.text())).toEqual({ command: ["echo-args", "a b", "c&d=e", "ünï"], container: "main", path: "/api/v1/namespaces/ns%20one/pods/demo/exec" });
  });

  it("streams stdin in frames and closes it on the v5 channel, then reads the status", async () => {
    const input = randomBytes(3 * 1024 * 1024 + 17);
    const out = collect();
    const result = await execInPod(target, ["count"], { stdin: Readable.from([input.subarray(0, 100), input.subarray(100)]), stdout: out.stream });
    expect(result.exitCode).toBe(0);
    expect(out.text()).toBe(`${input.length} ${createHash("sha256").update(input).digest("hex")}`);
  });

  it("resolves with a non-zero exit code and the standard error", async () => {
    expect(await execInPod(target, ["fail", "3"])).toEqual({ exitCode: 3, stderr: "boom\n" });
  });

  it("rejects when the executable cannot be started", async () => {
    await expect(execInPod(target, ["missing"])).rejects.toThrow(/executable file not found/);
  });

  it("rejects when the connection ends before the exit status", async () => {
    const error = await execInPod(target, ["drop"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecConnectionError);
    expect((error as ExecConnectionError).started).toBe(true);
    expect((error as Error).message).toMatch(/lost its connection before the exit status/);
  });

  it("holds the socket while standard output is slow, and loses nothing", async () => {
    let received = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        setTimeout(callback, 1);
      },
    });
    const result = await execInPod(target, ["flood", "8"], { stdout: slow });
    expect(result.exitCode).toBe(0);
    expect(received).toBe(8 * 1024 * 1024);
  });

  it("rejects when standard output fails, instead of waiting on a paused socket", async () => {
    const failing = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        setTimeout(() => callback(new Error("disk full")), 5);
      },
    });
    await expect(execInPod(target, ["flood", "8"], { stdout: failing })).rejects.toThrow("disk full");
  });

  it("rejects at once when aborted, with the signal's reason", async () => {
    const controller = new AbortController();
    const stdin = new PassThrough();
    const running = execInPod(target, ["count"], { stdin, signal: controller.signal });
    stdin.write(Buffer.alloc(1024));
    setTimeout(() => controller.abort(new Error("stop now")), 50);
    const started = Date.now();
    await expect(running).rejects.toThrow("stop now");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stdin.destroyed).toBe(true);
  });

  it("refuses to send standard input when the server does not speak v5", async () => {
    protocol = "v4.channel.k8s.io";
    try {
      await expect(execInPod(target, ["count"], { stdin: Readable.from([Buffer.from("x")]) })).rejects.toThrow(/Kubernetes 1.29/);
      expect((await execInPod(target, ["fail", "2"])).exitCode).toBe(2);
    } finally {
      protocol = "v5.channel.k8s.io";
    }
  });

  it("retries a refused connection a few times, then names the cause", async () => {
    const closed = new KubeConfig();
    closed.loadFromOptions({
      clusters: [{ name: "gone", server: "http://127.0.0.1:9", skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "gone", cluster: "gone", user: "u" }],
      currentContext: "gone",
    });
    const started = Date.now();
    const error = await execInPod({ ...target, kubeConfig: closed }, ["sh"], { connectRetries: 2 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/after 3 attempts\): connect ECONNREFUSED/);
    expect(error).toMatchObject({ name: "ExecConnectionError", started: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it("cuts a stalled command when asked to, as a lost connection", async () => {
    const stdin = new PassThrough();
    stdin.write(Buffer.alloc(10));
    const started = Date.now();
    const error = await execInPod(target, ["count"], { stdin, idleTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecConnectionError);
    expect((error as Error).message).toMatch(/stalled: nothing moved/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("rejects an empty command with a TypeError", async () => {
    await expect(execInPod(target, [])).rejects.toThrow(TypeError);
  });
});

describe("downloadOutputs() against a scripted container", () => {
  it("runs the archive step again when it arrives truncated although tar succeeded", async () => {
    const { downloadOutputs } = await import("../../../lib/kubernetes/transfer/download.ts");
    const { mkdtemp, readFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    scripted.files = { "out.txt": "x".repeat(100_000), "other.log": "no" };
    scripted.truncate = 1;
    scripted.archives = 0;
    const dir = await mkdtemp(join(tmpdir(), "podkit-scripted-"));
    try {
      const result = await downloadOutputs(target, { workingDir: "/work", globs: ["*.txt"], outputDir: dir, retries: 2 });
      expect(scripted.archives).toBe(2);
      expect(result.files.map((f) => [f.name, f.size])).toEqual([["out.txt", 100_000]]);
      expect(await readFile(join(dir, "out.txt"), "utf8")).toBe(scripted.files["out.txt"]);

      scripted.truncate = 10;
      scripted.archives = 0;
      await expect(downloadOutputs(target, { workingDir: "/work", globs: ["*.txt"], outputDir: dir, retries: 1 })).rejects.toThrow(/arrived truncated/);
      expect(scripted.archives).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("uploadInputs() against a scripted container", () => {
  it("sends one archive, checks every file, and names the one that arrived different", async () => {
    const { uploadInputs } = await import("../../../lib/kubernetes/transfer/upload.ts");
    scripted.files = {};
    scripted.corrupt = undefined;
    const result = await uploadInputs(target, {
      workingDir: "/work",
      files: [
        { name: "a.txt", content: "alpha" },
        { name: "nested/b.txt", content: "beta" },
      ],
    });
    expect(result.verified).toBe("md5");
    expect(scripted.files).toEqual({ "a.txt": "alpha", "nested/b.txt": "beta" });

    scripted.corrupt = "nested/b.txt";
    await expect(uploadInputs(target, { workingDir: "/work", files: [{ name: "nested/b.txt", content: "beta" }] })).rejects.toThrow(
      /Input file "nested\/b.txt" arrived with md5 0{32} .*, 987bcab01b929eb2c07877b224215c92 was sent/,
    );
    // A container with sha256sum only is checked with it; one with neither, by size.
    scripted.digest = "sha256";
    expect((await uploadInputs(target, { workingDir: "/work", files: [{ name: "a.txt", content: "alpha" }] })).verified).toBe("sha256");
    await expect(uploadInputs(target, { workingDir: "/work", files: [{ name: "nested/b.txt", content: "beta" }] })).rejects.toThrow(
      /Input file "nested\/b.txt" arrived with sha256 0{64}/,
    );
    scripted.digest = "";
    expect((await uploadInputs(target, { workingDir: "/work", files: [{ name: "nested/b.txt", content: "beta" }] })).verified).toBe("size");
    scripted.digest = "md5";
    scripted.corrupt = undefined;
    await expect(uploadInputs(target, { workingDir: "relative", files: [] })).rejects.toThrow(TypeError);
  });
});

describe("touchMarker()", () => {
  it("resolves when the shell succeeds", async () => {
    await expect(touchMarker(target, "/podkit/work/.podkit-ready")).resolves.toBeUndefined();
  });
});

describe("retryOnConnectionLoss()", () => {
  it("runs a step again after a lost connection, and not after any other error", async () => {
    const { retryOnConnectionLoss } = await import("../../../lib/kubernetes/transfer/_retry.ts");
    const { ExecConnectionError } = await import("../../../lib/kubernetes/transfer/exec.ts");
    let calls = 0;
    const value = await retryOnConnectionLoss(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new ExecConnectionError("lost", { started: true });
        return "done";
      },
      { retries: 3, baseDelayMs: 1 },
    );
    expect([value, calls]).toEqual(["done", 3]);

    calls = 0;
    await expect(
      retryOnConnectionLoss(
        async () => {
          calls++;
          throw new Error("tar exited with code 2");
        },
        { retries: 3, baseDelayMs: 1 },
      ),
    ).rejects.toThrow("tar exited");
    expect(calls).toBe(1);

    await expect(
      retryOnConnectionLoss(
        async () => {
          throw new ExecConnectionError("still lost", { started: false });
        },
        { retries: 2, baseDelayMs: 1 },
      ),
    ).rejects.toBeInstanceOf(ExecConnectionError);
  });

  it("stops waiting when aborted", async () => {
    const { retryOnConnectionLoss } = await import("../../../lib/kubernetes/transfer/_retry.ts");
    const { ExecConnectionError } = await import("../../../lib/kubernetes/transfer/exec.ts");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 20);
    await expect(
      retryOnConnectionLoss(
        async () => {
          throw new ExecConnectionError("lost", { started: true });
        },
        { retries: 5, baseDelayMs: 5_000, signal: controller.signal },
      ),
    ).rejects.toThrow("enough");
  });
});
