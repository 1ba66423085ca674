// `tsc --noEmit` (run by `npm run typecheck` before the tests) is what checks this file: a
// wrong overload of `PodBuilder.run()` fails the type check, not the test run.
import { describe, expectTypeOf, test } from "vitest";
import { DryRunRunner, pod, type DryRunResult, type PodBuilder, type RunOptions, type RunResult, type Runner } from "../../../lib/mod.ts";

const builder: PodBuilder = pod("types").container({ name: "main", image: "busybox" });

describe("PodBuilder.run() types", () => {
  test("without a runner, run() resolves with a RunResult", () => {
    expectTypeOf(builder.run).toBeCallableWith();
    expectTypeOf(builder.run).toBeCallableWith({ signal: AbortSignal.timeout(1000) });
    type NoRunner = (options?: RunOptions) => Promise<RunResult>;
    expectTypeOf<ReturnType<NoRunner>>().toEqualTypeOf<Promise<RunResult>>();
    // Only types are checked here: the calls below are never made.
    const call = (): Promise<RunResult> => builder.run({ outputDir: "/tmp/out" });
    expectTypeOf(call).returns.toEqualTypeOf<Promise<RunResult>>();
  });

  test("with a runner, run() resolves with the runner's result", () => {
    const dry = (): Promise<DryRunResult> => builder.run(new DryRunRunner());
    expectTypeOf(dry).returns.resolves.toEqualTypeOf<DryRunResult>();
    const custom: Runner<{ readonly ok: true }> = { run: () => Promise.resolve({ ok: true }) };
    const ran = (): Promise<{ readonly ok: true }> => builder.run(custom, { signal: AbortSignal.timeout(1000) });
    expectTypeOf(ran).returns.resolves.toEqualTypeOf<{ readonly ok: true }>();
  });

  test("a result type without a runner to produce it does not type-check", () => {
    // @ts-expect-error run<R>() needs a runner of R: without one the result is a RunResult
    const wrong = (): Promise<DryRunResult> => builder.run<DryRunResult>();
    // @ts-expect-error nor may a RunResult be taken for another runner's result
    const mismatched = (): Promise<DryRunResult> => builder.run({ outputDir: "/tmp/out" });
    // @ts-expect-error the runner comes first, the options second
    const swapped = (): Promise<DryRunResult> => builder.run({}, new DryRunRunner());
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(mismatched).toBeFunction();
    expectTypeOf(swapped).toBeFunction();
  });
});
