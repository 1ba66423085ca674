import { describe, expect, test } from "vitest";
import { pod, PodBuilder, PodValidationError, type ValidationIssue } from "../../../lib/mod.ts";

// A pod that compiles; each case below breaks it in one way.
const ok = pod("job").container({ name: "main", image: "busybox" });

function issuesOf(builder: PodBuilder): readonly ValidationIssue[] {
  try {
    builder.compile();
  } catch (error) {
    expect(error).toBeInstanceOf(PodValidationError);
    return (error as PodValidationError).issues;
  }
  throw new Error("compile() accepted the pod");
}

// Casts let the table feed what TypeScript would refuse, as plain JavaScript or parsed
// YAML could.
const loose = <T>(value: unknown): T => value as T;

interface Case {
  readonly name: string;
  readonly build: () => PodBuilder;
  readonly path: string;
  readonly message?: RegExp;
}

const cases: readonly Case[] = [
  { name: "a pod without containers", build: () => pod("job"), path: "spec.containers", message: /at least one container/ },
  { name: "a container without image", build: () => pod().container({ name: "main" }), path: "spec.containers[0].image" },
  { name: "an empty image", build: () => pod().container({ name: "main", image: " " }), path: "spec.containers[0].image" },
  { name: "a container without name", build: () => pod().container(loose({ image: "busybox" })), path: "spec.containers[0].name" },
  {
    name: "a container name that is not DNS-1123",
    build: () => ok.container({ name: "Side_Car", image: "busybox" }),
    path: "spec.containers[1].name",
    message: /DNS-1123 label.*"side-car"/,
  },
  {
    name: "a container name over 63 characters",
    build: () => ok.container({ name: "a".repeat(64), image: "busybox" }),
    path: "spec.containers[1].name",
    message: /at most 63/,
  },
  {
    name: "two containers of the same name",
    build: () => ok.container({ name: "main", image: "busybox" }),
    path: "spec.containers[1].name",
    message: /Duplicate container name "main"/,
  },
  {
    name: "an init container named like a container",
    build: () => ok.initContainer({ name: "main", image: "busybox" }),
    path: "spec.containers[0].name",
    message: /Duplicate/,
  },
  {
    name: "a container named podkit-init",
    build: () => ok.container({ name: "podkit-init", image: "busybox" }),
    path: "spec.containers[1].name",
    message: /reserved/,
  },
  {
    name: "an init container named podkit-outputs",
    build: () => ok.initContainer({ name: "podkit-outputs", image: "busybox" }),
    path: "spec.initContainers[0].name",
    message: /reserved/,
  },
  {
    name: "a volume named podkit-work",
    build: () => ok.volume({ name: "podkit-work", emptyDir: {} }),
    path: "spec.volumes[0].name",
    message: /reserved/,
  },
  { name: "a volume name with upper case", build: () => ok.volume({ name: "Data", emptyDir: {} }), path: "spec.volumes[0].name" },
  {
    name: "two volumes of the same name",
    build: () => ok.volume({ name: "data", emptyDir: {} }).volume({ name: "data", emptyDir: {} }),
    path: "spec.volumes[1].name",
  },
  { name: "a pod name with upper case", build: () => pod("Job").container({ name: "main", image: "busybox" }), path: "metadata.name" },
  {
    name: "a pod name over 253 characters",
    build: () => pod("a".repeat(254)).container({ name: "main", image: "busybox" }),
    path: "metadata.name",
  },
  { name: "a namespace with a dot", build: () => ok.namespace("team.a"), path: "metadata.namespace" },
  {
    name: "a generateName too long for the random suffix",
    build: () => pod().container({ name: "main", image: "busybox" }).metadata({ generateName: `${"a".repeat(60)}-` }),
    path: "metadata.generateName",
    message: /at most 58/,
  },
  {
    name: "a name and a generateName together",
    build: () => ok.metadata({ generateName: "job-" }),
    path: "metadata.generateName",
  },
  { name: "a server-set metadata field", build: () => ok.metadata({ uid: "1234" }), path: "metadata.uid", message: /API server/ },
  { name: "a misspelt metadata field", build: () => ok.metadata(loose({ lables: {} })), path: "metadata.lables", message: /"labels"/ },
  {
    name: "restartPolicy Always",
    build: () => ok.spec({ restartPolicy: "Always" }),
    path: "spec.restartPolicy",
    message: /never ends/,
  },
  { name: "an unknown restartPolicy", build: () => ok.spec({ restartPolicy: "Sometimes" }), path: "spec.restartPolicy" },
  {
    name: "an init container restartPolicy other than Always",
    build: () => ok.initContainer({ name: "prep", image: "busybox", restartPolicy: "Never" }),
    path: "spec.initContainers[0].restartPolicy",
  },
  {
    name: "a volume mount of an undeclared volume",
    build: () => pod().container({ name: "main", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }),
    path: "spec.containers[0].volumeMounts[0].name",
    message: /not declared/,
  },
  {
    name: "a default volume mount of an undeclared volume",
    build: () => ok.defaults({ volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] }),
    path: "defaults.volumeMounts[0].name",
  },
  {
    name: "two volumes mounted at one path",
    build: () =>
      pod()
        .volume({ name: "a", emptyDir: {} })
        .volume({ name: "b", emptyDir: {} })
        .container({
          name: "main",
          image: "busybox",
          volumeMounts: [
            { name: "a", mountPath: "/data" },
            { name: "b", mountPath: "/data" },
          ],
        }),
    path: "spec.containers[0].volumeMounts[1].mountPath",
  },
  {
    name: "a volume mounted over the working directory",
    build: () =>
      ok
        .volume({ name: "data", emptyDir: {} })
        .container({ name: "other", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/podkit/work" }] })
        .outputFiles("out.txt"),
    path: "spec.containers[1].volumeMounts[0].mountPath",
    message: /working directory/,
  },
  {
    name: "two env vars of the same name",
    build: () =>
      pod().container({ name: "main", image: "busybox", env: [{ name: "A", value: "1" }, { name: "A", value: "2" }] }),
    path: "spec.containers[0].env[1].name",
  },
  {
    name: "a label key with a space",
    build: () => ok.labels({ "my key": "v" }),
    path: 'metadata.labels["my key"]',
    message: /Invalid label key/,
  },
  {
    name: "a label key with an invalid prefix",
    build: () => ok.labels({ "Example.com/team": "v" }),
    path: 'metadata.labels["Example.com/team"]',
  },
  {
    name: "a label value over 63 characters",
    build: () => ok.labels({ team: "x".repeat(64) }),
    path: "metadata.labels.team",
    message: /at most 63/,
  },
  { name: "a label value with a space", build: () => ok.labels({ team: "data team" }), path: "metadata.labels.team" },
  {
    name: "the run-id label set by hand",
    build: () => ok.labels({ "podkit.dev/run-id": "abc" }),
    path: 'metadata.labels["podkit.dev/run-id"]',
    message: /runId/,
  },
  { name: "an annotation key with a space", build: () => ok.annotations({ "a b": "c" }), path: 'metadata.annotations["a b"]' },
  {
    name: "annotations over 256 KiB",
    build: () => ok.annotations({ big: "x".repeat(256 * 1024) }),
    path: "metadata.annotations",
    message: /256 KiB/,
  },
  { name: "a duration without T", build: () => ok.waitUntilRunning("P3M0S"), path: "timeouts.waitUntilRunning" },
  { name: "a duration like 3m", build: () => ok.waitRunning("3m"), path: "timeouts.waitRunning", message: /"PT3M"/ },
  { name: "a negative duration", build: () => ok.waitForLogInterval(-1), path: "timeouts.waitForLogInterval" },
  { name: "an infinite duration", build: () => ok.waitUntilReady(Infinity), path: "timeouts.waitUntilReady" },
  { name: "a zero running budget", build: () => ok.waitRunning(0), path: "timeouts.waitRunning" },
  {
    name: "an absolute input file name",
    build: () => ok.inputFile("/etc/passwd", "x"),
    path: 'inputFiles["/etc/passwd"]',
    message: /absolute/,
  },
  { name: "an input file climbing out", build: () => ok.inputFile("../x", "x"), path: 'inputFiles["../x"]', message: /climbs/ },
  { name: "an input file climbing from inside", build: () => ok.inputFile("a/../../x", "x"), path: 'inputFiles["a/../../x"]' },
  { name: "an empty input file name", build: () => ok.inputFile("", "x"), path: 'inputFiles[""]' },
  { name: "an input file named like a directory", build: () => ok.inputFile("dir/", "x"), path: 'inputFiles["dir/"]' },
  {
    name: "the same input file twice",
    build: () => ok.inputFile("a.txt", "1").inputFile("./a.txt", "2"),
    path: 'inputFiles["./a.txt"]',
    message: /twice/,
  },
  {
    name: "an input file that is the directory of another",
    build: () => ok.inputFile("a", "1").inputFile("a/b", "2"),
    path: 'inputFiles["a/b"]',
  },
  { name: "an input file named like podkit's marker", build: () => ok.inputFile(".podkit-ready", "x"), path: 'inputFiles[".podkit-ready"]' },
  { name: "an absolute output glob", build: () => ok.outputFiles("out.txt", "/tmp/*"), path: "outputFiles[1]", message: /absolute/ },
  { name: "an output glob climbing out", build: () => ok.outputFiles("../**"), path: "outputFiles[0]", message: /climbs/ },
  { name: "an empty output glob", build: () => ok.outputFiles(""), path: "outputFiles[0]" },
  { name: "an output glob with backslashes", build: () => ok.outputFiles("out\\*.txt"), path: "outputFiles[0]" },
  { name: "a relative working directory", build: () => ok.workingDir("work"), path: "workingDir" },
  { name: "the root as working directory", build: () => ok.workingDir("/"), path: "workingDir" },
  {
    name: "a misspelt container field",
    build: () => pod().container(loose({ name: "main", image: "busybox", comand: ["true"] })),
    path: "spec.containers[0].comand",
    message: /did you mean "command"\?/,
  },
  {
    name: "a misspelt nested field",
    build: () => pod().container(loose({ name: "main", image: "busybox", securityContext: { runAsUsr: 1000 } })),
    path: "spec.containers[0].securityContext.runAsUsr",
    message: /"runAsUser"/,
  },
  {
    name: "a misspelt field in a list entry",
    build: () => pod().container(loose({ name: "main", image: "busybox", env: [{ name: "A", valu: "1" }] })),
    path: "spec.containers[0].env[0].valu",
    message: /"value"/,
  },
  {
    name: "a misspelt pod spec field",
    build: () => ok.spec(loose({ nodeSelecter: { pool: "batch" } })),
    path: "spec.nodeSelecter",
    message: /"nodeSelector"/,
  },
  {
    name: "a misspelt volume field",
    build: () => ok.volume(loose({ name: "tmp", emptydir: {} })),
    path: "spec.volumes[0].emptydir",
    message: /"emptyDir"/,
  },
  {
    name: "a misspelt default field",
    build: () => ok.defaults(loose({ secutiryContext: {} })),
    path: "defaults.secutiryContext",
    message: /"securityContext"/,
  },
  { name: "a name in the defaults", build: () => ok.defaults(loose({ name: "x" })), path: "defaults.name" },
  {
    name: "a misspelt field of the sidecar resources",
    build: () => ok.fileSidecar(loose({ resources: { limit: { cpu: "1" } } })),
    path: "fileSidecar.resources.limit",
    message: /"limits"/,
  },
  {
    name: "a misspelt field of the sidecar defaults",
    build: () => ok.fileSidecar({ defaultSpec: loose({ securitycontext: {} }) }),
    path: "fileSidecar.defaultSpec.securitycontext",
  },
  {
    name: "a sidecar default mount of an undeclared volume",
    build: () => ok.outputFiles("x").fileSidecar({ defaultSpec: { volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] } }),
    path: "fileSidecar.defaultSpec.volumeMounts[0].name",
  },
  {
    name: "an annotation value given as a number, in a description built by hand",
    build: () => new PodBuilder({ ...ok.description, metadata: { annotations: loose({ n: 1 }) } }),
    path: "metadata.annotations.n",
    message: /Expected a string/,
  },
  {
    name: "a quantity given as an object",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: loose({ cpu: { value: 1 } }) } }),
    path: "spec.containers[0].resources.limits.cpu",
  },
  { name: "an empty sidecar image", build: () => ok.fileSidecar({ image: "" }), path: "fileSidecar.image" },
  {
    name: "a command given as a string",
    build: () => pod().container(loose({ name: "main", image: "busybox", command: "echo hi" })),
    path: "spec.containers[0].command",
    message: /Expected a list/,
  },
  {
    name: "a port number given as text",
    build: () => pod().container(loose({ name: "main", image: "busybox", ports: [{ containerPort: "80" }] })),
    path: "spec.containers[0].ports[0].containerPort",
    message: /Expected a number/,
  },
  {
    name: "a port name over 15 characters",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 80, name: "http-frontend-main" }] }),
    path: "spec.containers[0].ports[0].name",
  },
  { name: "a run id with a slash", build: () => ok.runId("a/b"), path: "runId" },
  { name: "a run id over 63 characters", build: () => ok.runId("r".repeat(64)), path: "runId" },
  { name: "an empty run id", build: () => ok.runId(""), path: "runId" },
  {
    name: "a misspelt connection option",
    build: () => ok.connection(loose({ masterURL: "https://k8s" })),
    path: "connection.masterURL",
    message: /"masterUrl"/,
  },
  { name: "a master URL that is not a URL", build: () => ok.connection({ masterUrl: "k8s:6443" }), path: "connection.masterUrl" },
  {
    name: "a CA certificate as data and as file",
    build: () => ok.connection({ caCertData: "pem", caCertFile: "/ca.pem" }),
    path: "connection.caCertFile",
  },
  { name: "a username without a password", build: () => ok.connection({ username: "me" }), path: "connection.password" },
];

