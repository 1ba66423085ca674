import { describe, expect, it } from "vitest";
import { LogCursor, parseLogLine, timestampOrder, timestampToNanos } from "../../../lib/kubernetes/logs/log_cursor.ts";
import { LineSplitter } from "../../../lib/kubernetes/logs/line_splitter.ts";

describe("parseLogLine", () => {
  it("strips only the timestamp and the one space after it", () => {
    expect(parseLogLine("2026-01-01T10:00:00.123456789Z   a\tb  \r")).toEqual({
      timestamp: "2026-01-01T10:00:00.123456789Z",
      order: "2026-01-01T10:00:00.123456789",
      line: "  a\tb  \r",
    });
    expect(parseLogLine("2026-01-01T10:00:00Z ").line).toBe("");
  });

  it("keeps a line without a timestamp whole", () => {
    expect(parseLogLine("no timestamp here")).toEqual({ timestamp: "", order: undefined, line: "no timestamp here" });
  });
});

describe("timestampToNanos", () => {
  it("orders timestamps whose trailing zeros the kubelet trimmed", () => {
    const a = timestampToNanos("2026-01-01T10:00:00.12Z") as bigint;
    const b = timestampToNanos("2026-01-01T10:00:00.119999999Z") as bigint;
    expect(a > b).toBe(true);
    expect(timestampToNanos("2026-01-01T10:00:00.1Z")).toBe(timestampToNanos("2026-01-01T10:00:00.100000000Z"));
  });

  it("honours zone offsets", () => {
    expect(timestampToNanos("2026-01-01T12:00:00+02:00")).toBe(timestampToNanos("2026-01-01T10:00:00Z"));
  });
});

describe("timestampOrder", () => {
  it("pads the fraction the kubelet trimmed and converts offsets to UTC", () => {
    expect(timestampOrder("2026-01-01T10:00:00Z")).toBe("2026-01-01T10:00:00.000000000");
    expect(timestampOrder("2026-01-01T10:00:00.12Z")).toBe("2026-01-01T10:00:00.120000000");
    expect(timestampOrder("2026-01-01T12:00:00.5+02:00")).toBe("2026-01-01T10:00:00.500000000");
    expect(timestampOrder("2026-01-01T10:00:00.Z")).toBeUndefined();
    expect(timestampOrder("yesterday")).toBeUndefined();
  });

  it("sorts as text exactly as the timestamps sort in time (2 000 random pairs)", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const two = (n: number): string => String(n).padStart(2, "0");
    const stamp = (): string => {
      // Close instants (the same second, often the same fraction) are the interesting ones.
      const digits = String(random(1_000)).padStart(3, "0") + String(random(1_000_000)).padStart(6, "0");
      const fraction = random(4) === 0 ? "" : `.${digits.slice(0, 1 + random(9)).replace(/0+$/, "") || "0"}`;
      const zone = random(3) === 0 ? `${random(2) === 0 ? "+" : "-"}${two(random(3))}:${two(random(2) * 30)}` : "Z";
      return `2026-01-0${1 + random(2)}T1${random(2)}:00:0${random(2)}${fraction}${zone}`;
    };
    for (let i = 0; i < 2_000; i++) {
      const [a, b] = [stamp(), stamp()];
      const byNanos = Math.sign(Number((timestampToNanos(a) as bigint) - (timestampToNanos(b) as bigint)));
      const [oa, ob] = [timestampOrder(a) as string, timestampOrder(b) as string];
      expect(oa < ob ? -1 : oa > ob ? 1 : 0, `${a} vs ${b}`).toBe(byNanos);
    }
  });
});

describe("LogCursor", () => {
  const t = (ts: string, line = "x") => parseLogLine(`${ts} ${line}`);

  it("skips, after a reconnect, exactly the lines seen at the last timestamp", () => {
    const cursor = new LogCursor();
    cursor.beginStream();
    const first = ["2026-01-01T10:00:00.1Z", "2026-01-01T10:00:00.2Z", "2026-01-01T10:00:00.2Z"].map((ts) => cursor.accept(t(ts)));
    expect(first).toEqual([true, true, true]);
    expect(cursor.sinceTime).toBe("2026-01-01T10:00:00.2Z");
    expect(cursor.countAtLast).toBe(2);

    // The server rounds sinceTime down to the second: everything from :00 comes again,
    // plus a third line at .2 the first stream never delivered.
    cursor.beginStream();
    const replay = ["2026-01-01T10:00:00.1Z", "2026-01-01T10:00:00.2Z", "2026-01-01T10:00:00.2Z", "2026-01-01T10:00:00.2Z", "2026-01-01T10:00:01Z"].map((ts) =>
      cursor.accept(t(ts)),
    );
    expect(replay).toEqual([false, false, false, true, true]);
  });

  it("accepts everything on the first stream, even identical lines", () => {
    const cursor = new LogCursor();
    cursor.beginStream();
    expect([1, 2, 3].map(() => cursor.accept(t("2026-01-01T10:00:00Z", "same")))).toEqual([true, true, true]);
  });

  it("does not move back when the clock does within a stream", () => {
    const cursor = new LogCursor();
    cursor.beginStream();
    cursor.accept(t("2026-01-01T10:00:05Z"));
    cursor.accept(t("2026-01-01T10:00:03Z"));
    expect(cursor.sinceTime).toBe("2026-01-01T10:00:05Z");
  });
});

describe("LineSplitter", () => {
  it("splits on \\n only and decodes a character cut across chunks whole", () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from("é\r\nsecond\tline\n");
    const lines = [...splitter.push(bytes.subarray(0, 1)), ...splitter.push(bytes.subarray(1))].map((b) => b.toString("utf8"));
    expect(lines).toEqual(["é\r", "second\tline"]);
    expect(splitter.takeRest()).toBeUndefined();
  });

  it("keeps the bytes after the last newline until asked", () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from("a\nb"))).toHaveLength(1);
    expect(splitter.push(Buffer.from("c"))).toHaveLength(0);
    expect(splitter.takeRest()?.toString()).toBe("bc");
  });
});
