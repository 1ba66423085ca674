import { describe, expect, test } from "vitest";
import { compile, DryRunRunner, pod, resolveNamespace } from "../../../lib/mod.ts";

const base = pod().container({ name: "main", image: "busybox" });

describe("compile()", () => {
  test("names the pod when a name is given", () => {
    const { manifest } = pod("job").container({ name: "main", image: "busybox" }).compile();
    expect(manifest.metadata?.name).toBe("job");
    expect(manifest.metadata?.generateName).toBeUndefined();
  });

  test("derives generateName from the first container's name otherwise", () => {
    expect(base.compile().manifest.metadata?.generateName).toBe("main-");
    expect(pod().container({ name: "a".repeat(63), image: "i" }).compile().manifest.metadata?.generateName).toBe(`${"a".repeat(57)}-`);
  });

  test("keeps a generateName given in metadata", () => {
    expect(base.metadata({ generateName: "nightly-" }).compile().manifest.metadata?.generateName).toBe("nightly-");
  });

  test("names the namespace only when .namespace() gives it: the runner decides the rest", () => {
    expect(base.compile().manifest.metadata?.namespace).toBeUndefined();
    expect(base.namespace("batch").compile().manifest.metadata?.namespace).toBe("batch");
    expect(base.namespace("batch").compile().plan.pod.namespace).toBe("batch");
    expect(base.connection({ namespace: "jobs" }).compile().plan.pod.namespace).toBeUndefined();
  });

  test("a run's namespace: .namespace(), else the connection's, else the context's, else default", async () => {
    const dry = new DryRunRunner({ contextNamespace: "ctx" });
    expect((await base.run(dry)).namespace).toBe("ctx");
    expect((await base.connection({ namespace: "jobs" }).run(dry)).namespace).toBe("jobs");
    expect((await base.connection({ namespace: "jobs" }).namespace("batch").run(dry)).manifest.metadata?.namespace).toBe("batch");
    expect((await base.run(new DryRunRunner())).manifest.metadata?.namespace).toBe("default");
    expect(resolveNamespace({ explicit: "", connection: "", context: "" })).toBe("default");
  });

  test("labels the pod as managed by podkit, without a run id (the runner adds it)", () => {
    const labels = base.labels({ team: "data" }).runId("r1").compile().manifest.metadata?.labels;
    expect(labels).toEqual({ team: "data", "app.kubernetes.io/managed-by": "podkit" });
  });

  test("defaults restartPolicy to Never and keeps OnFailure", () => {
    expect(base.compile().manifest.spec?.restartPolicy).toBe("Never");
    expect(base.spec({ restartPolicy: "OnFailure" }).compile().manifest.spec?.restartPolicy).toBe("OnFailure");
  });

  test("passes other pod spec fields through", () => {
    const spec = base
      .spec({ serviceAccountName: "runner", nodeSelector: { pool: "batch" }, tolerations: [{ key: "k", operator: "Exists" }] })
      .compile().manifest.spec;
    expect(spec).toMatchObject({ serviceAccountName: "runner", nodeSelector: { pool: "batch" }, tolerations: [{ key: "k", operator: "Exists" }] });
  });

  test("adds no volume, init container or sidecar without files", () => {
    const spec = base.compile().manifest.spec;
    expect(spec?.volumes).toBeUndefined();
    expect(spec?.initContainers).toBeUndefined();
    expect(spec?.containers.map((c) => c.name)).toEqual(["main"]);
  });

  test("with input files, places podkit-init first among init containers and mounts the working dir everywhere", () => {
    const spec = base.initContainer({ name: "prep", image: "busybox" }).inputFile("a.txt", "a").compile().manifest.spec;
    expect(spec?.initContainers?.map((c) => c.name)).toEqual(["podkit-init", "prep"]);
    expect(spec?.containers.map((c) => c.name)).toEqual(["main"]);
    expect(spec?.volumes).toEqual([{ name: "podkit-work", emptyDir: {} }]);
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      expect(c.volumeMounts).toContainEqual({ name: "podkit-work", mountPath: "/podkit/work" });
    }
    const init = spec?.initContainers?.[0];
    expect(init?.image).toBe("busybox");
    expect(init?.env).toEqual([{ name: "PODKIT_WORKING_DIR", value: "/podkit/work" }]);
    expect(init?.command?.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(init?.command?.[2]).toContain('"$PODKIT_WORKING_DIR/.podkit-ready"');
  });

  test("with output files, appends the podkit-outputs sidecar last", () => {
    const spec = base.container({ name: "second", image: "busybox" }).outputFiles("*.txt").compile().manifest.spec;
    expect(spec?.containers.map((c) => c.name)).toEqual(["main", "second", "podkit-outputs"]);
    expect(spec?.initContainers).toBeUndefined();
    const sidecar = spec?.containers[2];
    expect(sidecar?.command?.[2]).toMatch(/trap 'exit 0' TERM.*\.podkit-ended/);
  });

  test("mounts the working directory given by workingDir()", () => {
    const spec = base.workingDir("/data").outputFiles("x").compile().manifest.spec;
    expect(spec?.containers[0]?.volumeMounts).toEqual([{ name: "podkit-work", mountPath: "/data" }]);
    expect(spec?.containers[1]?.env).toEqual([{ name: "PODKIT_WORKING_DIR", value: "/data" }]);
  });

  test("gives the file-transfer containers the sidecar image and resources", () => {
    const spec = base
      .fileSidecar({ image: "alpine:3", resources: { limits: { cpu: "300m", memory: "512Mi" } } })
      .inputFile("a", "a")
      .outputFiles("b")
      .compile().manifest.spec;
    for (const c of [spec?.initContainers?.[0], spec?.containers[1]]) {
      expect(c?.image).toBe("alpine:3");
      expect(c?.resources).toEqual({ limits: { cpu: "300m", memory: "512Mi" } });
    }
  });

  test("applies the defaults to user containers, user init containers and the file-transfer containers", () => {
    const spec = base
      .initContainer({ name: "prep", image: "busybox" })
      .defaults({ securityContext: { readOnlyRootFilesystem: true }, env: [{ name: "TZ", value: "UTC" }] })
      .inputFile("a", "a")
      .outputFiles("b")
      .compile().manifest.spec;
    const all = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    expect(all.map((c) => c.name)).toEqual(["podkit-init", "prep", "main", "podkit-outputs"]);
    for (const c of all) {
      expect(c.securityContext).toEqual({ readOnlyRootFilesystem: true });
      expect(c.env).toContainEqual({ name: "TZ", value: "UTC" });
    }
  });

  test("applies fileSidecar.defaultSpec instead of the defaults to the file-transfer containers", () => {
    const spec = base
      .defaults({ securityContext: { runAsUser: 1000 } })
      .fileSidecar({ defaultSpec: { securityContext: { runAsUser: 2000 } } })
      .outputFiles("b")
      .compile().manifest.spec;
    expect(spec?.containers[0]?.securityContext).toEqual({ runAsUser: 1000 });
    expect(spec?.containers[1]?.securityContext).toEqual({ runAsUser: 2000 });
  });

  test("resolves {{workingDir}} in every string of the spec, not in metadata", () => {
    const { manifest } = pod()
      .annotations({ note: "{{workingDir}}" })
      .container({
        name: "main",
        image: "busybox",
        command: ["cp", "{{workingDir}}/a", "{{ workingDir }}/b"],
        env: [{ name: "DIR", value: "{{workingDir}}" }],
        workingDir: "{{workingDir}}",
      })
      .defaults({ args: ["--in={{workingDir}}/x"] })
      .volume({ name: "host", hostPath: { path: "{{workingDir}}" } })
      .workingDir("/w")
      .outputFiles("b")
      .compile();
    const main = manifest.spec?.containers[0];
    expect(main?.command).toEqual(["cp", "/w/a", "/w/b"]);
    expect(main?.args).toEqual(["--in=/w/x"]);
    expect(main?.env).toEqual([{ name: "DIR", value: "/w" }]);
    expect(main?.workingDir).toBe("/w");
    expect(manifest.spec?.volumes?.[0]).toEqual({ name: "host", hostPath: { path: "/w" } });
    expect(manifest.metadata?.annotations).toEqual({ note: "{{workingDir}}" });
  });

  test("runs the file-transfer containers as nobody when the defaults demand a non-root user and name none", () => {
    const spec = base.defaults({ securityContext: { runAsNonRoot: true } }).inputFile("a", "a").outputFiles("b").compile().manifest.spec;
    expect(spec?.initContainers?.[0]?.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534 });
    expect(spec?.containers[1]?.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534 });
    expect(spec?.containers[0]?.securityContext).toEqual({ runAsNonRoot: true });
    const named = base.spec({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }).outputFiles("b").compile().manifest.spec;
    expect(named?.containers[1]?.securityContext).toBeUndefined();
  });

  test("resolves {{workingDir}} in the defaults given to the file-transfer containers", () => {
    const spec = base.defaults({ env: [{ name: "DIR", value: "{{workingDir}}" }] }).outputFiles("x").compile().manifest.spec;
    expect(spec?.containers[1]?.env).toContainEqual({ name: "DIR", value: "/podkit/work" });
  });

  test("is deterministic: the same description gives the same manifest and plan", () => {
    const builder = base.inputFile("a", "a").outputFiles("b").defaults({ env: [{ name: "A", value: "1" }] });
    const [a, b] = [compile(builder.description), compile(builder.description)];
    expect(a.manifest).toEqual(b.manifest);
    expect(a.plan).toEqual(b.plan);
    expect(a.describe()).toBe(b.describe());
    expect(JSON.stringify(builder.compile().manifest)).toBe(JSON.stringify(builder.compile().manifest));
  });

  test("returns a deeply frozen manifest and plan", () => {
    const compiled = base.outputFiles("x").compile();
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(Object.isFrozen(compiled.manifest.spec?.containers[0]?.volumeMounts)).toBe(true);
    expect(Object.isFrozen(compiled.plan.steps[0])).toBe(true);
  });

  test("does not modify the description", () => {
    const builder = base.defaults({ env: [{ name: "A", value: "1" }] }).outputFiles("x");
    const before = JSON.stringify(builder.description);
    builder.compile();
    expect(JSON.stringify(builder.description)).toBe(before);
  });
});
