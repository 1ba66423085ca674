import type { V1Pod } from "@kubernetes/client-node";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { collectGarbage, GC_SELECTOR, gcVerdict, type GcClient } from "../../../cli/gc.ts";
import { runCli } from "../../../cli/program.ts";
import { Terminal } from "./_fake.ts";

// The command line reads the clock: the fixtures are placed relative to now.
const NOW = Date.now();
const HOUR = 3_600_000;
const at = (msBeforeNow: number): Date => new Date(NOW - msBeforeNow);

interface PodShape {
  name?: string;
  namespace?: string;
  phase?: string;
  finishedAt?: string;
  created?: number;
  started?: number;
  deadline?: number;
  ended?: readonly (number | undefined)[];
  deleting?: boolean;
}

/** A podkit pod as the API server lists it; times in ms before NOW. */
function pod(shape: PodShape): V1Pod {
  return {
    metadata: {
      name: shape.name ?? "main-x",
      namespace: shape.namespace ?? "jobs",
      uid: `uid-${shape.name ?? "main-x"}`,
      labels: { "app.kubernetes.io/managed-by": "podkit" },
      ...(shape.finishedAt === undefined ? {} : { annotations: { "podkit.dev/finished-at": shape.finishedAt } }),
      creationTimestamp: at(shape.created ?? 10 * HOUR),
      ...(shape.deleting === true ? { deletionTimestamp: at(0) } : {}),
    },
    spec: { containers: [{ name: "main" }], ...(shape.deadline === undefined ? {} : { activeDeadlineSeconds: shape.deadline }) },
    status: {
      ...(shape.phase === undefined ? {} : { phase: shape.phase }),
      ...(shape.started === undefined ? {} : { startTime: at(shape.started) }),
      containerStatuses: (shape.ended ?? [undefined]).map((ended, i) => ({
        name: `c${i}`,
        image: "busybox",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: ended === undefined ? { running: { startedAt: at(HOUR) } } : { terminated: { exitCode: 0, finishedAt: at(ended) } },
      })),
    },
  };
}

describe("gcVerdict", () => {
  test.each([
    ["a kept pod finished 2 h ago", { finishedAt: new Date(NOW - 2 * HOUR).toISOString(), phase: "Succeeded", ended: [2 * HOUR] }, true, /^finished PT2H ago, kept by its finish policy/],
    ["a kept pod finished 10 min ago", { finishedAt: new Date(NOW - 600_000).toISOString(), phase: "Failed", ended: [600_000] }, false, /^finished PT10M ago, less than PT1H/],
    ["a Succeeded pod whose containers all ended 2 h ago", { phase: "Succeeded", ended: [3 * HOUR, 2 * HOUR] }, true, /^Succeeded, its containers ended PT2H ago/],
    ["a Failed pod whose last container ended 30 min ago", { phase: "Failed", ended: [3 * HOUR, 1_800_000] }, false, /less than PT1H/],
    ["a Running pod within its deadline", { phase: "Running", started: HOUR, deadline: 7200 }, false, /^Running within its deadline: a live run may follow it/],
    ["a Running pod past its deadline for less than the threshold", { phase: "Running", started: 3 * HOUR, deadline: 7200 + 60 }, false, /past its deadline for less than PT1H/],
    ["a Running pod past its deadline by 2 h", { phase: "Running", started: 5 * HOUR, deadline: 3 * 3600 }, true, /^Running, outlived its deadline \(activeDeadlineSeconds 10800\) PT2H ago/],
    ["a Pending pod never started, its deadline counted from its creation", { phase: "Pending", created: 3 * HOUR, deadline: 60 }, true, /^Pending, outlived its deadline/],
    ["a Running pod without a deadline", { phase: "Running", started: 100 * HOUR }, false, /without a deadline/],
    ["a Failed pod without container statuses, within its deadline", { phase: "Failed", ended: [], started: HOUR, deadline: 7200 }, false, /within its deadline/],
    ["a pod being deleted", { phase: "Succeeded", ended: [5 * HOUR], deleting: true }, false, /^already being deleted$/],
  ])("%s: delete %s", (_name, shape, expected, why) => {
    const verdict = gcVerdict(pod(shape as PodShape), NOW, HOUR);
    expect(verdict.delete).toBe(expected);
    expect(verdict.why).toMatch(why);
  });

  test("a finished-at annotation that is not a time falls back to the pod's phase", () => {
    expect(gcVerdict(pod({ finishedAt: "soon", phase: "Succeeded", ended: [2 * HOUR] }), NOW, HOUR).why).toMatch(/^Succeeded/);
  });

  test("--older-than PT0S takes every finished pod but still no pod a live run may follow", () => {
    expect(gcVerdict(pod({ phase: "Succeeded", ended: [1000] }), NOW, 0).delete).toBe(true);
    expect(gcVerdict(pod({ phase: "Running", started: 1000, deadline: 3660 }), NOW, 0).delete).toBe(false);
  });
});

