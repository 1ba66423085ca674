import type { IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import { PassThrough } from "node:stream";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterAccess } from "../kubeconfig.ts";
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
    openChannels: (path, onFrame) => openChannels(kubeConfig, path, onFrame),
  };
}

async function send(kubeConfig: ClusterAccess, request: TransportRequest): Promise<IncomingMessage> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("Cannot reach the cluster: the kubeconfig has no current cluster");
  const url = new URL(`${cluster.server.replace(/\/+$/, "")}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const options: https.RequestOptions = {};
  // TLS trust, client certificate and key, and the credentials' headers (exec plugins run here).
  await kubeConfig.applyToHTTPSOptions(options);
  request.signal?.throwIfAborted();
  // A proxy from the kubeconfig lives in client-node's agent; otherwise pool connections —
  // but not those made without a host name check, which the shared pool's key cannot tell apart.
  if (!cluster.proxyUrl && url.protocol === "https:" && options.checkServerIdentity === undefined) options.agent = keepAliveAgent;
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

async function openChannels(kubeConfig: ClusterAccess, path: string, onFrame: (channel: number, data: Buffer) => void): Promise<ChannelSocket> {
  // The handler's own stream table is only used for server-side close frames; give it
  // throwaway streams so they can never end this process's stdio.
  // It calls only getCurrentCluster and applyToHTTPSOptions, which every ClusterAccess has.
  // Loaded on first use: a run without files never opens a WebSocket.
  const { WebSocketHandler } = await import("@kubernetes/client-node/dist/web-socket-handler.js");
  const handler = new WebSocketHandler(kubeConfig as KubeConfig, undefined, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  const socket = await handler.connect(path, null, (channel, data) => {
    onFrame(channel, data);
    // Keep the connection open: the server closes it after the status.
    return true;
  });
  return socket as unknown as ChannelSocket;
}