describe("compile() rejects", () => {
  test("at least 30 distinct bad inputs", () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(cases)("$name at $path", ({ build, path, message }) => {
    const issues = issuesOf(build());
    const issue = issues.find((i) => i.path === path);
    expect(issue, `issues were ${JSON.stringify(issues, null, 2)}`).toBeDefined();
    if (message !== undefined) expect(issue?.message).toMatch(message);
  });
});

describe("compile() reports", () => {
  test("every problem at once, in one PodValidationError", () => {
    const issues = issuesOf(
      pod("Bad")
        .container(loose({ name: "main", comand: ["x"] }))
        .waitRunning("soon")
        .inputFile("/abs", "x"),
    );
    expect(issues.map((i) => i.path)).toEqual([
      "metadata.name",
      "spec.containers[0].comand",
      "spec.containers[0].image",
      'inputFiles["/abs"]',
      "timeouts.waitRunning",
    ]);
  });

  test("the issues in the error message, one per line", () => {
    expect(() => pod().compile()).toThrow(/Cannot compile the pod: 1 problem found\n {2}- spec\.containers: A pod needs/);
  });

  test("no unknown field for every documented field of a container", () => {
    expect(() =>
      pod()
        .container({
          name: "main",
          image: "busybox",
          command: ["sh"],
          args: ["-c", "true"],
          env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          resources: { limits: { cpu: "1", memory: "1Gi" }, requests: loose({ cpu: 0.5 }) },
          ports: [{ containerPort: 8080, name: "http" }],
          readinessProbe: { httpGet: { path: "/", port: "http" } },
          securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        })
        .spec({ tolerations: [{ key: "batch", operator: "Exists" }], nodeSelector: { pool: "batch" } })
        .compile(),
    ).not.toThrow();
  });
});

describe("compile() accepts", () => {
  test("a volume mount of the file-transfer volume when files are given", () => {
    expect(() =>
      pod()
        .container({ name: "main", image: "busybox", volumeMounts: [{ name: "podkit-work", mountPath: "/elsewhere" }] })
        .outputFiles("*.txt")
        .compile(),
    ).not.toThrow();
  });

  test("an image given by the defaults only", () => {
    expect(() => pod().defaults({ image: "busybox" }).container({ name: "main" }).compile()).not.toThrow();
  });

  test("a native sidecar (an init container with restartPolicy Always)", () => {
    expect(() => ok.initContainer({ name: "proxy", image: "envoy", restartPolicy: "Always" }).compile()).not.toThrow();
  });
});
