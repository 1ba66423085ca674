import type { ClusterAccess } from "../kubeconfig.ts";
import type { Readable, Writable } from "node:stream";
import { Backoff } from "../backoff.ts";
import { transportFor, type ChannelSocket } from "../transport/transport.ts";
import { exitCodeOfStatus } from "./_status.ts";

/** The container a command runs in. */
export interface ExecTarget {
  /** Credentials and API server; read afresh at each connection (tokens are refreshed). */
  readonly kubeConfig: ClusterAccess;
  /** Namespace of the pod. */
  readonly namespace: string;
  /** Pod name. */
  readonly pod: string;
  /** Container name within the pod. */
  readonly container: string;
}

/** Options of {@link execInPod}. */
export interface ExecOptions {
  /**
   * Standard input of the command, streamed with backpressure; its end closes the
   * command's standard input (EOF). Any async iterable of bytes works (a `tar-stream`
   * pack, a web `ReadableStream`). Without it the command gets no standard input.
   */
  readonly stdin?: NodeJS.ReadableStream | Readable | AsyncIterable<Uint8Array | string>;
  /**
   * Receives the command's standard output, with backpressure (the socket is paused while
   * the writable is full). Without it standard output is discarded.
   */
  readonly stdout?: Writable;
  /**
   * End `stdout` when the command exits, and wait until it has finished (all data flushed)
   * before resolving.
   * @default true
   */
  readonly endStdout?: boolean;
  /** Aborts the command: the connection is closed and the call rejects with the reason. */
  readonly signal?: AbortSignal;
  /**
   * Fail with an {@link ExecConnectionError} when nothing moves on the connection (no
   * frame received, no stdin frame written, no local drain) for this long: a stalled
   * stream, not a slow one. Leave unset for commands that may legitimately stay silent.
   * @default no limit
   */
  readonly idleTimeoutMs?: number;
  /**
   * How the command is named in error messages.
   * @default the command line, shortened
   */
  readonly label?: string;
  /**
   * How many more times to try opening the connection when the API server refuses or
   * resets it, or answers 429 or 5xx (the command has not started then), with backoff.
   * @default 4
   */
  readonly connectRetries?: number;
  /**
   * At most this many bytes of standard error are kept (the first ones).
   * @default 65536
   */
  readonly maxStderrBytes?: number;
}

/** How a command ended. */
export interface ExecResult {
  /** Exit code the container runtime reported. */
  readonly exitCode: number;
  /** Standard error, decoded as UTF-8, truncated to `maxStderrBytes`. */
  readonly stderr: string;
}

/**
 * The connection to the API server failed: it could not be opened (after the retries), or
 * it was lost before the command's exit status arrived. `started` tells whether the
 * command may have run (the connection had been opened). Transfers catch it to retry.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { execInPod, ExecConnectionError } from "./exec.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * try {
 *   await execInPod({ kubeConfig, namespace: "default", pod: "demo", container: "main" }, ["true"]);
 * } catch (error) {
 *   if (error instanceof ExecConnectionError && !error.started) console.log("nothing ran; try again later");
 * }
 * ```
 */
export class ExecConnectionError extends Error {
  /** Always `"ExecConnectionError"`. */
  override readonly name = "ExecConnectionError";
  /** True when the connection had been opened, so the command may have run. */
  readonly started: boolean;

