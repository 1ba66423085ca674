import type { CoreV1Event } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { KubernetesClient } from "../../../lib/kubernetes/client.ts";
import { followPodEvents, formatEvents, toPodEvent } from "../../../lib/kubernetes/watch/pod_events.ts";
import type { PodEvent } from "../../../lib/run/result.ts";
import type { RawWatchEvent } from "../../../lib/kubernetes/watch/watch.ts";

const event = (uid: string, reason: string, count = 1, rv = "1"): CoreV1Event => ({
  metadata: { uid, resourceVersion: rv },
  involvedObject: { kind: "Pod", name: "p" },
  type: reason === "Failed" ? "Warning" : "Normal",
  reason,
  message: `${reason} happened`,
  count,
});

describe("toPodEvent", () => {
  it("falls back to eventTime and the series for events of the newer API", () => {
    const e = toPodEvent({
      metadata: {},
      involvedObject: {},
      reason: "Pulling",
      eventTime: new Date("2026-01-01T00:00:00Z"),
      series: { count: 4, lastObservedTime: new Date("2026-01-01T00:01:00Z") },
    });
    expect(e).toEqual({
      type: "Normal",
      reason: "Pulling",
      message: "",
      count: 4,
      firstTimestamp: "2026-01-01T00:00:00.000Z",
      lastTimestamp: "2026-01-01T00:01:00.000Z",
    });
  });

  it("formats the most recent events, with their counts", () => {
    expect(formatEvents([toPodEvent(event("a", "Failed", 3))])).toBe("  Warning Failed (x3): Failed happened");
  });
});

describe("followPodEvents", () => {
  it("reports listed events, then watched ones, each version once, across a broken stream and a 410", async () => {
    const stop = new AbortController();
    const calls: string[] = [];
    const lists = [
      { items: [event("a", "Scheduled")], resourceVersion: "10" },
      { items: [event("a", "Scheduled"), event("b", "Pulling"), event("c", "Pulled", 1, "14")], resourceVersion: "14" },
    ];
    const watches: (() => AsyncGenerator<RawWatchEvent>)[] = [
      async function* () {
        yield { type: "ADDED", object: event("b", "Pulling", 1, "11") };
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      },
      async function* () {
        yield { type: "MODIFIED", object: event("b", "Pulling", 1, "12") }; // same count: not again
        yield { type: "ERROR", object: { code: 410, reason: "Expired" } };
      },
      async function* () {
        yield { type: "ADDED", object: event("d", "Started", 1, "15") };
        stop.abort();
      },
    ];
    const client = {
      listPodEventsRaw: async () => {
        calls.push("list");
        return lists.shift() ?? { items: [], resourceVersion: "99" };
      },
      watchPodEvents: (_ns: string, _pod: string, rv: string) => {
        calls.push(`watch@${rv}`);
        const next = watches.shift();
        if (next === undefined) throw new Error("no more watches");
        return next();
      },
    } as unknown as KubernetesClient;
    const seen: PodEvent[] = [];
    await followPodEvents(client, "ns", "p", { signal: stop.signal, onEvent: (e) => seen.push(e) });
    expect(seen.map((e) => e.reason)).toEqual(["Scheduled", "Pulling", "Pulled", "Started"]);
    expect(calls).toEqual(["list", "watch@10", "watch@11", "list", "watch@14"]);
  });
});
