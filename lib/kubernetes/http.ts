import type { IncomingMessage } from "node:http";
import * as http from "node:http";
import type { ClusterAccess } from "./kubeconfig.ts";
import { transportFor, type StreamResponse, type TransportRequest } from "./transport/transport.ts";

/**
 * The API server answered a streaming request with an error status. `message` is the
 * server's own explanation (from its `Status` object) when it gave one.
 *
 * @example
 * ```ts
 * import { KubernetesHttpError } from "./http.ts";
 * const error = new KubernetesHttpError(404, "NotFound", 'pods "x" not found');
 * error.status; // 404
 * ```
 */
export class KubernetesHttpError extends Error {
  /** Always `KubernetesHttpError`. */
  override readonly name = "KubernetesHttpError";
  /** The HTTP status. */
  readonly status: number;
  /** The `reason` of the server's `Status`, e.g. `NotFound`, `BadRequest`, `Expired`. */
  readonly reason: string | undefined;

  constructor(status: number, reason: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/** Options of {@link openStream}. */
export interface OpenStreamOptions {
  /** Aborts the request and destroys the response. */
  readonly signal: AbortSignal;
  /** Destroys the response when no byte arrives for this long. @default no limit */
  readonly idleTimeoutMs?: number;
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Opens a streaming GET on the API server with the kubeconfig's TLS and credentials (fresh
 * for every request, so tokens from exec plugins are renewed), through the transport that
 * works alike under Node, Deno and Bun, and returns the response once
 * its status is 2xx. The response is a Node stream: reading it pulls bytes from the socket
 * (backpressure), it ends when the server ends it and errors when the connection breaks,
 * so a caller always knows which of the two happened.
 *
 * @throws {KubernetesHttpError} when the server answers with an error status
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { openStream } from "./http.ts";
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const response = await openStream(kc, "/api/v1/namespaces/default/pods/demo/log", { container: "main" }, {
 *   signal: AbortSignal.timeout(10_000),
 * });
 * for await (const chunk of response) process.stdout.write(chunk);
 * ```
 */
export async function openStream(
  kubeConfig: ClusterAccess,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
  options: OpenStreamOptions,
): Promise<IncomingMessage> {
  const response = await transportFor(kubeConfig).request(getRequest(path, query, options));
  return await succeeded(response.statusCode ?? 0, response, path);
}

function getRequest(path: string, query: Readonly<Record<string, string | undefined>>, options: OpenStreamOptions): TransportRequest {
  return {
    method: "GET",
    path,
    query,
    headers: { Accept: "application/json, */*" },
    signal: options.signal,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
  };
}

/** The response when its status is 2xx; else the server's error, its body read. */
async function succeeded<T extends AsyncIterable<Buffer>>(status: number, response: T, path: string): Promise<T> {
  if (status >= 200 && status < 300) return response;
  throw toHttpError(status, await readErrorBody(response), `GET ${path}`);
}

/**
 * Opens a long-lived GET (a container's log) like {@link openStream}, over HTTP/2 where
 * the runtime and the cluster allow it (`transport.stream`); the body is read with
 * backpressure and ends or errors as the server or the connection does.
 *
 * @throws {KubernetesHttpError} when the server answers with an error status
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { openBodyStream } from "./http.ts";
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const body = await openBodyStream(kc, "/api/v1/namespaces/default/pods/demo/log", { follow: "true" }, {
 *   signal: AbortSignal.timeout(10_000),
 * });
 * for await (const chunk of body) process.stdout.write(chunk);
 * ```
 */
export async function openBodyStream(
  kubeConfig: ClusterAccess,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
  options: OpenStreamOptions,
): Promise<StreamResponse> {
  const response = await transportFor(kubeConfig).stream(getRequest(path, query, options));
  return await succeeded(response.statusCode, response, path);
}

async function readErrorBody(response: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < MAX_ERROR_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_BODY);
}

/** The error for an error status: the server's `Status` message when it sent one, else the text. */
export function toHttpError(status: number, body: string, request: string): KubernetesHttpError {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; reason?: unknown; code?: unknown };
    if (typeof parsed.message === "string") {
      return new KubernetesHttpError(status, typeof parsed.reason === "string" ? parsed.reason : undefined, parsed.message);
    }
  } catch {
    // Not a Status object: fall through to the raw text.
  }
  const text = body.trim() || http.STATUS_CODES[status] || "no explanation";
  return new KubernetesHttpError(status, undefined, `${request} failed with HTTP ${status}: ${text}`);
}