  constructor(message: string, options: { readonly started: boolean; readonly cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.started = options.started;
  }
}

/** Channel numbers of the `channel.k8s.io` protocols. */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;
const V5 = "v5.channel.k8s.io";
/** `WebSocket.OPEN` and `WebSocket.CLOSED`. */
const OPEN = 1;
const CLOSED = 3;

/** Largest payload of one stdin frame. */
const FRAME_BYTES = 64 * 1024 - 1;
/** Pause reading stdin while this much is queued on the socket. */
const SEND_HIGH_WATER = 1024 * 1024;
/** Frame buffers kept for reuse: enough for what the socket may hold queued. */
const MAX_SPARE_FRAMES = 32;

/**
 * Runs a command in a container over the `v5.channel.k8s.io` WebSocket protocol
 * (Kubernetes ≥ 1.29), which can close standard input without closing the connection: a
 * command such as `tar -x` sees EOF and the exit status still arrives.
 *
 * Standard input is streamed with backpressure and closed at its end; standard output is
 * written to `stdout` with backpressure; standard error is collected (bounded). Resolves
 * with the exit code once the command has ended and `stdout` has been flushed. A non-zero
 * exit code is not an error: callers decide. Opening the connection is retried while the
 * API server is unreachable or overloaded (see `connectRetries`); once the command runs
 * nothing is retried. Rejects when the connection cannot be opened or is lost before the exit status arrives, when the command cannot be started (e.g. the
 * executable does not exist), when `stdin` is given but the server does not speak v5, and
 * on abort (with the signal's reason).
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { execInPod } from "./exec.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const target = { kubeConfig, namespace: "default", pod: "demo", container: "main" };
 * const { exitCode, stderr } = await execInPod(target, ["sh", "-c", "echo hi; exit 3"], {
 *   stdout: process.stdout,
 *   endStdout: false,
 * });
 * console.log(exitCode, stderr); // 3 ""
 * ```
 */
export async function execInPod(
  target: ExecTarget,
  command: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (command.length === 0) throw new TypeError("Cannot exec an empty command: give at least the executable");
  const { signal, stdin, stdout } = options;
  signal?.throwIfAborted();
  const maxStderr = options.maxStderrBytes ?? 65536;
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  const what = options.label ?? `"${shorten(command.join(" "))}"`;

  const query = new URLSearchParams();
  for (const part of command) query.append("command", part);
  query.set("container", target.container);
  query.set("stdout", "true");
  query.set("stderr", "true");
  if (stdin !== undefined) query.set("stdin", "true");
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec?${query}`;

  const stderrChunks: Buffer[] = [];
  let stderrBytes = 0;
  let status: unknown;
  let statusSeen = false;
  let socket: ChannelSocket | undefined;
  let stdoutPaused = false;
  let onStatus: () => void = () => undefined;
  // Moments of progress, for the idle watchdog.
  let lastActivity = performance.now();
  const active = (): void => {
    lastActivity = performance.now();
  };

  const onFrame = (channel: number, data: Buffer): void => {
    active();
    if (channel === STDOUT) {
      if (stdout !== undefined && data.length > 0 && !stdout.write(data) && !stdoutPaused && socket !== undefined) {
        stdoutPaused = true;
        socket.pause();
        stdout.once("drain", () => {
          active();
          stdoutPaused = false;
          socket?.resume();
        });
      }
    } else if (channel === STDERR) {
      if (stderrBytes < maxStderr) {
        const keep = data.subarray(0, maxStderr - stderrBytes);
        stderrChunks.push(Buffer.from(keep));
        stderrBytes += keep.length;
      }
    } else if (channel === STATUS) {
      statusSeen = true;
      try {
        status = JSON.parse(data.toString("utf8"));
      } catch {
        status = { status: "Failure", message: data.toString("utf8") };
      }
      onStatus();
    }
  };

  // The command starts only once the upgrade succeeds, so a failed connection attempt
  // can be retried without running anything twice.
  const attempts = Math.max(1, (options.connectRetries ?? 4) + 1);
  const backoff = new Backoff({ initialMs: 250, maxMs: 4000, jitter: false });
  for (let attempt = 1; ; attempt++) {
    try {
      socket = await connectOnce(target.kubeConfig, path, onFrame, signal);
      break;
    } catch (error) {
      if (signal?.aborted) {
        // Aborted while connecting: nothing will read the input any more.
        if (stdin !== undefined && "destroy" in stdin && typeof stdin.destroy === "function") (stdin as { destroy(): void }).destroy();
        throw signal.reason;
      }
      const cause = unwrap(error);
      if (attempt >= attempts || !isTransient(cause)) {
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : "";
        const message = `Cannot exec ${what} in ${where}${tries}: ${describe(cause)}`;
        throw isTransient(cause) ? new ExecConnectionError(message, { started: false, cause }) : new Error(message, { cause });
      }
      await backoff.wait(signal);
    }
  }
  const ws = socket;

  if (stdin !== undefined && ws.protocol !== V5) {
    ws.close();
    throw new Error(
      `Cannot exec ${what} in ${where}: the API server speaks "${ws.protocol}", not "${V5}", so standard input cannot be closed; Kubernetes 1.29 or later is required`,
    );
  }

  return await new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, result?: ExecResult): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (watchdog !== undefined) clearInterval(watchdog);
      if (error !== undefined) {
        ws.terminate();
        if (stdin !== undefined && "destroy" in stdin && typeof stdin.destroy === "function") (stdin as { destroy(): void }).destroy();
        reject(error);
      } else {
        resolve(result as ExecResult);
      }
    };
    const onAbort = (): void => finish(signal?.reason ?? new Error("Aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    const idleMs = options.idleTimeoutMs;
    const watchdog =
      idleMs === undefined
        ? undefined
        : setInterval(() => {
            if (performance.now() - lastActivity < idleMs) return;
            finish(new ExecConnectionError(`Exec ${what} in ${where} stalled: nothing moved for ${Math.round(idleMs / 1000)} s`, { started: true }));
          }, Math.max(10, Math.min(1000, idleMs / 4)));
    watchdog?.unref();
    // A consumer that fails would otherwise leave the socket paused for ever.
    stdout?.once("error", (error: unknown) => finish(error));

    ws.on("error", (error) => finish(new ExecConnectionError(`Exec ${what} in ${where} failed: ${error.message}`, { started: true, cause: error })));
    ws.on("close", (code, reason) => {
      if (settled || statusSeen) return;
      const text = reason.toString("utf8");
      finish(new ExecConnectionError(`Exec ${what} in ${where} lost its connection before the exit status arrived (close code ${code}${text ? `: ${text}` : ""})`, { started: true }));
    });
    // Every stdout and stderr frame precedes the status on the socket: once it is here,
    // the output is complete.
    onStatus = () => {
      ws.close();
      const stderrText = Buffer.concat(stderrChunks).toString("utf8");
      let exitCode: number;
      try {
        exitCode = exitCodeOfStatus(status);
      } catch (error) {
        finish(new Error(`Cannot exec ${what} in ${where}: ${describe(error)}${stderrText ? `\n${stderrText}` : ""}`, { cause: error }));
        return;
      }
      const result: ExecResult = { exitCode, stderr: stderrText };
      if (stdout === undefined || options.endStdout === false) {
        finish(undefined, result);
        return;
      }
      flushed(stdout).then(
        () => finish(undefined, result),
        (error: unknown) => finish(error),
      );
    };

    // A quick command's status may have come in with the handshake, before this ran.
    if (statusSeen) {
      onStatus();
      return;
    }
    if (ws.readyState === CLOSED) {
      finish(new ExecConnectionError(`Exec ${what} in ${where} lost its connection before the exit status arrived`, { started: true }));
      return;
    }

    if (stdin !== undefined) {
      sendStdin(ws, stdin, active).catch((error: unknown) => {
        // The command may have exited before reading all of its input: its status tells.
        if (statusSeen) return;
        // A failing source is the caller's error; a closed socket is the connection's.
        if (ws.readyState === OPEN) finish(error);
        else finish(new ExecConnectionError(`Cannot stream standard input to ${what} in ${where}: ${describe(error)}`, { started: true, cause: error }));
      });
    }
  });
}

/**
 * Streams `stdin` as channel-0 frames, waiting while the socket's buffer is full. Frames
 * are cut into buffers that are used again once the socket has written them, so a large
 * upload allocates a few mebibytes, not its own size, and the garbage collector stays idle.
 */
async function sendStdin(ws: ChannelSocket, stdin: NonNullable<ExecOptions["stdin"]>, active: () => void): Promise<void> {
  const spare: Buffer[] = [];
  const send = (frame: Buffer, buffer: Buffer | undefined): Promise<void> =>
    new Promise((resolve, reject) =>
      ws.send(frame, (error) => {
        if (error) {
          reject(error);
        } else {
          // Written: the socket holds no reference to it any more.
          if (buffer !== undefined && spare.length < MAX_SPARE_FRAMES) spare.push(buffer);
          active();
          resolve();
        }
      }),
    );
  for await (const data of stdin as AsyncIterable<unknown>) {
    // A view of the caller's bytes, not a copy: the frame below is the only copy.
    const bytes = data as Uint8Array;
    const chunk = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.isBuffer(data) ? data : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 0; offset < chunk.length; offset += FRAME_BYTES) {
      if (ws.readyState !== OPEN) throw new Error("the connection is closed");
      const piece = chunk.subarray(offset, offset + FRAME_BYTES);
      const buffer = spare.pop() ?? Buffer.allocUnsafeSlow(FRAME_BYTES + 1);
      const frame = buffer.subarray(0, piece.length + 1);
      frame[0] = STDIN;
      piece.copy(frame, 1);
      const sent = send(frame, buffer);
      if (ws.bufferedAmount > SEND_HIGH_WATER) await sent;
      else sent.catch(() => undefined);
    }
  }
  if (ws.readyState !== OPEN) throw new Error("the connection is closed");
  await send(Buffer.from([CLOSE, STDIN]), undefined);
}

/** Opens the WebSocket, or rejects with the signal's reason when aborted first. */
async function connectOnce(kubeConfig: ClusterAccess, path: string, onFrame: (channel: number, data: Buffer) => void, signal: AbortSignal | undefined): Promise<ChannelSocket> {
  const connecting = transportFor(kubeConfig).openChannels(path, onFrame) as Promise<unknown>;
  if (signal === undefined) return (await connecting) as ChannelSocket;
  let onAbort: (() => void) | undefined;
  try {
    return (await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    ])) as ChannelSocket;
  } catch (error) {
    // Close a socket that opens after the abort.
    connecting.then((s) => (s as ChannelSocket).terminate(), () => undefined);
    throw error;
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

/** `ws` reports connection failures as an ErrorEvent wrapping the real error. */
function unwrap(error: unknown): unknown {
  if (typeof error === "object" && error !== null && "error" in error && error.error instanceof Error) return error.error;
  return error;
}

/** Failures worth another connection attempt: the API server restarting or overloaded. */
function isTransient(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH"].includes(code)) return true;
  const match = /Unexpected server response: (\d+)/.exec(describe(error));
  return match !== null && (match[1] === "429" || match[1]?.startsWith("5") === true);
}

/** Ends `stream` and resolves once everything written has been flushed. */
function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown): void => reject(error);
    stream.once("error", onError);
    stream.end(() => {
      stream.off("error", onError);
      resolve();
    });
  });
}

/** One line, at most 80 characters: commands are often multi-line scripts. */
function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}

/** Options of {@link touchMarker}. */
export interface TouchMarkerOptions {
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/**
 * Creates an empty file at `path` in the container (with POSIX `sh` only; the file is
 * truncated if it exists). Rejects when the file cannot be created.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { touchMarker } from "./exec.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * await touchMarker(
 *   { kubeConfig, namespace: "default", pod: "demo", container: "podkit-outputs" },
 *   "/podkit/work/.podkit-ended",
 * );
 * ```
 */
export async function touchMarker(target: ExecTarget, path: string, options: TouchMarkerOptions = {}): Promise<void> {
  if (path === "") throw new TypeError("Cannot create a marker without a path");
  const { exitCode, stderr } = await execInPod(target, ["sh", "-c", ': > "$1"', "sh", path], options.signal === undefined ? {} : { signal: options.signal });
  if (exitCode !== 0) {
    throw new Error(`Cannot create "${path}" in container "${target.container}" of pod "${target.namespace}/${target.pod}": exit code ${exitCode}${stderr ? `: ${stderr.trim()}` : ""}`);
  }
}
