import { describe, expect, it } from "vitest";
import { listAndWatch, type ListWatchEvent, type ListWatchSource, type RawWatchEvent, type RelistReason } from "../../../lib/kubernetes/watch/list_watch.ts";

interface Thing {
  readonly metadata: { readonly name: string; readonly resourceVersion: string };
}
const thing = (name: string, rv: string): Thing => ({ metadata: { name, resourceVersion: rv } });

type Step = { list: Thing[]; rv: string } | { listFails: unknown } | { events: RawWatchEvent[]; then?: "end" | "break" };

/** A fake API server answering lists and watches from a script, recording what was asked. */
function fakeSource(script: Step[]): ListWatchSource<Thing> & { calls: string[] } {
  const calls: string[] = [];
  let index = 0;
  const next = (): Step | undefined => script[index++];
  return {
    calls,
    list: async () => {
      calls.push("list");
      const step = next();
      if (step === undefined) throw new Error("script exhausted");
      if ("listFails" in step) throw step.listFails;
      if (!("list" in step)) throw new Error(`expected a list step at ${index - 1}`);
      return { items: step.list, resourceVersion: step.rv };
    },
    async *watch(resourceVersion) {
      calls.push(`watch@${resourceVersion}`);
      const step = next();
      if (step === undefined) throw new Error("script exhausted");
      if (!("events" in step)) throw new Error(`expected a watch step at ${index - 1}`);
      for (const event of step.events) yield event;
      if (step.then === "break") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    },
  };
}

/** Runs the loop until `stop` says so, or the script runs out and nothing more comes. */
async function run(source: ListWatchSource<Thing>, stop: (events: ListWatchEvent<Thing>[]) => boolean, relists: RelistReason[] = []): Promise<string[]> {
  const controller = new AbortController();
  const events: ListWatchEvent<Thing>[] = [];
  const timer = setTimeout(() => controller.abort(), 2000);
  for await (const event of listAndWatch(source, { signal: controller.signal, backoff: { initialMs: 1, maxMs: 2 }, onRelist: (why) => relists.push(why) })) {
    events.push(event);
    if (stop(events)) break;
  }
  clearTimeout(timer);
  return events.map((e) =>
    e.type === "listed" ? `listed(${e.why}):${e.items.map((i) => i.metadata.name).join(",")}` : e.type === "listFailed" ? "listFailed" : `${e.type}:${e.object.metadata.name}`,
  );
}

describe("listAndWatch", () => {
  it("lists, then watches from the list's version, tracking bookmarks across streams the server closes", async () => {
    const source = fakeSource([
      { list: [thing("a", "1")], rv: "1" },
      { events: [{ type: "ADDED", object: thing("b", "2") }, { type: "BOOKMARK", object: { metadata: { resourceVersion: "5" } } }], then: "end" },
      { events: [{ type: "DELETED", object: thing("a", "6") }] },
    ]);
    const seen = await run(source, (events) => events.length === 3);
    expect(seen).toEqual(["listed(start):a", "ADDED:b", "DELETED:a"]);
    expect(source.calls).toEqual(["list", "watch@1", "watch@5"]);
  });

  it("lists again at once on 410 Gone, and after three broken streams in a row", async () => {
    const relists: RelistReason[] = [];
    const source = fakeSource([
      { list: [thing("a", "1")], rv: "1" },
      { events: [{ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }] },
      { list: [thing("a", "3")], rv: "3" },
      { events: [], then: "break" },
      { events: [{ type: "ERROR", object: { kind: "Status", code: 500, reason: "InternalError" } }] },
      { events: [], then: "break" },
      { list: [thing("a", "9")], rv: "9" },
    ]);
    const seen = await run(source, (events) => events.length === 3, relists);
    expect(seen).toEqual(["listed(start):a", "listed(gone):a", "listed(error):a"]);
    expect(source.calls).toEqual(["list", "watch@1", "list", "watch@3", "watch@3", "watch@3", "list"]);
    expect(relists).toEqual(["start", "gone", "error"]);
  });

  it("reports a failed list and tries again, until the consumer stops", async () => {
    const source = fakeSource([{ listFails: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }, { list: [], rv: "1" }]);
    expect(await run(source, (events) => events.length === 2)).toEqual(["listFailed", "listed(start):"]);
    expect(source.calls).toEqual(["list", "list"]);
  });

  it("ends when its signal aborts, and never throws", async () => {
    const controller = new AbortController();
    const source: ListWatchSource<Thing> = {
      list: async () => ({ items: [], resourceVersion: "1" }),
      watch: (_rv, signal) => ({
        async *[Symbol.asyncIterator]() {
          await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        },
      }),
    };
    setTimeout(() => controller.abort(new Error("enough")), 20);
    const events: ListWatchEvent<Thing>[] = [];
    for await (const event of listAndWatch(source, { signal: controller.signal })) events.push(event);
    expect(events).toEqual([{ type: "listed", items: [], why: "start" }]);
  });
});
