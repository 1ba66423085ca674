import { expect, test, vi } from "vitest";
import { pod, type CompiledPod } from "../../../lib/mod.ts";

const seen: CompiledPod[] = [];

vi.mock("../../../lib/kubernetes/mod.ts", () => ({
  KubernetesRunner: class {
    run(compiled: CompiledPod): Promise<string> {
      seen.push(compiled);
      return Promise.resolve("ran on the cluster");
    }
  },
}));

test("run() without a runner uses the KubernetesRunner of podkit/kubernetes", async () => {
  const result = await pod("hello").container({ name: "main", image: "busybox" }).run();
  expect(result).toBe("ran on the cluster");
  expect(seen[0]?.manifest.metadata?.name).toBe("hello");
});

test("run() checks the signal before anything else", async () => {
  await expect(pod().run({ signal: AbortSignal.abort() })).rejects.toThrow(/aborted/);
});
