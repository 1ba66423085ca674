import { CoreV1Api, KubeConfig, Watch, type V1Pod } from "@kubernetes/client-node";
import type { PodTimeline } from "./case.ts";

/** Containers podkit adds for file transfer; they are not the user's command. */
const HELPER_PREFIX = "podkit-";

/**
 * Watches every pod of a namespace from the harness process and notes, on the local
 * clock, when each was first seen and when all its user containers were first seen
 * terminated. Those observed instants are the cluster's floor that every contender
 * shares: status timestamps have a resolution of one second, the watch has milliseconds.
 * The container's own exit instant comes from its termination message when it writes
 * one (`date +%s%N > /dev/termination-log`).
 */
export class PodWatcher {
  #kc: KubeConfig;
  readonly #kubeconfig: string;
  readonly #namespace: string;
  readonly #timelines = new Map<string, PodTimeline>();
  #controller: AbortController | undefined;
  #stopped = false;
  #resourceVersion: string | undefined;

  constructor(kubeconfig: string, namespace: string) {
    this.#kubeconfig = kubeconfig;
    this.#kc = this.#load();
    this.#namespace = namespace;
  }

  #load(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.#kubeconfig);
    return kc;
  }

  /** Lists the namespace once, then watches it until {@link stop}. */
  async start(): Promise<void> {
    await this.#relist();
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    this.#controller?.abort();
  }

  /** What was seen of a pod so far. */
  timeline(name: string): PodTimeline | undefined {
    return this.#timelines.get(name);
  }

  /** Waits until the pod is seen terminated, or the timeout passes. */
  async waitTerminated(name: string, timeoutMs: number): Promise<PodTimeline | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const t = this.#timelines.get(name);
      if (t?.seenTerminatedAt !== undefined) return t;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.#timelines.get(name);
  }

  async #relist(): Promise<void> {
    const api = this.#kc.makeApiClient(CoreV1Api);
    const list = await api.listNamespacedPod({ namespace: this.#namespace });
    for (const pod of list.items) this.#observe(pod);
    this.#resourceVersion = list.metadata?.resourceVersion;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const watch = new Watch(this.#kc);
      let onEnd: (err: unknown) => void = () => {};
      const ended = new Promise<unknown>((resolve) => {
        onEnd = resolve;
      });
      try {
        this.#controller = await watch.watch(
          `/api/v1/namespaces/${this.#namespace}/pods`,
          { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true },
          (type, obj: V1Pod) => {
            const rv = obj.metadata?.resourceVersion;
            if (type === "ERROR") {
              // 410 Gone: the resource version is too old; relist below.
              this.#resourceVersion = undefined;
              return;
            }
            if (rv !== undefined) this.#resourceVersion = rv;
            if (type !== "BOOKMARK") this.#observe(obj);
          },
          (err) => onEnd(err),
        );
        const err = await ended;
        // A watch that ends with an error (not a timeout or a server-side close) may mean new
        // credentials: read the kubeconfig again before reconnecting.
        if (err !== null && err !== undefined && (err as { name?: string }).name !== "TimeoutError") {
          this.#kc = this.#load();
          await new Promise((r) => setTimeout(r, 200));
        }
      } catch {
        this.#kc = this.#load();
        await new Promise((r) => setTimeout(r, 200));
      }
      if (this.#stopped) return;
      if (this.#resourceVersion === undefined) {
        await this.#relist().catch(() => new Promise((r) => setTimeout(r, 500)));
      }
    }
  }

  #observe(pod: V1Pod): void {
    const name = pod.metadata?.name;
    if (name === undefined) return;
    const now = performance.timeOrigin + performance.now();
    const prev = this.#timelines.get(name);
    const user = (pod.status?.containerStatuses ?? []).filter((s) => !s.name.startsWith(HELPER_PREFIX));
    const userSpec = (pod.spec?.containers ?? []).filter((c) => !c.name.startsWith(HELPER_PREFIX));
    const allTerminated =
      userSpec.length > 0 && user.length === userSpec.length && user.every((s) => s.state?.terminated !== undefined);
    let exitedAt = prev?.exitedAt;
    let finishedAt = prev?.finishedAt;
    if (allTerminated) {
      for (const s of user) {
        const t = s.state?.terminated;
        const msg = t?.message?.trim();
        if (msg !== undefined && /^[0-9]{19}$/.test(msg)) {
          const ms = Number(BigInt(msg) / 1000n) / 1000;
          exitedAt = Math.max(exitedAt ?? 0, ms);
        }
        const fin = t?.finishedAt === undefined ? undefined : new Date(t.finishedAt).toISOString();
        if (fin !== undefined && (finishedAt === undefined || fin > finishedAt)) finishedAt = fin;
      }
    }
    const created = pod.metadata?.creationTimestamp;
    this.#timelines.set(name, {
      name,
      seenCreatedAt: prev?.seenCreatedAt ?? now,
      ...(prev?.seenTerminatedAt !== undefined
        ? { seenTerminatedAt: prev.seenTerminatedAt }
        : allTerminated
          ? { seenTerminatedAt: now }
          : {}),
      ...(exitedAt !== undefined ? { exitedAt } : {}),
      ...(created !== undefined ? { createdAt: new Date(created).toISOString() } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
    });
  }
}
