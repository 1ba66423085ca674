/**
 * Restrictive clusters: the reference's security example (no privilege escalation, all
 * capabilities dropped, a read-only root file system, the runtime's seccomp profile), made
 * non-root, runs with its file transfer in a namespace that enforces the `restricted` Pod
 * Security Standard — podkit's own containers (the input init container and the output
 * sidecar) are admitted with it. Without restrictive defaults the API server refuses the
 * pod: the run fails with a typed ApiError naming the violations, and no pod exists.
 */
import { readFile, rm } from "node:fs/promises";
import { afterAll, expect, test } from "vitest";
import { KubernetesRunner } from "../../../lib/kubernetes/mod.ts";
import { pod as newPod, type PodBuilder } from "../../../lib/mod.ts";
import { ownNamespace, podsIn, rejection, report, SUITE_LABEL, waitNoPods } from "../faults/_faults.ts";

const NAMESPACE = ownNamespace("podkit-security-restricted", { "pod-security.kubernetes.io/enforce": "restricted" });
const LABELS = { [SUITE_LABEL]: "security-restricted" };
const runner = new KubernetesRunner();
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function pod(): PodBuilder {
  return newPod().namespace(NAMESPACE).labels(LABELS);
}

const RESTRICTIVE = {
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: "RuntimeDefault" as const },
    runAsNonRoot: true,
    runAsUser: 1000,
  },
  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
};

test("the reference's security example, non-root, runs with file transfer under the restricted Pod Security Standard", async () => {
  const started = performance.now();
  const result = await pod()
    .defaults(RESTRICTIVE)
    .volume({ name: "tmp", emptyDir: {} })
    .container({ name: "main", image: "busybox", command: ["sh", "-c", "id -u; cp {{workingDir}}/data.txt {{workingDir}}/out.txt; echo scratch > /tmp/x; touch /not-writable 2>/dev/null || echo read-only"] })
    .inputFile("data.txt", "Hello from podkit\n")
    .outputFiles("out.txt")
    .run(runner);
  if (result.outputDir !== undefined) dirs.push(result.outputDir);
  expect(result.exitCode).toBe(0);
  expect(result.logs.map((l) => l.line)).toEqual(["1000", "read-only"]);
  expect(result.outputFiles.map((f) => f.name)).toEqual(["out.txt"]);
  expect(await readFile(result.outputFiles[0]?.path as string, "utf8")).toBe("Hello from podkit\n");
  await waitNoPods(NAMESPACE, `${SUITE_LABEL}=security-restricted`);
  report("restricted namespace, restrictive defaults", { wallMs: Math.round(performance.now() - started), steps: result.timings.steps });
});

test("without restrictive defaults the pod is refused: a typed ApiError naming the violations, no pod created", async () => {
  const error = await rejection(
    pod().container({ name: "main", image: "busybox", command: ["cat", "{{workingDir}}/data.txt"] }).inputFile("data.txt", "x").run(runner),
  );
  expect(error.reason).toBe("ApiError");
  expect(error.step).toBe("create");
  expect(error.message).toContain('violates PodSecurity "restricted:latest"');
  expect(error.message).toMatch(/allowPrivilegeEscalation != false/);
  expect(error.message).toMatch(/runAsNonRoot != true/);
  // podkit's own containers are named among the offenders too.
  expect(error.message).toMatch(/podkit-/);
  expect(error.podName).toBeUndefined();
  expect(await podsIn(NAMESPACE, `${SUITE_LABEL}=security-restricted`)).toEqual([]);
  report("restricted namespace, default security", { reason: error.reason, message: error.message.split("\n")[0] });
});
