import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node; `integration` needs a Kubernetes cluster
// (KUBECONFIG, else the local cluster of test/cluster) and fails when none is reachable.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/_global_setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Two cores: files share one small cluster, run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
