import { stringify } from "yaml";
import { describe, expect, test } from "vitest";
import type { PodBuilder } from "../../../lib/mod.ts";
import { example as launchPod } from "../../../examples/01-launch-pod.ts";
import { example as inputOutputFiles } from "../../../examples/02-input-output-files.ts";
import { example as fileSidecarResources } from "../../../examples/03-file-sidecar-resources.ts";
import { example as restrictiveDefaults } from "../../../examples/04-restrictive-defaults.ts";

const examples: readonly [string, PodBuilder][] = [
  ["01-launch-pod", launchPod],
  ["02-input-output-files", inputOutputFiles],
  ["03-file-sidecar-resources", fileSidecarResources],
  ["04-restrictive-defaults", restrictiveDefaults],
];

describe("the reference examples", () => {
  test.each(examples)("%s compiles to the manifest and plan on file", async (name, example) => {
    const compiled = example.compile();
    await expect(stringify(compiled.manifest)).toMatchFileSnapshot(`__snapshots__/examples/${name}.yaml`);
    await expect(compiled.describe()).toMatchFileSnapshot(`__snapshots__/examples/${name}.plan.txt`);
  });

  test("01 runs one labelled container, with nothing added for files", () => {
    const { manifest } = launchPod.compile();
    expect(manifest.metadata?.labels).toMatchObject({ "my-label": "my-value" });
    expect(manifest.spec?.containers.map((c) => c.name)).toEqual(["unittest"]);
    expect(manifest.spec?.initContainers).toBeUndefined();
    expect(manifest.spec?.volumes).toBeUndefined();
  });

  test.each(examples.slice(1))("%s shows the init container, the sidecar and the shared volume", (_, example) => {
    const { manifest } = example.compile();
    const spec = manifest.spec;
    expect(spec?.initContainers?.[0]?.name).toBe("podkit-init");
    expect(spec?.containers.at(-1)?.name).toBe("podkit-outputs");
    expect(spec?.volumes).toContainEqual({ name: "podkit-work", emptyDir: {} });
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      expect(c.volumeMounts).toContainEqual({ name: "podkit-work", mountPath: "/podkit/work" });
    }
    expect(spec?.containers[0]?.command).toEqual(["cp", "/podkit/work/data.txt", "/podkit/work/out.txt"]);
  });

  test("03 limits the resources of the file-transfer containers only", () => {
    const spec = fileSidecarResources.compile().manifest.spec;
    const limits = { limits: { cpu: "300m", memory: "512Mi" } };
    expect(spec?.initContainers?.[0]?.resources).toEqual(limits);
    expect(spec?.containers[1]?.resources).toEqual(limits);
    expect(spec?.containers[0]?.resources).toBeUndefined();
  });

  test("04 applies the restrictive defaults to every container, podkit's included", () => {
    const spec = restrictiveDefaults.compile().manifest.spec;
    const all = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    expect(all).toHaveLength(3);
    for (const c of all) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    }
  });
});
