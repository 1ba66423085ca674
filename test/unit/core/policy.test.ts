import { describe, expect, test } from "vitest";
import { ATTEMPT_ENV, DryRunRunner, findStep, pod, retryDelayMs, shouldRetry, type RetryPlan } from "../../../lib/mod.ts";

const base = pod("job").container({ name: "main", image: "busybox" });
const policy: RetryPlan = { attempts: 3, on: ["OOMKilled", "ImagePull", "ApiError"], exitCodes: [75], backoff: { initialMs: 1000, factor: 2, maxMs: 3000 } };

describe("retry policy", () => {
  test("retries a covered failure class or a listed exit code while attempts are left", () => {
    expect(shouldRetry(policy, 1, { reason: "OOMKilled" })).toBe(true);
    expect(shouldRetry(policy, 2, { reason: "ContainerFailed", exitCode: 75 })).toBe(true);
    expect(shouldRetry(policy, 3, { reason: "OOMKilled" })).toBe(false);
    expect(shouldRetry(policy, 1, { reason: "ContainerFailed", exitCode: 1 })).toBe(false);
    expect(shouldRetry(policy, 1, { reason: "Evicted" })).toBe(false);
  });

  test("never retries a configuration error or an abort, nor a pull or API failure that would repeat", () => {
    const all: RetryPlan = { ...policy, on: ["ImagePull", "ApiError", "Timeout"] };
    expect(shouldRetry({ ...all, on: [...all.on, "ConfigError" as never] }, 1, { reason: "ConfigError" })).toBe(false);
    expect(shouldRetry(all, 1, { reason: "Aborted" })).toBe(false);
    expect(shouldRetry(all, 1, { reason: "ImagePull", transient: false })).toBe(false);
    expect(shouldRetry(all, 1, { reason: "ImagePull", transient: true })).toBe(true);
    expect(shouldRetry(all, 1, { reason: "ApiError", transient: false })).toBe(false);
  });

  test(".retry() refuses what cannot be a policy, at the call, naming the field", () => {
    expect(() => base.retry({ attempts: 0 })).toThrow(/attempts counts every try, the first included/);
    expect(() => base.retry({ attempts: 2, on: ["ConfigError" as never] })).toThrow(/Cannot use retry\(\{ on: \["ConfigError"\] \}\)/);
    expect(() => base.retry({ attempts: 2, exitCodes: [1.5] })).toThrow(TypeError);
    expect(() => base.retry({ attempts: 2, backoff: { initial: "PT1S", factor: 0.5 } })).toThrow(/factor/);
  });

  test("waits initial × factor^(n-2) before attempt n, at most max", () => {
    expect([2, 3, 4, 5].map((n) => retryDelayMs(policy.backoff, n))).toEqual([1000, 2000, 3000, 3000]);
    expect(retryDelayMs({ initialMs: 500, factor: 1, maxMs: 500 }, 4)).toBe(500);
  });

  test(".retry() compiles to the plan with every default applied; a constant backoff is one duration", () => {
    const plan = base.retry({ attempts: 3, exitCodes: [75], backoff: "PT2S" }).compile().plan;
    expect(plan.retry).toEqual({ attempts: 3, on: ["OOMKilled", "Evicted", "DeletedExternally", "ImagePull", "ApiError"], exitCodes: [75], backoff: { initialMs: 2000, factor: 1, maxMs: 2000 } });
    expect(base.retry({ attempts: 2, backoff: { initial: "PT1S", max: "PT4S" } }).timeout("PT1H").compile().plan.retry).toMatchObject({ backoff: { initialMs: 1000, factor: 2, maxMs: 4000 }, deadlineMs: 3_600_000 });
    expect(base.compile().plan.retry).toBeUndefined();
    expect(base.compile().describe()).not.toMatch(/attempts/);
    expect(base.retry({ attempts: 3 }).compile().describe()).toMatch(/Up to 3 attempts, each in a fresh pod/);
  });

  test("every attempt's manifest carries its number as a label and in PODKIT_ATTEMPT; a named pod takes -<n> from attempt 2", async () => {
    const { manifest } = await base.retry({ attempts: 2 }).run(new DryRunRunner());
    expect(manifest.metadata?.labels?.["podkit.dev/attempt"]).toBe("1");
    expect(manifest.spec?.containers[0]?.env).toContainEqual({ name: ATTEMPT_ENV, value: "1" });
    const { stampRunIdentity } = await import("../../../lib/mod.ts");
    const compiled = base.compile();
    const second = stampRunIdentity(compiled.manifest, compiled.plan.pod, { runId: "r", namespace: "default", attempt: 2 });
    expect(second.metadata?.name).toBe("job-2");
    expect(second.spec?.containers[0]?.env).toContainEqual({ name: ATTEMPT_ENV, value: "2" });
  });
});

describe("finish policy, accepted exit codes, allowFailure, grace period", () => {
  test("onFinish and its shorthand delete(bool) go to the delete step", () => {
    expect(findStep(base.compile().plan, "delete")).toEqual({ kind: "delete", onFinish: "delete" });
    expect(findStep(base.onFinish("keepOnFailure").compile().plan, "delete")?.onFinish).toBe("keepOnFailure");
    expect(findStep(base.delete(false).compile().plan, "delete")?.onFinish).toBe("keep");
    expect(() => base.onFinish("sometimes" as never)).toThrow(/expected "delete", "keepOnFailure" or "keep"/);
  });

  test("accepted exit codes go to the completion step; allowFailure to the plan", () => {
    const plan = base.acceptExitCodes(1, 2).acceptExitCodes(2, 3).allowFailure().compile().plan;
    expect(findStep(plan, "waitCompletion")?.acceptExitCodes).toEqual([1, 2, 3]);
    expect(plan.allowFailure).toBe(true);
    expect(() => base.acceptExitCodes(1.5)).toThrow(TypeError);
  });

  test("terminationGracePeriod sets the pod's grace period and an aborted run's", () => {
    const compiled = base.terminationGracePeriod("PT20S").compile();
    expect(compiled.manifest.spec?.terminationGracePeriodSeconds).toBe(20);
    expect(findStep(compiled.plan, "delete")?.abortGraceSeconds).toBe(20);
  });

  test("the pod's activeDeadlineSeconds covers its budgets plus a margin, more with outputs; a given one wins", () => {
    const timed = base.waitUntilRunning("PT30S").waitRunning("PT20S");
    expect(timed.compile().manifest.spec?.activeDeadlineSeconds).toBe(50 + 60);
    expect(timed.outputFiles("out.txt").compile().manifest.spec?.activeDeadlineSeconds).toBe(50 + 60 + 300);
    expect(timed.spec({ activeDeadlineSeconds: 7 }).compile().manifest.spec?.activeDeadlineSeconds).toBe(7);
  });
});
