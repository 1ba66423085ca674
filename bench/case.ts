import type { LineCheck } from "./line_check.ts";

/** The scenarios of the suite, in report order. */
export const SCENARIOS = ["startup", "overhead", "logs", "memory", "files", "concurrency"] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

/**
 * The ways of running a pod that are compared. `podkit` is the library in process;
 * `podkit-cli` is the `podkit run` command, a process of its own; `kubectl` is
 * `kubectl run --rm -i` (and `kubectl cp` for files); `kubectl-logs` creates the pod and
 * follows it with `kubectl logs -f`; `client-node` is straightforward
 * `@kubernetes/client-node` code.
 */
export const CONTENDERS = ["podkit", "podkit-cli", "kubectl", "kubectl-logs", "client-node"] as const;
export type ContenderId = (typeof CONTENDERS)[number];

/** The contenders that are podkit: their problems fail the suite. */
export function isPodkit(c: ContenderId): boolean {
  return c === "podkit" || c === "podkit-cli";
}

/** What one measurement does: a scenario with its parameter. Plain data, sent to a child. */
export type CaseSpec =
  | { readonly scenario: "startup"; readonly command: readonly string[] }
  | { readonly scenario: "overhead"; readonly command: readonly string[] }
  | { readonly scenario: "logs"; readonly lines: number }
  | { readonly scenario: "memory"; readonly lines: number }
  | { readonly scenario: "files"; readonly bytes: number }
  | { readonly scenario: "concurrency"; readonly pods: number };

/** A local input file, generated once per size and reused. */
export interface InputBlob {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Marks the line of a child's stdout that carries its measurement. */
export const RESULT_PREFIX = "@@podkit-bench-result ";

/** Everything a child process needs to run one contender on one case. */
export interface Task {
  readonly case: CaseSpec;
  readonly contender: ContenderId;
  readonly namespace: string;
  /** Labels every pod of the task carries, so the harness can find and delete them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Prefix for pod names the contender chooses itself. */
  readonly podPrefix: string;
  readonly kubeconfig: string;
  readonly kubectl: string;
  /** A fresh directory the child may write to (outputs land here). */
  readonly scratchDir: string;
  readonly input?: InputBlob;
}

/** Per-scenario findings of one measurement, besides its wall time. */
export interface FileFindings {
  /** Milliseconds spent moving the input in, when the contender can tell. */
  readonly inMs?: number;
  readonly outMs?: number;
  /** The pod saw the input with the right sha256. */
  readonly inExact: boolean;
  /** The output brought back has the input's sha256 and size. */
  readonly outExact: boolean;
  readonly outBytes?: number;
}

/** What a contender returns from one measurement. */
export interface Observation {
  /** Pods the measurement created (names), for the harness's pod watcher. */
  readonly pods: readonly string[];
  /** Exit code the tool reported for the (first) pod, when it reports one. */
  readonly exitCode?: number;
  readonly lines?: LineCheck;
  readonly files?: FileFindings;
  /** Pods whose run failed or whose output was wrong (concurrency). */
  readonly errors?: number;
  /** Peak RSS of the driving process(es) in KiB, when not the child itself (kubectl). */
  readonly rssKb?: number;
  /** API requests, when the child cannot count them itself (kubectl). */
  readonly apiRequests?: number;
  /**
   * CPU time (user + system, ms) of the driving process(es), when not the child itself
   * (kubectl, the command line): from `/usr/bin/time`, summed over the processes.
   */
  readonly cpuMs?: number;
  /** podkit's per-step timings (ms), for the breakdown. */
  readonly steps?: Readonly<Record<string, number>>;
  /** Anything worth a footnote. */
  readonly notes?: readonly string[];
}

/** What a child process reports to the harness. */
export interface Measurement {
  readonly contender: ContenderId;
  readonly case: CaseSpec;
  readonly ok: boolean;
  readonly error?: string;
  /** Epoch milliseconds when the call was made and when its result was in hand. */
  readonly calledAt: number;
  readonly resultAt: number;
  readonly wallMs: number;
  /** Peak RSS of the driving process in KiB. */
  readonly rssKb: number;
  readonly apiRequests: number;
  /** CPU time (user + system, ms) of the driving process(es); absent in older results. */
  readonly cpuMs?: number;
  readonly observation?: Observation;
  /** Filled by the harness from its pod watcher. */
  readonly pod?: PodTimeline;
}

/** When the harness saw one pod pass its milestones (epoch ms; local clock). */
export interface PodTimeline {
  readonly name: string;
  /** First seen by the watcher (its ADDED event). */
  readonly seenCreatedAt?: number;
  /** First seen with every user container terminated. */
  readonly seenTerminatedAt?: number;
  /** The container's own exit time, from the termination message it wrote (ns precision). */
  readonly exitedAt?: number;
  /** Status timestamps (1 s resolution). */
  readonly createdAt?: string;
  readonly finishedAt?: string;
}

/** A short, stable label of a case, e.g. `sleep 2`, `100k lines`, `1 GB`, `50 pods`. */
export function caseLabel(c: CaseSpec): string {
  switch (c.scenario) {
    case "startup":
    case "overhead":
      return c.command.join(" ");
    case "logs":
    case "memory":
      return `${formatCount(c.lines)} lines`;
    case "files":
      return formatBytes(c.bytes);
    case "concurrency":
      return `${c.pods} pod${c.pods === 1 ? "" : "s"}`;
  }
}

/** `10000` → `10k`, `1000000` → `1M`. */
export function formatCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

/** Decimal units, as disks count them: `100000000` → `100 MB`. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(2)} kB`;
  return `${n} B`;
}
