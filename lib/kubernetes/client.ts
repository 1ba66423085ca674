import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { apiStatus } from "./api_error.ts";
import { openStream } from "./http.ts";
import { makeApiClient } from "./transport/api_client.ts";
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

/**
 * The calls the runner makes to the API server, in one place: typed REST calls through
 * client-node's `CoreV1Api`, and the two long-lived streams (pod watch, container logs)
 * read with backpressure, no 30 s cap, and a clear end. All of them go through podkit's
 * transport, which honours the kubeconfig's CA and credentials alike under Node, Deno
 * and Bun.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { KubernetesClient } from "./client.ts";
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const client = new KubernetesClient(kc);
 * const pods = await client.listPods("default", "app.kubernetes.io/managed-by=podkit");
 * console.log(pods.length);
 * ```
 */
export class KubernetesClient {
  /** The client configuration every request uses. */
  readonly kubeConfig: KubeConfig;
  /** client-node's typed core/v1 API, sending its requests through podkit's transport. */
  readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.core = makeApiClient(kubeConfig, CoreV1Api);
  }

  /** Creates a pod and returns it as the server stored it. */
  createPod(namespace: string, pod: V1Pod): Promise<V1Pod> {
    return this.core.createNamespacedPod({ namespace, body: pod });
  }

  /** Lists the pods matching a label selector. */
  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace, labelSelector });
    return list.items;
  }

  /** Lists the pods matching a label selector in every namespace. */
  async listPodsEverywhere(labelSelector: string): Promise<V1Pod[]> {
    const list = await this.core.listPodForAllNamespaces({ labelSelector });
    return list.items;
  }

  /** Sets annotations on a pod (a JSON merge patch). */
  annotatePod(namespace: string, name: string, annotations: Readonly<Record<string, string>>): Promise<V1Pod> {
    return this.core.patchNamespacedPod({ namespace, name, body: { metadata: { annotations } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  }

  /** Reads one pod. */
  readPod(namespace: string, name: string): Promise<V1Pod> {
    return this.core.readNamespacedPod({ namespace, name });
  }

  /** Deletes a pod; a pod already gone is not an error. Returns false when it was gone. */
  async deletePod(namespace: string, name: string, options: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<boolean> {
    try {
      // Everything in the body: the API server ignores query parameters when a body is sent.
      await this.core.deleteNamespacedPod({
        namespace,
        name,
        body: {
          ...(options.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds }),
          ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
        },
      });
      return true;
    } catch (error) {
      const status = apiStatus(error);
      if (status === 404 || status === 409) return false;
      throw error;
    }
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
        const list = await this.core.listNamespacedPod({ namespace, fieldSelector });
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
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
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
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: podEventSelector(podName) });
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
        const response = await openStream(
          this.kubeConfig,
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
          {
            container: request.container,
            follow: String(request.follow),
            timestamps: "true",
            sinceTime: request.sinceTime,
          },
          { signal: request.signal },
        );
        return response as AsyncIterable<Buffer> & { destroy(): void };
      },
    };
  }
}

function podEventSelector(podName: string): string {
  return `involvedObject.kind=Pod,involvedObject.name=${podName}`;
}
