import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    mod: "lib/mod.ts",
    kubernetes: "lib/kubernetes/mod.ts",
    kestra: "lib/kestra/mod.ts",
    testing: "lib/testing/mod.ts",
    cli: "cli/main.ts",
  },
  format: ["esm"],
  target: "node22",
  platform: "node",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
});
