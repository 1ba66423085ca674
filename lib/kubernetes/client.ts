import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { apiStatus } from "./api_error.ts";
import { KubernetesHttpError, openBodyStream, openStream, toHttpError } from "./http.ts";
import type { ClusterAccess } from "./kubeconfig.ts";
import { transportFor } from "./transport/transport.ts";
import { LineSplitter } from "./logs/line_splitter.ts";
import type { LogSource, LogStreamRequest } from "./logs/follow.ts";
import type { PodWatchSource, RawWatchEvent } from "./watch/watch.ts";

/** The events about a pod and the resourceVersion to watch them from. */
export interface PodEventList {
  /** The events, as the API server returns them. */
  readonly items: CoreV1Event[];
  /** The list's resourceVersion. */
  readonly resourceVersion: string;
}

/** A list the API server returns. */
interface List<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/**
 * The calls the runner makes to the API server, in one place: the REST calls on pods and
 * events, as JSON, and the two long-lived streams (pod watch, container logs) read with
 * backpressure, no 30 s cap, and a clear end. All of them go through podkit's transport,
 * which honours the kubeconfig's CA and credentials alike under Node, Deno and Bun.
 * Objects come back as the server sent them (timestamps are strings); an error status
 * throws a {@link KubernetesHttpError} with the server's own message.
 *
 * @example
 * ```ts
 * import { Kubeconfig } from "./kubeconfig.ts";
 * import { KubernetesClient } from "./client.ts";
 * const kc = new Kubeconfig();
 * kc.loadFromDefault();
 * const client = new KubernetesClient(kc);
 * const pods = await client.listPods("default", "app.kubernetes.io/managed-by=podkit");
 * console.log(pods.length);
 * ```
 */
export class KubernetesClient {
  /** The client configuration every request uses. */
  readonly kubeConfig: ClusterAccess;

  constructor(kubeConfig: ClusterAccess) {
    this.kubeConfig = kubeConfig;
  }

  /** Creates a pod and returns it as the server stored it. */
  createPod(namespace: string, pod: V1Pod): Promise<V1Pod> {
    return this.#call("POST", `${pods(namespace)}`, {}, pod);
  }

  /** Lists the pods matching a label selector. */
  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.#call<List<V1Pod>>("GET", pods(namespace), { labelSelector })).items;
  }

  /** Lists the pods matching a label selector in every namespace. */
  async listPodsEverywhere(labelSelector: string): Promise<V1Pod[]> {
    return (await this.#call<List<V1Pod>>("GET", "/api/v1/pods", { labelSelector })).items;
  }

  /** Sets annotations on a pod (a JSON merge patch). */
  annotatePod(namespace: string, name: string, annotations: Readonly<Record<string, string>>): Promise<V1Pod> {
    return this.#call("PATCH", pod(namespace, name), {}, { metadata: { annotations } }, "application/merge-patch+json");
  }

  /** Reads one pod. */
  readPod(namespace: string, name: string): Promise<V1Pod> {
    return this.#call("GET", pod(namespace, name));
  }

  /** Deletes a pod; a pod already gone is not an error. Returns false when it was gone. */
  async deletePod(namespace: string, name: string, options: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<boolean> {
    try {
      // Everything in the body: the API server ignores query parameters when a body is sent.
      await this.#call("DELETE", pod(namespace, name), {}, {
        ...(options.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds }),
        ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
      });
      return true;
    } catch (error) {
      const status = apiStatus(error);
      if (status === 404 || status === 409) return false;
      throw error;
    }
  }

  /** One REST call: the body sent as JSON, the answer parsed; an error status throws. */
  async #call<T>(method: string, path: string, query: Readonly<Record<string, string | undefined>> = {}, body?: unknown, contentType = "application/json"): Promise<T> {
    const response = await transportFor(this.kubeConfig).request({
      method,
      path,
      query,
      headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw toHttpError(status, text, `${method} ${path}`);
    return JSON.parse(text) as T;
  }

  /**
   * A {@link PodWatchSource} for one pod.
   *
   * @param options.timeoutSeconds how long the server keeps one watch stream open
   *   @default between 240 and 300, drawn at random so that many runs do not reconnect in step
   */
  podWatchSource(namespace: string, name: string, options: { timeoutSeconds?: number } = {}): PodWatchSource {
    const fieldSelector = `metadata.name=${name}`;
    return {
      list: async () => {
        const list = await this.#call<List<V1Pod>>("GET", pods(namespace), { fieldSelector });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "0" };
      },
      watch: (resourceVersion, signal) =>
        this.#watch(namespace, fieldSelector, resourceVersion, signal, options.timeoutSeconds ?? 240 + Math.floor(Math.random() * 60)),
    };
  }

  async *#watch(namespace: string, fieldSelector: string, resourceVersion: string, signal: AbortSignal, timeoutSeconds: number): AsyncGenerator<RawWatchEvent> {
    // Bookmarks keep the version fresh and the connection busy.
    const response = await openStream(
      this.kubeConfig,
      pods(namespace),
      { watch: "true", fieldSelector, resourceVersion, allowWatchBookmarks: "true", timeoutSeconds: String(timeoutSeconds) },
      { signal, idleTimeoutMs: (timeoutSeconds + 60) * 1000 },
    );
    const splitter = new LineSplitter();
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        for (const line of splitter.push(chunk)) {
          if (line.length === 0) continue;
          yield JSON.parse(line.toString("utf8")) as RawWatchEvent;
        }
      }
    } finally {
      response.destroy();
    }
  }

  /**
   * Lists the events about one pod, with the list's resourceVersion to watch from.
   */
  async listPodEventsRaw(namespace: string, podName: string): Promise<PodEventList> {
    const list = await this.#call<List<CoreV1Event>>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { fieldSelector: podEventSelector(podName) });
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "0" };
  }

  /** Watches the events about one pod from a resourceVersion, for one server-side timeout. */
  async *watchPodEvents(namespace: string, podName: string, resourceVersion: string, signal: AbortSignal): AsyncGenerator<RawWatchEvent> {
    const timeoutSeconds = 240 + Math.floor(Math.random() * 60);
    const response = await openStream(
      this.kubeConfig,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      { watch: "true", fieldSelector: podEventSelector(podName), resourceVersion, allowWatchBookmarks: "true", timeoutSeconds: String(timeoutSeconds) },
      { signal, idleTimeoutMs: (timeoutSeconds + 60) * 1000 },
    );
    const splitter = new LineSplitter();
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        for (const line of splitter.push(chunk)) {
          if (line.length > 0) yield JSON.parse(line.toString("utf8")) as RawWatchEvent;
        }
      }
    } finally {
      response.destroy();
    }
  }

  /** A {@link LogSource} for the containers of one pod. */
  logSource(namespace: string, pod: string): LogSource {
    return {
      open: async (request: LogStreamRequest) => {
        return await openBodyStream(
          this.kubeConfig,
          `${pods(namespace)}/${encodeURIComponent(pod)}/log`,
          {
            container: request.container,
            follow: String(request.follow),
            timestamps: "true",
            sinceTime: request.sinceTime,
          },
          { signal: request.signal },
        );
      },
    };
  }
}

function pods(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

function pod(namespace: string, name: string): string {
  return `${pods(namespace)}/${encodeURIComponent(name)}`;
}

function podEventSelector(podName: string): string {
  return `involvedObject.kind=Pod,involvedObject.name=${podName}`;
}