class FakeCluster implements GcClient {
  readonly calls: string[] = [];
  readonly gone = new Set<string>();
  readonly pods: V1Pod[];
  constructor(pods: V1Pod[]) {
    this.pods = pods;
  }
  async listPods(namespace: string, selector: string): Promise<V1Pod[]> {
    this.calls.push(`list ${namespace} ${selector}`);
    return this.pods.filter((p) => p.metadata?.namespace === namespace);
  }
  async listPodsEverywhere(selector: string): Promise<V1Pod[]> {
    this.calls.push(`list * ${selector}`);
    return this.pods;
  }
  async deletePod(namespace: string, name: string, options: { uid?: string } = {}): Promise<boolean> {
    this.calls.push(`delete ${namespace}/${name} uid=${options.uid}`);
    return !this.gone.has(name);
  }
}

const cluster = (): FakeCluster =>
  new FakeCluster([
    pod({ name: "running", phase: "Running", started: 600_000, deadline: 3660 }),
    pod({ name: "kept", finishedAt: new Date(NOW - 2 * HOUR).toISOString(), phase: "Failed", ended: [2 * HOUR] }),
    pod({ name: "expired", namespace: "other", phase: "Pending", created: 5 * HOUR, deadline: 3660 }),
  ]);

describe("collectGarbage", () => {
  test("deletes the condemned pods of the namespace with their UID as a precondition, and keeps the others", async () => {
    const fake = cluster();
    const entries = await collectGarbage(fake, { namespace: "jobs", olderThanMs: HOUR, now: () => NOW }, () => {});
    expect(fake.calls).toEqual([`list jobs ${GC_SELECTOR}`, "delete jobs/kept uid=uid-kept"]);
    expect(entries.map((e) => [e.name, e.action])).toEqual([
      ["kept", "deleted"],
      ["running", "kept"],
    ]);
  });

  test("all namespaces; a pod deleted meanwhile by someone else is reported gone", async () => {
    const fake = cluster();
    fake.gone.add("expired");
    const entries = await collectGarbage(fake, { namespace: "jobs", allNamespaces: true, olderThanMs: HOUR, now: () => NOW }, () => {});
    expect(fake.calls).toEqual([`list * ${GC_SELECTOR}`, "delete jobs/kept uid=uid-kept", "delete other/expired uid=uid-expired"]);
    expect(entries.map((e) => `${e.namespace}/${e.name} ${e.action}`)).toEqual(["jobs/kept deleted", "other/expired gone", "jobs/running kept"]);
  });

  test("a dry run deletes nothing", async () => {
    const fake = cluster();
    const entries = await collectGarbage(fake, { namespace: "jobs", allNamespaces: true, olderThanMs: HOUR, dryRun: true, now: () => NOW }, () => {});
    expect(fake.calls).toEqual([`list * ${GC_SELECTOR}`]);
    expect(entries.filter((e) => e.action === "wouldDelete").map((e) => e.name)).toEqual(["kept", "expired"]);
  });

  test("an abort stops before the next deletion", async () => {
    const fake = cluster();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(collectGarbage(fake, { namespace: "jobs", allNamespaces: true, olderThanMs: HOUR, signal: controller.signal, now: () => NOW }, () => {})).rejects.toThrow("stop");
    expect(fake.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
  });
});

describe("podkit gc", () => {
  const home = mkdtempSync(join(tmpdir(), "podkit-gc-home-"));
  async function gc(argv: readonly string[], fake = cluster()): Promise<{ code: number; terminal: Terminal; fake: FakeCluster; connection: unknown }> {
    const terminal = new Terminal();
    let connection: unknown;
    const code = await runCli(["gc", ...argv], {
      stdout: terminal.stdout,
      stderr: terminal.stderr,
      env: { KUBECONFIG: "/somewhere/kubeconfig" },
      homedir: home,
      createGcClient: async (given) => {
        connection = given;
        return { client: fake, namespace: "jobs" };
      },
    });
    return { code, terminal, fake, connection };
  }

  test("prints each pod it deletes and why on stdout, a summary on stderr; the namespace defaults to the context's", async () => {
    const { code, terminal, fake } = await gc(["--older-than", "PT0S"]);
    expect(code).toBe(0);
    expect(fake.calls[0]).toBe(`list jobs ${GC_SELECTOR}`);
    expect(terminal.text("stdout")).toMatch(/^deleted      jobs\/kept: finished PT\d+H\d*M?\d*S? ago, kept by its finish policy \(podkit\.dev\/finished-at\)\n$/);
    expect(terminal.text("stderr")).toMatch(/2 podkit pods in namespace "jobs": 1 deleted, 1 kept/);
  });

  test("--dry-run prints what it would delete and deletes nothing; --all-namespaces lists everywhere", async () => {
    const { terminal, fake } = await gc(["--dry-run", "--all-namespaces", "--older-than", "PT0S"]);
    expect(fake.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
    expect(terminal.text("stdout").split("\n").filter(Boolean).map((l) => l.split(":")[0])).toEqual(["would delete jobs/kept", "would delete other/expired"]);
    expect(terminal.text("stderr")).toMatch(/in every namespace: 2 to delete \(dry run\)/);
  });

  test("--namespace, --context and --kubeconfig choose the cluster and the namespace", async () => {
    const { fake, connection } = await gc(["-n", "other", "--context", "dev", "--kubeconfig", "/kc.yaml", "--older-than", "PT0S"]);
    expect(fake.calls).toEqual([`list other ${GC_SELECTOR}`, "delete other/expired uid=uid-expired"]);
    expect(connection).toEqual({ kubeconfigPath: "/kc.yaml", context: "dev" });
  });

  test("--json prints every pod seen with what was done and why", async () => {
    const { terminal } = await gc(["--json", "--older-than", "PT0S"]);
    const printed = JSON.parse(terminal.text("stdout")) as { ok: boolean; pods: { name: string; action: string }[] };
    expect(printed.ok).toBe(true);
    expect(printed.pods.map((p) => `${p.name} ${p.action}`)).toEqual(["kept deleted", "running kept"]);
  });

  test.each([
    [["--older-than", "1h"], /Cannot use --older-than "1h"/],
    [["--namespace", "a", "--all-namespaces"], /Cannot use --namespace with --all-namespaces/],
  ])("%j is a usage error, exit code 64", async (argv, message) => {
    const { code, terminal, fake } = await gc(argv);
    expect(code).toBe(64);
    expect(terminal.text("stderr")).toMatch(message);
    expect(fake.calls).toEqual([]);
  });

  test("an unreachable cluster exits 69", async () => {
    const fake = cluster();
    fake.listPods = async () => {
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    };
    expect((await gc([], fake)).code).toBe(69);
  });
});
