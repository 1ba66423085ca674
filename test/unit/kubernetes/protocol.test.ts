import { describe, expect, test } from "vitest";
import { Reporter } from "../../../cli/reporter.ts";
import { RunContext } from "../../../lib/kubernetes/context.ts";
import type { KubernetesClient } from "../../../lib/kubernetes/client.ts";
import { buildResult } from "../../../lib/kubernetes/outcome.ts";
import { parseProtocolLine } from "../../../lib/kubernetes/logs/protocol.ts";
import { pod, RunEventStream, type LogLine, type RunEvent } from "../../../lib/mod.ts";
import { event, Terminal } from "../cli/_fake.ts";

const TS = "2026-12-01T00:00:00.000000000Z";

describe("parseProtocolLine", () => {
  test("reads every key of Kestra's protocol, alone or together", () => {
    expect(parseProtocolLine('::{"metrics":[{"name":"rows","type":"counter","value":42,"tags":{"table":"a"}},{"name":"load","type":"timer","value":1.5}]}::')).toEqual({
      metrics: [
        { name: "rows", type: "counter", value: 42, tags: { table: "a" } },
        { name: "load", type: "timer", value: 1.5, tags: {} },
      ],
    });
    expect(parseProtocolLine('::{"logs":[{"level":"WARN","message":"disk low"},{"level":"ERROR","message":"a\\nb"}]}::')).toEqual({
      logs: [
        { level: "WARN", message: "disk low" },
        { level: "ERROR", message: "a\nb" },
      ],
    });
    expect(parseProtocolLine('::{"outputs":{"a":1},"metrics":[],"logs":[{"level":"INFO","message":"m"}]}::')).toEqual({
      outputs: { a: 1 },
      metrics: [],
      logs: [{ level: "INFO", message: "m" }],
    });
  });

  test("a line that breaks a rule anywhere is plain output", () => {
    for (const line of [
      '::{"metrics":{}}::',
      '::{"metrics":[{"name":"x","type":"gauge","value":1}]}::',
      '::{"metrics":[{"name":"","type":"counter","value":1}]}::',
      '::{"metrics":[{"name":"x","type":"counter","value":"1"}]}::',
      '::{"metrics":[{"name":"x","type":"counter","value":1,"tags":{"a":1}}]}::',
      '::{"metrics":[{"name":"ok","type":"counter","value":1},{"name":"x"}]}::',
      '::{"logs":[{"level":"info","message":"lower-case level"}]}::',
      '::{"logs":[{"level":"INFO"}]}::',
      '::{"logs":"text"}::',
      '::{"outputs":{"a":1},"logs":[1]}::',
      '::{"other":1}::',
      ' ::{"logs":[{"level":"INFO","message":"m"}]}::',
    ]) {
      expect(parseProtocolLine(line), line).toBeUndefined();
    }
  });

  test("with a nonce, only lines that carry it count, for every key", () => {
    const logs = '{"logs":[{"level":"INFO","message":"m"}]}';
    const metrics = '{"metrics":[{"name":"n","type":"counter","value":1}]}';
    expect(parseProtocolLine(`::${logs}::`, "abc")).toBeUndefined();
    expect(parseProtocolLine(`::${metrics}::`, "abc")).toBeUndefined();
    expect(parseProtocolLine(`::podkit-xyz::${metrics}::`, "abc")).toBeUndefined();
    expect(parseProtocolLine(`::podkit-abc::${logs}::`, "abc")?.logs).toEqual([{ level: "INFO", message: "m" }]);
    expect(parseProtocolLine(`::podkit-abc::${metrics}::`, "abc")?.metrics?.[0]?.name).toBe("n");
  });

  test("a __proto__ tag stays a plain tag", () => {
    const tags = parseProtocolLine('::{"metrics":[{"name":"n","type":"counter","value":1,"tags":{"__proto__":"x"}}]}::')?.metrics?.[0]?.tags;
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.keys(tags ?? {})).toEqual(["__proto__"]);
  });
});

function context(options: { nonce?: boolean } = {}): { ctx: RunContext; events: RunEvent[] } {
  const events: RunEvent[] = [];
  let builder = pod("p").container({ name: "main", image: "busybox" });
  if (options.nonce === true) builder = builder.outputNonce();
  const stream = new RunEventStream({ onEvent: (e) => events.push(e) });
  const ctx = new RunContext({
    compiled: builder.compile(),
    client: {} as KubernetesClient,
    identity: { runId: "r", namespace: "default", nonce: "abc" },
    options: {},
    events: stream,
    eventsWanted: false,
  });
  return { ctx, events };
}

