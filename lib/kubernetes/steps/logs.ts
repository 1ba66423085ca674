import { setTimeout as sleep } from "node:timers/promises";
import type { FollowLogsStep } from "../../plan/plan.ts";
import type { RunContext } from "../context.ts";
import { followContainerLogs, type FollowLogsReport } from "../logs/follow.ts";
import { hasStarted } from "../watch/pod_state.ts";

/**
 * The log followers of a run: one per user container, each started as soon as its
 * container has started, each with its own cursor. Owned by the run's context; the
 * completion and failure modules drain and stop them.
 */
export class LogFollowers {
  readonly #ctx: RunContext;
  readonly #controller = new AbortController();
  readonly #followers = new Map<string, Promise<FollowLogsReport>>();
  #containers: readonly string[] = [];
  #quietCutoffMs: number | undefined;
  #activity = 0;

  constructor(ctx: RunContext) {
    this.#ctx = ctx;
  }

  /** Follows `containers` from now on, starting each once it has started. */
  follow(containers: readonly string[]): void {
    this.#containers = containers;
    this.#ctx.onPodUpdate = () => this.start();
    this.start();
  }

  /** Starts the followers of the containers that have started since the last call. */
  start(): void {
    const ctx = this.#ctx;
    if (this.#controller.signal.aborted || ctx.podName === undefined || this.#containers.length === 0) return;
    const observation = ctx.observation();
    for (const container of this.#containers) {
      if (this.#followers.has(container)) continue;
      const state = observation.user.find((c) => c.name === container);
      if (state === undefined || !hasStarted(state.phase)) continue;
      const follower = followContainerLogs({
        source: ctx.client.logSource(ctx.namespace, ctx.podName),
        container,
        signal: this.#controller.signal,
        onLine: (line) => ctx.logLine(line),
        terminated: () => this.#terminated(container),
        onActivity: () => (this.#activity += 1),
      })
        .catch((error: unknown): FollowLogsReport => ({ lines: 0, reopened: 0, incomplete: String(error) }))
        .then((report) => {
          if (report.incomplete !== undefined) {
            const reason = this.#quietCutoffMs === undefined ? report.incomplete : `no line arrived for ${this.#quietCutoffMs} ms (waitForLogInterval) after the container ended`;
            ctx.record.incompleteLogs.push({ container, reason });
          }
          for (const reason of report.missing ?? []) ctx.record.incompleteLogs.push({ container, reason });
          return report;
        });
      this.#followers.set(container, follower);
    }
  }

  #terminated(container: string): boolean {
    const snapshot = this.#ctx.tracker?.snapshot;
    if (snapshot === undefined || snapshot.deleted) return true;
    const observation = this.#ctx.observation();
    if (observation.phase === "Succeeded" || observation.phase === "Failed") return true;
    return observation.user.find((c) => c.name === container)?.phase.kind === "terminated";
  }

  /**
   * Lets the followers read to the end of every log. `budgetMs` bounds the silence, not
   * the reading: a follower still receiving bytes (new lines, or the replay a reconciling
   * read skips) is never cut off, one that receives nothing for `budgetMs` is stopped. No
   * wait at all once every log is complete.
   */
  async drain(budgetMs: number): Promise<void> {
    const all = Promise.all(this.#followers.values()).then(() => "done" as const);
    // Bytes that only replay seen lines count as life, but not for ever: a stream that
    // breaks before it gets past its replay would otherwise be waited on without end.
    const stuckMs = Math.max(4 * budgetMs, 30_000);
    const lines = (): number => this.#ctx.events.lineCount;
    let activity = this.#activity;
    let seenLines = lines();
    let quietSince = Date.now();
    let stuckSince = Date.now();
    while (true) {
      const timer = new AbortController();
      const tick = sleep(Math.min(Math.max(0, quietSince + budgetMs - Date.now()), 1000), "tick" as const, { signal: timer.signal }).catch(() => "tick" as const);
      const outcome = await Promise.race([all, tick]);
      timer.abort();
      if (outcome === "done") return;
      const now = Date.now();
      if (lines() !== seenLines) {
        seenLines = lines();
        stuckSince = now;
      }
      if (this.#activity !== activity) {
        activity = this.#activity;
        quietSince = now;
      }
      if (now - quietSince >= budgetMs || now - stuckSince >= stuckMs) {
        this.#quietCutoffMs = budgetMs;
        await this.stop();
        return;
      }
    }
  }

  /** Stops every follower and waits until they have returned. */
  async stop(): Promise<void> {
    this.#controller.abort();
    await Promise.all(this.#followers.values());
  }
}

/** Follows the logs of the user containers (each as soon as it has started). */
export function followLogs(step: FollowLogsStep, ctx: RunContext): Promise<void> {
  ctx.logs.follow(step.containers);
  return Promise.resolve();
}
