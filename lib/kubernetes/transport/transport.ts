import type { IncomingMessage } from "node:http";
import type { ClusterAccess } from "../kubeconfig.ts";
import type { StreamResponse } from "./http2.ts";
import { nodeHttpsTransport } from "./node_https.ts";

export type { StreamResponse } from "./http2.ts";

/** One request to the API server. */
export interface TransportRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The path on the API server, e.g. `/api/v1/namespaces/default/pods`, with or without a query. */
  readonly path: string;
  /** Query parameters added to the path; `undefined` values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Headers besides those of the kubeconfig's credentials. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body, sent with its `Content-Length`. */
  readonly body?: string | Uint8Array;
  /** Aborts the request and destroys the response. */
  readonly signal?: AbortSignal;
  /** Destroys the response when no byte moves on its connection for this long. @default no limit */
  readonly idleTimeoutMs?: number;
}

/** What podkit uses of a `channel.k8s.io` WebSocket (exec): the `ws` package's API. */
export interface ChannelSocket {
  /** The subprotocol the server chose, e.g. `v5.channel.k8s.io`. */
  readonly protocol: string;
  /** `1` while open, `3` once closed (the WebSocket ready states). */
  readonly readyState: number;
  /** Bytes queued but not yet written to the connection. */
  readonly bufferedAmount: number;
  /** Sends a binary frame; the callback runs once it was written, or with the error. */
  send(data: Buffer, callback: (error?: Error) => void): void;
  /** Stops reading frames from the connection (backpressure). */
  pause(): void;
  /** Reads frames again. */
  resume(): void;
  /** Closes the connection with a close handshake. */
  close(code?: number, reason?: string): void;
  /** Closes the connection at once. */
  terminate(): void;
  on(event: "close", listener: (code: number, reason: Buffer) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
}

/**
 * How podkit talks to the API server, in one place: every REST call, watch, log stream and
 * exec connection goes through it, with the kubeconfig's TLS trust, client certificate
 * and credentials (read afresh for every request, so tokens from exec plugins are
 * renewed). One interface, so that a runtime whose HTTP layer differs gets its own
 * implementation here instead of checks scattered through the runner.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { transportFor } from "./transport.ts";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const response = await transportFor(kubeConfig).request({ method: "GET", path: "/version" });
 * console.log(response.statusCode);
 * response.resume();
 * ```
 */
export interface KubernetesTransport {
  /**
   * Sends a request and resolves with the response whatever its status, once its head has
   * arrived. The body is a Node stream read with backpressure; it ends when the server
   * ends it and errors when the connection breaks or is aborted.
   */
  request(request: TransportRequest): Promise<IncomingMessage>;
  /**
   * Sends a GET whose body is a long-lived stream (a followed log) and resolves once the
   * response's head has arrived: over HTTP/2 where the runtime and the cluster allow it
   * (the server's many small flushes then cost the client far less), else as `request`.
   */
  stream(request: TransportRequest): Promise<StreamResponse>;
  /**
   * Opens a `channel.k8s.io` WebSocket (exec) at `path`, offering `v5.channel.k8s.io` and
   * the older versions. Every binary frame is handed to `onFrame` with its channel number,
   * from the first one on (a quick command's frames can arrive with the handshake).
   */
  openChannels(path: string, onFrame: (channel: number, data: Buffer) => void): Promise<ChannelSocket>;
}

const transports = new WeakMap<ClusterAccess, KubernetesTransport>();

/**
 * The transport of a kubeconfig: `node:https` and the `ws` WebSocket with the kubeconfig's
 * TLS options on every request. Node, Deno and Bun all implement these with per-request
 * CA, client certificate and key; client-node's default REST layer does not (its undici
 * `Agent` is replaced by a shim under Bun that ignores the CA), so podkit never uses it.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { transportFor } from "./transport.ts";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * transportFor(kubeConfig) === transportFor(kubeConfig); // true
 * ```
 */
export function transportFor(kubeConfig: ClusterAccess): KubernetesTransport {
  let transport = transports.get(kubeConfig);
  if (transport === undefined) {
    transport = nodeHttpsTransport(kubeConfig);
    transports.set(kubeConfig, transport);
  }
  return transport;
}
