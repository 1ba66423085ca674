import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { watchPod, type PodWatchEvent, type PodWatchSource, type RawWatchEvent } from "../../../lib/kubernetes/watch/watch.ts";

const podAt = (rv: string, phase = "Running", uid = "u1"): V1Pod => ({ metadata: { name: "p", uid, resourceVersion: rv }, status: { phase } });

type Step = { list: V1Pod[]; rv: string } | { events: RawWatchEvent[]; then?: "end" | "break" | "gone" };

/** A fake API server: lists and watches answer from a script, and record what was asked. */
function fakeSource(script: Step[]): PodWatchSource & { calls: string[] } {
  const calls: string[] = [];
  let index = 0;
  const next = (): Step => {
    const step = script[index];
    index += 1;
    if (step === undefined) throw new Error("script exhausted");
    return step;
  };
  return {
    calls,
    list: async () => {
      calls.push("list");
      const step = next();
      if (!("list" in step)) throw new Error(`expected a list step at ${index - 1}`);
      return { items: step.list, resourceVersion: step.rv };
    },
    async *watch(resourceVersion) {
      calls.push(`watch@${resourceVersion}`);
      const step = next();
      if (!("events" in step)) throw new Error(`expected a watch step at ${index - 1}`);
      for (const event of step.events) yield event;
      if (step.then === "break") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      if (step.then === "gone") throw Object.assign(new Error("Expired"), { status: 410 });
    },
  };
}

async function collect(source: PodWatchSource, limit = 20): Promise<PodWatchEvent[]> {
  const events: PodWatchEvent[] = [];
  const controller = new AbortController();
  for await (const event of watchPod(source, { signal: controller.signal, backoff: { initialMs: 1, maxMs: 2 } })) {
    events.push(event);
    if (events.length >= limit) controller.abort();
  }
  return events;
}

const phases = (events: PodWatchEvent[]) => events.map((e) => (e.type === "pod" ? `${e.pod.metadata?.resourceVersion}:${e.pod.status?.phase}` : "deleted"));

describe("watchPod", () => {
  it("reopens where the server closed the stream, tracking bookmarks", async () => {
    const source = fakeSource([
      { list: [podAt("1", "Pending")], rv: "1" },
      { events: [{ type: "MODIFIED", object: podAt("2", "Running") }, { type: "BOOKMARK", object: { metadata: { resourceVersion: "5" } } }], then: "end" },
      { events: [{ type: "MODIFIED", object: podAt("6", "Succeeded") }, { type: "DELETED", object: podAt("7", "Succeeded") }] },
    ]);
    const events = await collect(source);
    expect(phases(events)).toEqual(["1:Pending", "2:Running", "6:Succeeded", "deleted"]);
    expect(source.calls).toEqual(["list", "watch@1", "watch@5", ]);
  });

  it("relists on 410 Gone, whether as an ERROR event or an HTTP status", async () => {
    const source = fakeSource([
      { list: [podAt("1")], rv: "1" },
      { events: [{ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }] },
      { list: [podAt("9")], rv: "10" },
      { events: [], then: "gone" },
      { list: [podAt("11", "Succeeded")], rv: "12" },
      { events: [{ type: "DELETED", object: podAt("13") }] },
    ]);
    const events = await collect(source);
    expect(source.calls).toEqual(["list", "watch@1", "list", "watch@10", "list", "watch@12"]);
    expect(phases(events)).toEqual(["1:Running", "9:Running", "11:Succeeded", "deleted"]);
  });

  it("resumes from the last version after a broken connection", async () => {
    const source = fakeSource([
      { list: [podAt("1")], rv: "1" },
      { events: [{ type: "MODIFIED", object: podAt("3") }], then: "break" },
      { events: [{ type: "DELETED", object: podAt("4") }] },
    ]);
    await collect(source);
    expect(source.calls).toEqual(["list", "watch@1", "watch@3"]);
  });

  it("reports deletion when a relist no longer finds the pod, or finds another with its name", async () => {
    const gone = fakeSource([
      { list: [podAt("1")], rv: "1" },
      { events: [], then: "gone" },
      { list: [], rv: "5" },
    ]);
    expect(phases(await collect(gone))).toEqual(["1:Running", "deleted"]);

    const recreated = fakeSource([
      { list: [podAt("1")], rv: "1" },
      { events: [], then: "gone" },
      { list: [podAt("8", "Pending", "u2")], rv: "8" },
    ]);
    expect(phases(await collect(recreated))).toEqual(["1:Running", "deleted"]);
  });

  it("stops when its signal aborts", async () => {
    const controller = new AbortController();
    const source: PodWatchSource = {
      list: async () => ({ items: [podAt("1")], resourceVersion: "1" }),
      watch: (_rv, signal) => ({
        async *[Symbol.asyncIterator]() {
          await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        },
      }),
    };
    const events: PodWatchEvent[] = [];
    setTimeout(() => controller.abort(), 20);
    for await (const event of watchPod(source, { signal: controller.signal })) events.push(event);
    expect(events).toHaveLength(1);
  });
});
