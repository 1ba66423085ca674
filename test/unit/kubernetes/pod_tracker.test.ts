import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { PodTracker } from "../../../lib/kubernetes/watch/pod_tracker.ts";
import type { PodWatchEvent } from "../../../lib/kubernetes/watch/watch.ts";

/** A watch whose events the test pushes by hand. */
function manualWatch(): { events: AsyncIterable<PodWatchEvent>; push(event: PodWatchEvent): void; end(): void } {
  const queue: PodWatchEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    events: {
      async *[Symbol.asyncIterator]() {
        while (true) {
          const next = queue.shift();
          if (next !== undefined) yield next;
          else if (ended) return;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    },
    push(event) {
      queue.push(event);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

const phase = (p: string): V1Pod => ({ metadata: { name: "p" }, status: { phase: p } });

describe("PodTracker", () => {
  it("resolves a wait when a watch event satisfies it, without polling", async () => {
    const watch = manualWatch();
    const tracker = new PodTracker(watch.events, phase("Pending"));
    const waiting = tracker.until((s) => (s.pod?.status?.phase === "Running" ? "up" : undefined), { signal: new AbortController().signal });
    watch.push({ type: "pod", pod: phase("Pending") });
    watch.push({ type: "pod", pod: phase("Running") });
    expect(await waiting).toEqual({ kind: "value", value: "up" });
    watch.end();
    await tracker.closed;
  });

  it("ends a wait at its deadline with the latest snapshot", async () => {
    const watch = manualWatch();
    const tracker = new PodTracker(watch.events, phase("Pending"));
    const outcome = await tracker.until(() => undefined, { signal: new AbortController().signal, deadline: Date.now() + 20 });
    expect(outcome.kind).toBe("deadline");
    watch.end();
  });

  it("rejects a wait with what the check throws, and with the abort reason", async () => {
    const watch = manualWatch();
    const tracker = new PodTracker(watch.events);
    const failing = tracker.until(
      (s) => {
        if (s.deleted) throw new Error("gone");
        return undefined;
      },
      { signal: new AbortController().signal },
    );
    watch.push({ type: "deleted" });
    await expect(failing).rejects.toThrow("gone");

    const controller = new AbortController();
    const aborted = tracker.until(() => undefined, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
  });
});