const line = (text: string): LogLine => ({ container: "main", line: text, timestamp: TS });

describe("a run's protocol lines", () => {
  test("metrics go to result.metrics in order and as metric events; the line stays plain output", () => {
    const { ctx, events } = context();
    ctx.logLine(line("start"));
    ctx.logLine(line('::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"t":"a"}}]}::'));
    ctx.logLine(line('::{"metrics":[{"name":"took","type":"timer","value":0.25}],"outputs":{"k":"v"}}::'));
    const result = buildResult(ctx);
    expect(result.metrics).toEqual([
      { container: "main", name: "rows", type: "counter", value: 3, tags: { t: "a" }, timestamp: TS },
      { container: "main", name: "took", type: "timer", value: 0.25, tags: {}, timestamp: TS },
    ]);
    expect(events.map((e) => (e.type === "metric" ? `metric ${e.metric.name}` : e.type === "log" ? `log ${e.line}` : e.type))).toEqual([
      "log start",
      'log ::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"t":"a"}}]}::',
      "metric rows",
      'log ::{"metrics":[{"name":"took","type":"timer","value":0.25}],"outputs":{"k":"v"}}::',
      "metric took",
    ]);
    expect(ctx.outputValues()).toEqual({ k: "v" });
  });

  test("a logs line becomes its entries, each a log line with its level, in the result and the events", () => {
    const { ctx, events } = context();
    ctx.logLine(line("plain"));
    ctx.logLine(line('::{"logs":[{"level":"WARN","message":"disk low"},{"level":"INFO","message":"two\\nlines"}]}::'));
    const result = buildResult(ctx);
    expect(result.logs).toEqual([
      { container: "main", line: "plain", timestamp: TS },
      { container: "main", line: "disk low", timestamp: TS, level: "WARN" },
      { container: "main", line: "two\nlines", timestamp: TS, level: "INFO" },
    ]);
    expect(result.logs.filter((l) => l.level === undefined).map((l) => l.line)).toEqual(["plain"]);
    expect(events.filter((e) => e.type === "log").map((e) => (e.type === "log" ? e.level : undefined))).toEqual([undefined, "WARN", "INFO"]);
  });

  test("with outputNonce, a forged metrics or logs line is plain output", () => {
    const { ctx } = context({ nonce: true });
    ctx.logLine(line('::{"metrics":[{"name":"forged","type":"counter","value":1}],"logs":[{"level":"ERROR","message":"forged"}]}::'));
    ctx.logLine(line('::podkit-abc::{"metrics":[{"name":"real","type":"counter","value":1}],"logs":[{"level":"INFO","message":"real"}]}::'));
    const result = buildResult(ctx);
    expect(result.metrics.map((m) => m.name)).toEqual(["real"]);
    expect(result.logs.map((l) => [l.level, l.line.slice(0, 14)])).toEqual([
      [undefined, '::{"metrics":['],
      ["INFO", "real"],
    ]);
  });

  test("a replayed stream keeps the level of each entry", async () => {
    const stream = new RunEventStream({});
    stream.log({ container: "main", line: "m", timestamp: TS, level: "ERROR" });
    stream.close();
    const replayed: RunEvent[] = [];
    for await (const e of stream.events()) replayed.push(e);
    expect(replayed).toEqual([{ type: "log", container: "main", line: "m", timestamp: TS, level: "ERROR", elapsedMs: 0 }]);
  });
});

describe("the command line's rendering", () => {
  test("a metric is a podkit metric line; a structured log entry goes to stderr with its level, plain output to stdout", () => {
    const terminal = new Terminal();
    const r = new Reporter({ stdout: terminal.stdout, stderr: terminal.stderr, env: {}, containers: ["main"] });
    r.event(event({ type: "metric", metric: { container: "main", name: "rows", type: "counter", value: 3, tags: { t: "a" }, timestamp: TS } }));
    r.event(event({ type: "metric", metric: { container: "main", name: "took", type: "timer", value: 0.25, tags: {}, timestamp: TS } }));
    r.event(event({ type: "log", container: "main", line: "disk low", timestamp: TS, level: "WARN" }));
    r.event(event({ type: "log", container: "main", line: "plain", timestamp: TS }));
    expect(terminal.text("stdout")).toBe("main | plain\n");
    expect(terminal.text("stderr")).toBe(["podkit metric     main rows = 3 (counter) t=a", "podkit metric     main took = 0.25 s (timer)", "podkit log        main WARN disk low", ""].join("\n"));
  });
});
