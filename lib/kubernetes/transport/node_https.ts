import type { IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import type { ClusterAccess } from "../kubeconfig.ts";
import { http2Allowed, requestOverHttp2, type StreamResponse } from "./http2.ts";
import type { ChannelSocket, KubernetesTransport, TransportRequest } from "./transport.ts";

/**
 * One agent for every connection of the process: it pools connections by their TLS
 * options (CA, certificate, key, server name are part of its pool key), so REST calls to
 * one cluster reuse a connection instead of paying a TLS handshake each.
 */
const keepAliveAgent = new https.Agent({ keepAlive: true, keepAliveMsecs: 30_000 });

/**
 * A {@link KubernetesTransport} over `node:https` and the `ws` WebSocket, which Node, Deno
 * and Bun all implement with the CA, client certificate and key given per request.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { nodeHttpsTransport } from "./node_https.ts";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const response = await nodeHttpsTransport(kubeConfig).request({ method: "GET", path: "/readyz" });
 * console.log(response.statusCode); // 200
 * response.resume();
 * ```
 */
export function nodeHttpsTransport(kubeConfig: ClusterAccess): KubernetesTransport {
  return {
    request: (request) => send(kubeConfig, request),
    stream: (request) => stream(kubeConfig, request),
    openChannels: (path, onFrame) => openChannels(kubeConfig, path, onFrame),
  };
}

/** A request's URL, and the TLS options and headers of the kubeconfig's credentials. */
interface Prepared {
  readonly url: URL;
  readonly proxied: boolean;
  readonly options: https.RequestOptions;
}

async function prepare(kubeConfig: ClusterAccess, request: TransportRequest): Promise<Prepared> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("Cannot reach the cluster: the kubeconfig has no current cluster");
  const url = new URL(`${cluster.server.replace(/\/+$/, "")}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const options: https.RequestOptions = {};
  // TLS trust, client certificate and key, and the credentials' headers (exec plugins run here).
  await kubeConfig.applyToHTTPSOptions(options);
  return { url, proxied: Boolean(cluster.proxyUrl), options };
}

async function stream(kubeConfig: ClusterAccess, request: TransportRequest): Promise<StreamResponse> {
  const prepared = await prepare(kubeConfig, request);
  const { url, options: tls } = prepared;
  if (request.method === "GET" && request.body === undefined && http2Allowed(url.origin, tls, prepared.proxied)) {
    const headers: Record<string, string> = { "user-agent": "podkit", ...(tls.headers as Record<string, string> | undefined), ...request.headers };
    try {
      return await requestOverHttp2({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        headers,
        tls,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(request.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: request.idleTimeoutMs }),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "PODKIT_NO_HTTP2") throw error;
    }
  }
  const response = await send(kubeConfig, request, prepared);
  return {
    statusCode: response.statusCode ?? 0,
    [Symbol.asyncIterator]: () => (response as AsyncIterable<Buffer>)[Symbol.asyncIterator](),
    destroy: () => {
      response.destroy();
    },
  };
}

async function send(kubeConfig: ClusterAccess, request: TransportRequest, prepared?: Prepared): Promise<IncomingMessage> {
  const { url, proxied, options } = prepared ?? (await prepare(kubeConfig, request));
  request.signal?.throwIfAborted();
  // A proxy from the kubeconfig lives in client-node's agent; otherwise pool connections —
  // but not those made without a host name check, which the shared pool's key cannot tell apart.
  if (!proxied && url.protocol === "https:" && options.checkServerIdentity === undefined) options.agent = keepAliveAgent;
  const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
  const headers: http.OutgoingHttpHeaders = { ...(options.headers as http.OutgoingHttpHeaders | undefined), "User-Agent": "podkit", ...request.headers };
  if (body !== undefined) headers["Content-Length"] = body.byteLength;
  const send = url.protocol === "http:" ? http.request : https.request;

  return await new Promise<IncomingMessage>((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const req = send(url, {
      ...options,
      method: request.method,
      headers,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const idleMs = request.idleTimeoutMs;
    if (idleMs !== undefined) {
      req.setTimeout(idleMs, () => {
        const error = new Error(`No data from the API server for ${idleMs} ms`);
        if (response === undefined) req.destroy(error);
        else if (!response.complete) response.destroy(error);
      });
    }
    req.on("response", (res) => {
      response = res;
      resolve(res);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `channel.k8s.io` subprotocols, newest first (as kubectl and client-node offer them). */
const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"];

/**
 * A zero masking key: `ws` then sends a frame's payload as it is instead of copying it
 * into a masked buffer (about a tenth of the client's CPU for an upload). Masking guards
 * caching proxies against a browser page's crafted frames; it adds nothing to a client
 * that speaks to the API server over TLS. The key is still sent, so every server accepts
 * the frames.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

async function openChannels(kubeConfig: ClusterAccess, path: string, onFrame: (channel: number, data: Buffer) => void): Promise<ChannelSocket> {
  const { url: target, options } = await prepare(kubeConfig, { method: "GET", path });
  const url = target.href.replace(/^http/, "ws");
  // Loaded on first use: a run without files never opens a WebSocket.
  const { default: WebSocket } = await import("ws");
  return await new Promise<ChannelSocket>((resolve, reject) => {
    const socket = new WebSocket(url, CHANNEL_PROTOCOLS, {
      ...(options as Record<string, unknown>),
      perMessageDeflate: false,
      generateMask: zeroMask,
    });
    let open = false;
    socket.on("open", () => {
      open = true;
      resolve(socket as unknown as ChannelSocket);
    });
    socket.on("error", (error) => {
      if (!open) reject(error);
    });
    socket.on("message", (data, isBinary) => {
      // Every channel protocol since v2 sends binary frames: the channel, then the bytes.
      if (!isBinary || !Buffer.isBuffer(data) || data.length === 0) return;
      onFrame(data[0] as number, data.subarray(1));
    });
  });
}
