import { describe, expect, it } from "vitest";
import { Backoff } from "../../../lib/kubernetes/backoff.ts";

describe("Backoff", () => {
  it("doubles each delay up to the maximum, and starts over after a reset", () => {
    const backoff = new Backoff({ initialMs: 250, maxMs: 1000, jitter: false });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([250, 500, 1000, 1000]);
    expect(backoff.attempts).toBe(4);
    backoff.reset();
    expect([backoff.attempts, backoff.next()]).toEqual([0, 250]);
  });

  it("draws each delay between half its ceiling and the ceiling by default", () => {
    const backoff = new Backoff();
    for (const ceiling of [200, 400, 800, 1600, 3200, 5000, 5000]) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it("waits, and rejects with the signal's reason as soon as it aborts", async () => {
    await expect(new Backoff({ initialMs: 1 }).wait()).resolves.toBeUndefined();
    const started = performance.now();
    await expect(new Backoff({ initialMs: 60_000, maxMs: 60_000 }).wait(AbortSignal.timeout(20))).rejects.toMatchObject({ name: "TimeoutError" });
    expect(performance.now() - started).toBeLessThan(5_000);
    const controller = new AbortController();
    controller.abort(new Error("enough"));
    await expect(new Backoff().wait(controller.signal)).rejects.toThrow("enough");
  });
});
