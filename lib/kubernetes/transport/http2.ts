import { createHash } from "node:crypto";
import type { RequestOptions } from "node:https";
import type * as Http2 from "node:http2";

/** The body of a streamed response, read with backpressure, and its status. */
export interface StreamResponse extends AsyncIterable<Buffer> {
  /** The HTTP status. */
  readonly statusCode: number;
  /** Closes the stream (and, over HTTP/1.1, its connection). */
  destroy(): void;
}

/** What {@link requestOverHttp2} needs of a request. */
export interface Http2Request {
  /** `https://host:port`, without a path. */
  readonly origin: string;
  /** Path and query. */
  readonly path: string;
  /** Headers, credentials included. */
  readonly headers: Readonly<Record<string, string>>;
  /** TLS options and credentials, as the kubeconfig filled them in. */
  readonly tls: RequestOptions;
  readonly signal?: AbortSignal;
  readonly idleTimeoutMs?: number;
}

/** A session and the streams open on it. */
interface Pooled {
  readonly session: Http2.ClientHttp2Session;
  active: number;
}

/**
 * Flow-control windows: the server may send this much before the client reads it, so a
 * read of a whole log is not held back by the protocol's 64 KiB default.
 */
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

const sessions = new Map<string, Pooled>();
/** Origins (with their TLS identity) that did not speak HTTP/2: HTTP/1.1 from then on. */
const refused = new Set<string>();

let module: typeof Http2 | undefined;

/**
 * Whether a GET can go over HTTP/2 here: on Node, to an `https:` server reached directly
 * with the kubeconfig's own TLS options. Deno and Bun keep HTTP/1.1, as do clusters behind
 * a proxy and credentials that bring their own agent.
 */
export function http2Allowed(origin: string, tls: RequestOptions, proxied: boolean): boolean {
  const runtime = globalThis as { Bun?: unknown; Deno?: unknown };
  if (runtime.Bun !== undefined || runtime.Deno !== undefined) return false;
  if (proxied || tls.agent !== undefined || !origin.startsWith("https:")) return false;
  return !refused.has(poolKey(origin, tls));
}

/**
 * Sends a GET over one HTTP/2 session per server and TLS identity, shared by every stream
 * of the process, and resolves once the response's head has arrived. A long-lived stream
 * (a followed log) comes in the DATA frames of the API server's flushes, which the
 * session reads in far fewer wake-ups than HTTP/1.1's chunks, each a TLS record of its
 * own. The session keeps the process alive only while a stream is open.
 *
 * Rejects with `code: "PODKIT_NO_HTTP2"` when the server does not speak HTTP/2 (the caller
 * then uses HTTP/1.1, as it does for that server from then on), and with the connection's
 * error otherwise.
 */
export async function requestOverHttp2(request: Http2Request): Promise<StreamResponse> {
  module ??= await import("node:http2");
  const http2 = module;
  const key = poolKey(request.origin, request.tls);
  const pooled = await session(http2, key, request);
  const headers: Http2.OutgoingHttpHeaders = { ":method": "GET", ":path": request.path };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  if (request.tls.auth !== undefined && request.tls.auth !== null && headers["authorization"] === undefined) {
    headers["authorization"] = `Basic ${Buffer.from(request.tls.auth).toString("base64")}`;
  }
  request.signal?.throwIfAborted();
  const stream = pooled.session.request(headers, { endStream: true, ...(request.signal === undefined ? {} : { signal: request.signal }) });
  pooled.active += 1;
  pooled.session.ref();
  stream.once("close", () => {
    pooled.active -= 1;
    if (pooled.active === 0 && !pooled.session.destroyed) pooled.session.unref();
  });
  const idleMs = request.idleTimeoutMs;
  if (idleMs !== undefined) {
    stream.setTimeout(idleMs, () => stream.destroy(new Error(`No data from the API server for ${idleMs} ms`)));
  }
  const status = await new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    stream.once("error", onError);
    stream.once("response", (head) => {
      stream.off("error", onError);
      resolve(Number(head[":status"] ?? 0));
    });
  });
  // Errors after the head reach the reader through the iterator.
  stream.on("error", () => undefined);
  return {
    statusCode: status,
    [Symbol.asyncIterator]: () => (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator](),
    destroy: () => {
      stream.destroy();
    },
  };
}

async function session(http2: typeof Http2, key: string, request: Http2Request): Promise<Pooled> {
  const existing = sessions.get(key);
  if (existing !== undefined && !existing.session.closed && !existing.session.destroyed) return existing;
  const tls = request.tls;
  const created = http2.connect(request.origin, {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.pfx === undefined ? {} : { pfx: tls.pfx }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    ...(tls.checkServerIdentity === undefined ? {} : { checkServerIdentity: tls.checkServerIdentity }),
    settings: { initialWindowSize: STREAM_WINDOW },
  });
  const pooled: Pooled = { session: created, active: 0 };
  sessions.set(key, pooled);
  const forget = (): void => {
    if (sessions.get(key) === pooled) sessions.delete(key);
  };
  created.on("close", forget);
  created.on("goaway", forget);
  created.on("error", forget);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      created.off("connect", onConnect);
      reject(error);
    };
    const onConnect = (): void => {
      created.off("error", onError);
      resolve();
    };
    created.once("error", onError);
    created.once("connect", onConnect);
  }).catch((error: unknown) => {
    forget();
    created.destroy();
    // The server answered TLS but chose HTTP/1.1 (ALPN): remember it.
    if ((error as NodeJS.ErrnoException).code === "ERR_HTTP2_ERROR" || created.alpnProtocol === "http/1.1") {
      refused.add(key);
      throw Object.assign(new Error(`${request.origin} does not speak HTTP/2`), { code: "PODKIT_NO_HTTP2", cause: error });
    }
    throw error;
  });
  if (created.alpnProtocol !== "h2") {
    forget();
    created.destroy();
    refused.add(key);
    throw Object.assign(new Error(`${request.origin} does not speak HTTP/2`), { code: "PODKIT_NO_HTTP2" });
  }
  created.setLocalWindowSize(SESSION_WINDOW);
  created.unref();
  created.on("error", () => undefined);
  return pooled;
}

/** The server and the TLS identity a session is made with (credentials in headers excluded). */
function poolKey(origin: string, tls: RequestOptions): string {
  const hash = createHash("sha256");
  hash.update(origin);
  for (const part of [tls.ca, tls.cert, tls.key, tls.pfx, tls.passphrase, tls.servername, String(tls.rejectUnauthorized), String(tls.checkServerIdentity !== undefined)]) {
    hash.update("\0");
    if (part === undefined || part === null) continue;
    for (const piece of Array.isArray(part) ? part : [part]) hash.update(typeof piece === "string" || Buffer.isBuffer(piece) ? piece : JSON.stringify(piece));
  }
  return hash.digest("hex");
}
