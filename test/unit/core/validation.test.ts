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
  {
    name: "a request above its limit",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { cpu: "100m" }, requests: { cpu: "2e3" } } }),
    path: "spec.containers[0].resources.requests.cpu",
    message: /Request "2e3" is above the cpu limit "100m"/,
  },
  {
    name: "a request above its limit in other units",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { memory: "1Gi" }, requests: { memory: "1025Mi" } } }),
    path: "spec.containers[0].resources.requests.memory",
  },
  {
    name: "a request above a limit given by the defaults",
    build: () => ok.defaults({ resources: { limits: { memory: "64Mi" } } }).container({ name: "big", image: "busybox", resources: { requests: { memory: "1Gi" } } }),
    path: "spec.containers[1].resources.requests.memory",
  },
  {
    name: "a request above its limit in the defaults",
    build: () => ok.defaults({ resources: { limits: { cpu: "1" }, requests: { cpu: "2" } } }),
    path: "defaults.resources.requests.cpu",
  },
  {
    name: "a pod-level request above its limit",
    build: () => ok.spec(loose({ resources: { limits: { cpu: "1" }, requests: { cpu: "2" } } })),
    path: "spec.resources.requests.cpu",
  },
  {
    name: "a quantity with two dots",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { cpu: "1.2.3" } } }),
    path: "spec.containers[0].resources.limits.cpu",
    message: /Invalid quantity "1\.2\.3": .*"500m"/,
  },
  { name: "a quantity in words", build: () => ok.defaults({ resources: { limits: { memory: "lots" } } }), path: "defaults.resources.limits.memory" },
  {
    name: "a hexadecimal quantity",
    build: () => pod().container({ name: "main", image: "busybox", resources: { requests: { memory: "0x10" } } }),
    path: "spec.containers[0].resources.requests.memory",
  },
  {
    name: "a quantity with an unknown suffix",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { memory: "1Zi" } } }),
    path: "spec.containers[0].resources.limits.memory",
  },
  {
    name: "a quantity with a lower-case binary suffix",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { memory: "1ki" } } }),
    path: "spec.containers[0].resources.limits.memory",
  },
  {
    name: "an empty quantity",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: { cpu: "" } } }),
    path: "spec.containers[0].resources.limits.cpu",
  },
  {
    name: "a negative quantity",
    build: () => pod().container({ name: "main", image: "busybox", resources: { requests: { cpu: "-1" } } }),
    path: "spec.containers[0].resources.requests.cpu",
    message: /negative/,
  },
  {
    name: "a negative quantity given as a number",
    build: () => pod().container({ name: "main", image: "busybox", resources: { limits: loose({ memory: -5 }) } }),
    path: "spec.containers[0].resources.limits.memory",
  },
  {
    name: "a bad quantity of the file sidecar",
    build: () => ok.fileSidecar({ resources: { limits: { cpu: "1 core" } } }),
    path: "fileSidecar.resources.limits.cpu",
  },
  {
    name: "a bad emptyDir sizeLimit",
    build: () => ok.volume({ name: "tmp", emptyDir: { sizeLimit: "1 GB" } }),
    path: "spec.volumes[0].emptyDir.sizeLimit",
  },
  {
    name: "an unknown imagePullPolicy",
    build: () => pod().container({ name: "main", image: "busybox", imagePullPolicy: "Sometimes" }),
    path: "spec.containers[0].imagePullPolicy",
    message: /Invalid imagePullPolicy "Sometimes": use "Always", "IfNotPresent" or "Never"/,
  },
  {
    name: "an imagePullPolicy in the wrong case",
    build: () => ok.defaults({ imagePullPolicy: "ifnotpresent" }),
    path: "defaults.imagePullPolicy",
    message: /did you mean "IfNotPresent"\?/,
  },
  {
    name: "an unknown port protocol",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 80, protocol: "HTTP" }] }),
    path: "spec.containers[0].ports[0].protocol",
  },
  {
    name: "an unknown seccomp profile type",
    build: () => pod().container({ name: "main", image: "busybox", securityContext: { seccompProfile: { type: "Bogus" } } }),
    path: "spec.containers[0].securityContext.seccompProfile.type",
  },
  {
    name: "a Localhost seccomp profile without its file",
    build: () => ok.spec({ securityContext: { seccompProfile: { type: "Localhost" } } }),
    path: "spec.securityContext.seccompProfile.localhostProfile",
  },
  {
    name: "a localhostProfile with another profile type",
    build: () => ok.defaults({ securityContext: { appArmorProfile: { type: "RuntimeDefault", localhostProfile: "x" } } }),
    path: "defaults.securityContext.appArmorProfile.localhostProfile",
  },
  {
    name: "an unknown terminationMessagePolicy",
    build: () => pod().container({ name: "main", image: "busybox", terminationMessagePolicy: "Logs" }),
    path: "spec.containers[0].terminationMessagePolicy",
  },
  {
    name: "an unknown procMount",
    build: () => pod().container({ name: "main", image: "busybox", securityContext: { procMount: "Masked" } }),
    path: "spec.containers[0].securityContext.procMount",
  },
  {
    name: "an unknown resize policy",
    build: () => pod().container({ name: "main", image: "busybox", resizePolicy: [{ resourceName: "gpu", restartPolicy: "NotRequired" }] }),
    path: "spec.containers[0].resizePolicy[0].resourceName",
  },
  { name: "an unknown dnsPolicy", build: () => ok.spec({ dnsPolicy: "ClusterLast" }), path: "spec.dnsPolicy", message: /"ClusterFirst"/ },
  { name: "dnsPolicy None without dnsConfig", build: () => ok.spec({ dnsPolicy: "None" }), path: "spec.dnsConfig" },
  { name: "an unknown preemptionPolicy", build: () => ok.spec({ preemptionPolicy: "Always" }), path: "spec.preemptionPolicy" },
  { name: "an unknown operating system", build: () => ok.spec({ os: { name: "darwin" } }), path: "spec.os.name" },
  {
    name: "an unknown fsGroupChangePolicy",
    build: () => ok.spec({ securityContext: { fsGroupChangePolicy: "Never" } }),
    path: "spec.securityContext.fsGroupChangePolicy",
  },
  {
    name: "an unknown supplementalGroupsPolicy",
    build: () => ok.spec({ securityContext: { supplementalGroupsPolicy: "Replace" } }),
    path: "spec.securityContext.supplementalGroupsPolicy",
  },
  { name: "an unknown toleration effect", build: () => ok.spec({ tolerations: [{ key: "a", effect: "NoRun" }] }), path: "spec.tolerations[0].effect" },
  {
    name: "a toleration without key that is not Exists",
    build: () => ok.spec({ tolerations: [{ effect: "NoSchedule" }] }),
    path: "spec.tolerations[0].operator",
  },
  {
    name: "a toleration with operator Exists and a value",
    build: () => ok.spec({ tolerations: [{ key: "a", operator: "Exists", value: "b" }] }),
    path: "spec.tolerations[0].value",
  },
  {
    name: "an environment variable name with =",
    build: () => pod().container({ name: "main", image: "busybox", env: [{ name: "a=b", value: "1" }] }),
    path: "spec.containers[0].env[0].name",
    message: /printable ASCII characters other than "="/,
  },
  {
    name: "an environment variable name with non-ASCII letters",
    build: () => ok.defaults({ env: [{ name: "ünï", value: "1" }] }),
    path: "defaults.env[0].name",
  },
  {
    name: "an environment variable name with a newline",
    build: () => pod().container({ name: "main", image: "busybox", env: [{ name: "A\nB", value: "1" }] }),
    path: "spec.containers[0].env[0].name",
  },
  {
    name: "an envFrom prefix with =",
    build: () => pod().container({ name: "main", image: "busybox", envFrom: [{ prefix: "A=", configMapRef: { name: "cm" } }] }),
    path: "spec.containers[0].envFrom[0].prefix",
  },
  {
    name: "a node selector key starting with -",
    build: () => ok.spec({ nodeSelector: { "-x": "a" } }),
    path: 'spec.nodeSelector["-x"]',
    message: /Invalid node selector key "-x"/,
  },
  {
    name: "a node selector value with a space",
    build: () => ok.spec({ nodeSelector: { pool: "a b" } }),
    path: "spec.nodeSelector.pool",
    message: /Invalid node selector value "a b"/,
  },
  { name: "a hostname that is not DNS-1123", build: () => ok.spec({ hostname: "K@g" }), path: "spec.hostname", message: /DNS-1123 label/ },
  { name: "a hostname over 63 characters", build: () => ok.spec({ hostname: "h".repeat(64) }), path: "spec.hostname" },
  { name: "a subdomain with a dot", build: () => ok.spec({ subdomain: "a.b" }), path: "spec.subdomain" },
  {
    name: "an image with a leading space",
    build: () => pod().container({ name: "main", image: " busybox" }),
    path: "spec.containers[0].image",
    message: /Image " busybox" has leading or trailing whitespace: use "busybox"/,
  },
  { name: "a default image with a trailing newline", build: () => pod().defaults({ image: "busybox\n" }).container({ name: "main" }), path: "defaults.image" },
  { name: "a sidecar image with a trailing space", build: () => ok.fileSidecar({ image: "busybox " }), path: "fileSidecar.image" },
  {
    name: "two ports of the same name",
    build: () =>
      pod().container({
        name: "main",
        image: "busybox",
        ports: [
          { containerPort: 80, name: "web" },
          { containerPort: 81, name: "web" },
        ],
      }),
    path: "spec.containers[0].ports[1].name",
    message: /Duplicate port name "web"/,
  },
  {
    name: "the same port and protocol twice (TCP when unset)",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 80 }, { containerPort: 80, protocol: "TCP" }] }),
    path: "spec.containers[0].ports[1].containerPort",
    message: /Duplicate container port "80\/TCP"/,
  },
  {
    name: "a container port of 0",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 0 }] }),
    path: "spec.containers[0].ports[0].containerPort",
    message: /from 1 to 65535/,
  },
  {
    name: "a container port above 65535",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 70_000 }] }),
    path: "spec.containers[0].ports[0].containerPort",
  },
  {
    name: "a negative host port",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 80, hostPort: -1 }] }),
    path: "spec.containers[0].ports[0].hostPort",
  },
  {
    name: "a fractional container port",
    build: () => pod().container({ name: "main", image: "busybox", ports: [{ containerPort: 80.5 }] }),
    path: "spec.containers[0].ports[0].containerPort",
    message: /whole number/,
  },
  { name: "an activeDeadlineSeconds of 0", build: () => ok.spec({ activeDeadlineSeconds: 0 }), path: "spec.activeDeadlineSeconds" },
  { name: "a negative activeDeadlineSeconds", build: () => ok.spec({ activeDeadlineSeconds: -1 }), path: "spec.activeDeadlineSeconds" },
  { name: "an activeDeadlineSeconds above 2^31-1", build: () => ok.spec({ activeDeadlineSeconds: 2 ** 31 }), path: "spec.activeDeadlineSeconds" },
  {
    name: "a negative runAsUser",
    build: () => pod().container({ name: "main", image: "busybox", securityContext: { runAsUser: -1 } }),
    path: "spec.containers[0].securityContext.runAsUser",
  },
  {
    name: "a runAsGroup above 2^31-1",
    build: () => ok.spec({ securityContext: { runAsGroup: 2 ** 31 } }),
    path: "spec.securityContext.runAsGroup",
  },
  {
    name: "a negative supplemental group",
    build: () => ok.spec({ securityContext: { supplementalGroups: [1000, -1] } }),
    path: "spec.securityContext.supplementalGroups[1]",
  },
  {
    name: "a negative probe period",
    build: () => pod().container({ name: "main", image: "busybox", readinessProbe: { exec: { command: ["true"] }, periodSeconds: -1 } }),
    path: "spec.containers[0].readinessProbe.periodSeconds",
  },
  {
    name: "a negative probe failure threshold in the defaults",
    build: () => ok.defaults({ livenessProbe: { exec: { command: ["true"] }, failureThreshold: -3 } }),
    path: "defaults.livenessProbe.failureThreshold",
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

  test("defaults with several env vars and ports", () => {
    expect(() =>
      pod()
        .defaults({ env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 53, protocol: "UDP" }, { containerPort: 53 }] })
        .container({ name: "main", image: "busybox" })
        .compile(),
    ).not.toThrow();
  });

  test("an image given by the defaults only", () => {
    expect(() => pod().defaults({ image: "busybox" }).container({ name: "main" }).compile()).not.toThrow();
  });

  test("what the API server takes that a stricter reading would refuse", () => {
    expect(() =>
      pod()
        .container({
          name: "main",
          image: "busybox",
          // Kubernetes 1.34 takes any printable ASCII but "=" in a variable name.
          env: [{ name: "my.var-1", value: "1" }, { name: "1ST", value: "2" }],
          // Signs, exponents, a bare dot and units that differ yet compare equal.
          resources: { limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "+1e9" }, requests: { cpu: "1000m", memory: "1073741824", "ephemeral-storage": " 5. " } },
          ports: [
            { containerPort: 53, protocol: "UDP", hostPort: 0 },
            { containerPort: 53, protocol: "TCP" },
            { containerPort: 8080, name: "http" },
          ],
          readinessProbe: { exec: { command: ["true"] }, periodSeconds: 0, timeoutSeconds: 0 },
          securityContext: { runAsUser: 0, seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" } },
        })
        .spec({
          terminationGracePeriodSeconds: 0,
          activeDeadlineSeconds: 2 ** 31 - 1,
          hostname: "worker-1",
          nodeSelector: { "kubernetes.io/os": "linux", pool: "" },
          tolerations: [{ operator: "Exists" }, { key: "gpu", value: "a100", effect: "NoSchedule" }],
          dnsPolicy: "None",
          dnsConfig: { nameservers: ["10.0.0.10"] },
        })
        .compile(),
    ).not.toThrow();
  });

  test("a container's own value that overrides a default's, whatever the two compare to", () => {
    expect(() =>
      ok
        .defaults({ resources: { limits: { memory: "64Mi" }, requests: { memory: "32Mi" } } })
        .container({ name: "big", image: "busybox", resources: { limits: { memory: "1Gi" }, requests: { memory: "512Mi" } } })
        .compile(),
    ).not.toThrow();
  });

  test("a native sidecar (an init container with restartPolicy Always)", () => {
    expect(() => ok.initContainer({ name: "proxy", image: "envoy", restartPolicy: "Always" }).compile()).not.toThrow();
  });
});
