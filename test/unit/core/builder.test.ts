import { describe, expect, test } from "vitest";
import { PodBuilder, pod } from "../../../lib/mod.ts";

describe("pod()", () => {
  test("starts from the documented defaults", () => {
    const d = pod().description;
    expect(d).toMatchObject({
      kind: "pod",
      workingDir: "/podkit/work",
      fileSidecar: { image: "busybox" },
      timeouts: { waitUntilRunning: "PT10M", waitRunning: "PT1H", waitForLogInterval: "PT5S", waitUntilReady: "PT0S" },
      onFinish: "delete",
      acceptExitCodes: [],
      allowFailure: false,
      resume: true,
      outputNonce: false,
    });
    expect(d.retry).toBeUndefined();
    expect(d.name).toBeUndefined();
    expect(d.namespace).toBeUndefined();
  });

  test("returns a builder whose every method returns a new builder and leaves the old one unchanged", () => {
    const base = pod("job").container({ name: "main", image: "busybox" });
    const before = JSON.stringify(base.description);
    const derived = [
      base.namespace("x"),
      base.labels({ a: "b" }),
      base.annotations({ a: "b" }),
      base.metadata({ labels: { c: "d" } }),
      base.container({ name: "second", image: "busybox" }),
      base.initContainer({ name: "init", image: "busybox" }),
      base.volume({ name: "v", emptyDir: {} }),
      base.spec({ nodeSelector: { a: "b" } }),
      base.defaults({ env: [] }),
      base.inputFile("a", "b"),
      base.outputFiles("*"),
      base.workingDir("/w"),
      base.fileSidecar({ image: "alpine" }),
      base.waitUntilRunning(1),
      base.waitRunning(1),
      base.waitForLogInterval(1),
      base.waitUntilReady(1),
      base.delete(false),
      base.resume(false),
      base.runId("r"),
      base.connection({ masterUrl: "https://k8s" }),
      base.outputNonce(),
    ];
    for (const next of derived) {
      expect(next).toBeInstanceOf(PodBuilder);
      expect(next).not.toBe(base);
    }
    expect(JSON.stringify(base.description)).toBe(before);
  });

  test("freezes its description, deeply", () => {
    const d = pod().container({ name: "main", image: "busybox", env: [{ name: "A", value: "1" }] }).description;
    expect(Object.isFrozen(d)).toBe(true);
    expect(Object.isFrozen(d.containers[0])).toBe(true);
    expect(Object.isFrozen(d.containers[0]?.env?.[0])).toBe(true);
  });

  test("copies what it is given, so later changes to the argument do not leak in", () => {
    const spec = { name: "main", image: "busybox", command: ["echo", "a"] };
    const builder = pod().container(spec);
    spec.command.push("b");
    spec.image = "alpine";
    expect(builder.description.containers[0]).toEqual({ name: "main", image: "busybox", command: ["echo", "a"] });
  });

  test("keeps containers, init containers, volumes, inputs and globs in the order given", () => {
    const d = pod()
      .container({ name: "a", image: "i" })
      .container({ name: "b", image: "i" })
      .spec({ containers: [{ name: "c", image: "i" }], volumes: [{ name: "v1" }] })
      .volume({ name: "v2" })
      .inputFile("x", "1")
      .inputFile("y", "2")
      .outputFiles("p", "q")
      .outputFiles("r").description;
    expect(d.containers.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(d.volumes.map((v) => v.name)).toEqual(["v1", "v2"]);
    expect(d.inputFiles.map((f) => f.name)).toEqual(["x", "y"]);
    expect(d.outputFiles).toEqual(["p", "q", "r"]);
  });

  test("merges labels and annotations call after call, the later value winning", () => {
    const d = pod().labels({ a: "1", b: "1" }).labels({ b: "2" }).metadata({ labels: { c: "3" }, annotations: { n: "1" } }).description;
    expect(d.metadata.labels).toEqual({ a: "1", b: "2", c: "3" });
    expect(d.metadata.annotations).toEqual({ n: "1" });
  });

  test("takes the name and namespace of metadata() as the pod's", () => {
    const d = pod().metadata({ name: "job", namespace: "batch" }).description;
    expect(d.name).toBe("job");
    expect(d.namespace).toBe("batch");
    expect(d.metadata).toEqual({});
  });

  test("merges fileSidecar() options, keeping those not given", () => {
    const d = pod()
      .fileSidecar({ resources: { limits: { cpu: "300m" } } })
      .fileSidecar({ image: "alpine:3" }).description;
    expect(d.fileSidecar).toEqual({ image: "alpine:3", resources: { limits: { cpu: "300m" } } });
  });

  test("restores the default working directory when workingDir() has no argument", () => {
    expect(pod().workingDir("/data").workingDir().description.workingDir).toBe("/podkit/work");
  });

  test("keeps stream and byte contents as given, without copying them", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const stream = new ReadableStream<Uint8Array>();
    const d = pod().inputFile("a", bytes).inputFile("b", stream).description;
    expect(d.inputFiles[0]?.content).toBe(bytes);
    expect(d.inputFiles[1]?.content).toBe(stream);
  });

  test("rebuilds from a description", () => {
    const original = pod("job").container({ name: "main", image: "busybox" }).runId("r1");
    expect(new PodBuilder(original.description).compile().manifest).toEqual(original.compile().manifest);
  });
});

describe("builder methods throw a TypeError at the call", () => {
  const loose = <T>(value: unknown): T => value as T;
  test.each([
    ["pod(42)", () => pod(loose(42))],
    ["namespace(undefined)", () => pod().namespace(loose(undefined))],
    ["labels with a number value", () => pod().labels(loose({ a: 1 }))],
    ["annotations(null)", () => pod().annotations(loose(null))],
    ["container([])", () => pod().container(loose([]))],
    ["initContainer('x')", () => pod().initContainer(loose("x"))],
    ["volume(undefined)", () => pod().volume(loose(undefined))],
    ["spec(null)", () => pod().spec(loose(null))],
    ["defaults(1)", () => pod().defaults(loose(1))],
    ["inputFile with a number content", () => pod().inputFile("a", loose(1))],
    ["inputFile with { file } instead of { path }", () => pod().inputFile("a", loose({ file: "x" }))],
    ["outputFiles with a non-string", () => pod().outputFiles(loose(1))],
    ["waitRunning(null)", () => pod().waitRunning(loose(null))],
    ["delete('yes')", () => pod().delete(loose("yes"))],
    ["runId(1)", () => pod().runId(loose(1))],
    ["connection('url')", () => pod().connection(loose("url"))],
  ])("%s", (_, call) => {
    expect(call).toThrow(TypeError);
  });

  test("with a message that names the method and the expected value", () => {
    expect(() => pod().delete(loose("yes"))).toThrow('Cannot use delete("yes"): expected true or false');
  });
});
