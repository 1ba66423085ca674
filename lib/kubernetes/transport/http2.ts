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

/** A session, whether it is connected yet, and the streams open or about to open on it. */
interface Pooled {
  readonly session: Http2.ClientHttp2Session;
  /** Resolves once the session speaks HTTP/2; rejects as `requestOverHttp2` documents. */
  readonly ready: Promise<void>;
  active: number;
}

/**
 * Flow-control windows: the server may send this much before the client reads it, so a
 * read of a whole log is not held back by the protocol's 64 KiB default.
 */
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

/**
 * Streams opened on one session at most; more open another session. API servers allow
 * 100 to 1 000 concurrent streams per connection (Go's default is 250) and hold the
 * rest back, and a followed log's stream stays open as long as its container runs: a
 * queued one would wait for another run to end.
 */
const MAX_STREAMS_PER_SESSION = 100;

const sessions = new Map<string, Pooled[]>();
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
  const pooled = reserve(module, poolKey(request.origin, request.tls), request);
  let opened = false;
  try {
    await pooled.ready;
    const headers: Http2.OutgoingHttpHeaders = { ":method": "GET", ":path": request.path };
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    if (request.tls.auth !== undefined && request.tls.auth !== null && headers["authorization"] === undefined) {
      headers["authorization"] = `Basic ${Buffer.from(request.tls.auth).toString("base64")}`;
    }
    request.signal?.throwIfAborted();
    const stream = pooled.session.request(headers, { endStream: true, ...(request.signal === undefined ? {} : { signal: request.signal }) });
    opened = true;
    pooled.session.ref();
    stream.once("close", () => release(pooled));
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
  } catch (error) {
    if (!opened) release(pooled);
    throw error;
  }
}

/** A place for one stream on a session with room, connecting a new session if none has. */
function reserve(http2: typeof Http2, key: string, request: Http2Request): Pooled {
  const pool = sessions.get(key) ?? [];
  const existing = pool.find((p) => p.active < MAX_STREAMS_PER_SESSION && !p.session.closed && !p.session.destroyed);
  const pooled = existing ?? connect(http2, key, request);
  pooled.active += 1;
  return pooled;
}

function release(pooled: Pooled): void {
  pooled.active -= 1;
  if (pooled.active === 0 && !pooled.session.destroyed) pooled.session.unref();
}

function connect(http2: typeof Http2, key: string, request: Http2Request): Pooled {
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
  // Errors reach the streams and the `ready` promise; without a listener they would be thrown.
  created.on("error", () => undefined);
  const forget = (): void => {
    const left = (sessions.get(key) ?? []).filter((p) => p.session !== created);
    if (left.length === 0) sessions.delete(key);
    else sessions.set(key, left);
  };
  created.on("close", forget);
  created.on("goaway", forget);
  const noHttp2 = (cause?: unknown): Error => {
    // The server answered TLS but chose HTTP/1.1 (ALPN): remember it.
    refused.add(key);
    return Object.assign(new Error(`${request.origin} does not speak HTTP/2`), { code: "PODKIT_NO_HTTP2", ...(cause === undefined ? {} : { cause }) });
  };
  const ready = new Promise<void>((resolve, reject) => {
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
  }).then(
    () => {
      if (created.alpnProtocol !== "h2") {
        forget();
        created.destroy();
        throw noHttp2();
      }
      created.setLocalWindowSize(SESSION_WINDOW);
      // Held open only while a stream is (see `release`).
      if (pooled.active === 0) created.unref();
    },
    (error: unknown) => {
      forget();
      created.destroy();
      // A server that speaks only HTTP/1.1 answers an offer of h2 alone with a TLS alert.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL" || code === "ERR_HTTP2_ERROR" || created.alpnProtocol === "http/1.1") throw noHttp2(error);
      throw error;
    },
  );
  // Awaited by every stream that reserved a place; a failure is theirs to report.
  ready.catch(() => undefined);
  const pooled: Pooled = { session: created, ready, active: 0 };
  sessions.set(key, [...(sessions.get(key) ?? []), pooled]);
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
