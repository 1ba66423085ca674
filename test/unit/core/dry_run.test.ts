import { describe, expect, test } from "vitest";
import { checkRunId, DryRunRunner, OUTPUT_NONCE_ENV, pod, PodValidationError, stampRunIdentity, type CompiledPod, type Runner } from "../../../lib/mod.ts";

const hello = pod("hello").container({ name: "main", image: "busybox", command: ["echo", "hi"] });

describe("DryRunRunner", () => {
  test("resolves with the manifest a run would create, the plan and its description, executing nothing", async () => {
    const result = await hello.run(new DryRunRunner());
    const compiled = hello.compile();
    expect(result.manifest).toEqual(stampRunIdentity(compiled.manifest, compiled.plan.pod, { runId: result.runId, namespace: "default" }));
    expect(result.manifest.metadata?.labels?.["podkit.dev/run-id"]).toBe(result.runId);
    expect(result.namespace).toBe("default");
    expect(result.plan).toEqual(compiled.plan);
    expect(result.description).toBe(compiled.describe());
  });

  test("stamps the given run id, and a nonce in every user container but none of podkit's own", async () => {
    const job = hello.runId("nightly-1").outputNonce().initContainer({ name: "prep", image: "busybox" }).inputFile("a", "a").outputFiles("b");
    const { manifest, runId } = await job.run(new DryRunRunner());
    expect(runId).toBe("nightly-1");
    const nonces = [...(manifest.spec?.initContainers ?? []), ...(manifest.spec?.containers ?? [])].map((c) => [c.name, c.env?.find((e) => e.name === OUTPUT_NONCE_ENV)?.value]);
    expect(nonces.map(([name]) => name)).toEqual(["podkit-init", "prep", "main", "podkit-outputs"]);
    expect(nonces[0]?.[1]).toBeUndefined();
    expect(nonces[3]?.[1]).toBeUndefined();
    expect(nonces[1]?.[1]).toMatch(/^[0-9a-f]{24}$/);
    expect(nonces[2]?.[1]).toBe(nonces[1]?.[1]);
  });

  test("refuses a run id that is not a label value, before anything runs", async () => {
    await expect(hello.runId("bad id!").run(new DryRunRunner())).rejects.toBeInstanceOf(PodValidationError);
    expect(() => checkRunId("bad id!")).toThrow(/Cannot use run id "bad id!": a label value/);
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
