import { describe, expect, test } from "vitest";
import { DryRunRunner, pod, PodValidationError, type CompiledPod, type Runner } from "../../../lib/mod.ts";

const hello = pod("hello").container({ name: "main", image: "busybox", command: ["echo", "hi"] });

describe("DryRunRunner", () => {
  test("resolves with the manifest, the plan and its description, executing nothing", async () => {
    const result = await hello.run(new DryRunRunner());
    const compiled = hello.compile();
    expect(result.manifest).toEqual(compiled.manifest);
    expect(result.plan).toEqual(compiled.plan);
    expect(result.description).toBe(compiled.describe());
  });

  test("rejects at once when the signal is already aborted", async () => {
    await expect(hello.run(new DryRunRunner(), { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/);
    await expect(new DryRunRunner().run(hello.compile(), { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe("run()", () => {
  test("rejects with the PodValidationError before calling the runner", async () => {
    let called = false;
    const runner: Runner<string> = {
      run: () => {
        called = true;
        return Promise.resolve("ran");
      },
    };
    await expect(pod().run(runner)).rejects.toBeInstanceOf(PodValidationError);
    expect(called).toBe(false);
  });

  test("hands the compiled pod and the options to the runner it is given", async () => {
    let seen: [CompiledPod, unknown] | undefined;
    const options = { outputDir: "/tmp/out" };
    const runner: Runner<number> = {
      run: (compiled, opts) => {
        seen = [compiled, opts];
        return Promise.resolve(7);
      },
    };
    await expect(hello.run(runner, options)).resolves.toBe(7);
    expect(seen?.[0].manifest.metadata?.name).toBe("hello");
    expect(seen?.[1]).toBe(options);
  });
});
