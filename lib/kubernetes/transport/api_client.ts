import {
  createConfiguration,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type RequestContext,
} from "@kubernetes/client-node";
import type { ClusterAccess } from "../kubeconfig.ts";
import type { KubernetesTransport } from "./transport.ts";
import { transportFor } from "./transport.ts";

/** A client-node API class, e.g. `CoreV1Api`. */
export type ApiClass<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

/**
 * An instance of a client-node API class (`CoreV1Api`, `VersionApi`, …) whose requests go
 * through podkit's {@link KubernetesTransport} — the one that honours the kubeconfig's CA,
 * client certificate and credentials under Node, Deno and Bun — instead of client-node's
 * own fetch. Use it in place of `kubeConfig.makeApiClient(Api)`.
 *
 * @example
 * ```ts
 * import { KubeConfig, VersionApi } from "@kubernetes/client-node";
 * import { makeApiClient } from "./api_client.ts";
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const version = await makeApiClient(kubeConfig, VersionApi).getCode();
 * console.log(version.gitVersion);
 * ```
 */
export function makeApiClient<T>(kubeConfig: ClusterAccess, api: ApiClass<T>, transport: KubernetesTransport = transportFor(kubeConfig)): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("Cannot reach the cluster: the kubeconfig has no current cluster");
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      // The transport applies the kubeconfig's credentials itself, on every request.
      authMethods: {},
      httpApi: wrapHttpLibrary({ send: (request) => send(transport, request) }),
    }),
  );
}

async function send(transport: KubernetesTransport, request: RequestContext): Promise<ResponseContext> {
  const url = new URL(request.getUrl());
  const body = request.getBody();
  if (body !== undefined && typeof body !== "string" && !(body instanceof URLSearchParams)) {
    throw new TypeError("Cannot send a multipart form to the API server: only JSON and form bodies are supported");
  }
  const signal = request.getSignal();
  const response = await transport.request({
    method: request.getHttpMethod(),
    path: `${url.pathname}${url.search}`,
    headers: request.getHeaders(),
    ...(body === undefined ? {} : { body: body.toString() }),
    ...(signal === undefined ? {} : { signal }),
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return new ResponseContext(response.statusCode ?? 0, headers, {
    text: () => Promise.resolve(bytes.toString("utf8")),
    binary: () => Promise.resolve(bytes),
    stream: () => new Blob([bytes]).stream(),
  });
}
