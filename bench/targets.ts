// podkit's performance targets, each judged from the suite's own measurements: podkit's
// median beside the baseline's median of the same run.
import type { CaseSpec, ContenderId, Measurement } from "./case.ts";
import { allCorrect, CONTENDER_LABEL, formatNumber, type SuiteResult, select, table } from "./report.ts";
import { cpuSeconds, rssMiB, type Scenario, wallSeconds } from "./scenario.ts";
import { summarize, type Summary } from "./stats.ts";

/** How a target is met. */
export type Limit =
  /** podkit's median is at most `max` times the baseline's. */
  | { readonly kind: "ratio"; readonly max: number }
  /** podkit's median is at most `max` (in the metric's unit); the baseline is shown beside it. */
  | { readonly kind: "at most"; readonly max: number }
  /** No limit: the figures are reported. */
  | { readonly kind: "reported" };

/** One row of the targets table. */
export interface Target {
  readonly label: string;
  readonly case: CaseSpec;
  readonly contender: ContenderId;
  /** What podkit is compared with: another contender on the same case, or podkit on another case. */
  readonly baseline?: { readonly contender: ContenderId; readonly case?: CaseSpec };
  readonly metric: (m: Measurement) => number | undefined;
  readonly unit: "s" | "MiB";
  readonly digits: number;
  readonly limit: Limit;
  /** How to measure it when the report has no figure. */
  readonly hint?: string;
}

const wall = { metric: wallSeconds, unit: "s", digits: 2 } as const;
const rss = { metric: rssMiB, unit: "MiB", digits: 0 } as const;
const logs1M: CaseSpec = { scenario: "logs", lines: 1_000_000 };
const mem1M: CaseSpec = { scenario: "memory", lines: 1_000_000 };
const mem5M: CaseSpec = { scenario: "memory", lines: 5_000_000 };
const files100MB: CaseSpec = { scenario: "files", bytes: 100_000_000 };
const files1GB: CaseSpec = { scenario: "files", bytes: 1_000_000_000 };
const startupTrue: CaseSpec = { scenario: "startup", command: ["true"] };
const pods100: CaseSpec = { scenario: "concurrency", pods: 100 };

/** The targets, in the order the table lists them. */
export const TARGETS: readonly Target[] = [
  {
    label: "Logs, 1 M lines, library: wall ≤ 1.0× `kubectl run` + `kubectl logs -f`, 0 lines lost or repeated",
    case: logs1M,
    contender: "podkit",
    baseline: { contender: "kubectl-logs" },
    ...wall,
    limit: { kind: "ratio", max: 1.0 },
    hint: 'node bench/run.ts --only logs --cases "1M lines"',
  },
  {
    label: "Logs, 1 M lines, `podkit run`: wall ≤ 1.0× `kubectl run` + `kubectl logs -f`, 0 lines lost or repeated",
    case: logs1M,
    contender: "podkit-cli",
    baseline: { contender: "kubectl-logs" },
    ...wall,
    limit: { kind: "ratio", max: 1.0 },
    hint: 'node bench/run.ts --only logs --cases "1M lines"',
  },
  {
    label: 'Memory, 1 M lines, `keepLogs: "none"`: peak RSS ≤ 200 MiB',
    case: mem1M,
    contender: "podkit",
    ...rss,
    limit: { kind: "at most", max: 200 },
    hint: "node bench/run.ts --only memory (or node bench/probes/log_memory.ts 1000000,5000000 5 -)",
  },
  {
    label: 'Memory, 5 M lines, `keepLogs: "none"`: peak RSS within 10 % of 1 M lines',
    case: mem5M,
    contender: "podkit",
    baseline: { contender: "podkit", case: mem1M },
    ...rss,
    limit: { kind: "ratio", max: 1.1 },
    hint: "node bench/run.ts --only memory (or node bench/probes/log_memory.ts 1000000,5000000 5 -)",
  },
  {
    label: "Files, 100 MB: wall ≤ 1.0× `kubectl run` + `kubectl cp`",
    case: files100MB,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...wall,
    limit: { kind: "ratio", max: 1.0 },
    hint: "node bench/run.ts --only files",
  },
  {
    label: "Files, 100 MB: peak RSS ≤ 150 MiB",
    case: files100MB,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...rss,
    limit: { kind: "at most", max: 150 },
    hint: "node bench/run.ts --only files",
  },
  {
    label: "Files, 1 GB: wall ≤ 1.0× `kubectl run` + `kubectl cp`",
    case: files1GB,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...wall,
    limit: { kind: "ratio", max: 1.0 },
    hint: "node bench/run.ts --only files",
  },
  {
    label: "Files, 1 GB: peak RSS ≤ 150 MiB",
    case: files1GB,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...rss,
    limit: { kind: "at most", max: 150 },
    hint: "node bench/run.ts --only files",
  },
  {
    label: "Start-up, `podkit run` of `true`: wall ≤ 0.8× `kubectl run --rm -i`",
    case: startupTrue,
    contender: "podkit-cli",
    baseline: { contender: "kubectl" },
    ...wall,
    limit: { kind: "ratio", max: 0.8 },
    hint: "node bench/run.ts --only startup",
  },
  {
    label: "Start-up, `podkit run` of `true`: CPU (user + system) ≤ 0.5 s",
    case: startupTrue,
    contender: "podkit-cli",
    baseline: { contender: "kubectl" },
    metric: cpuSeconds,
    unit: "s",
    digits: 2,
    limit: { kind: "at most", max: 0.5 },
    hint: "node bench/run.ts --only startup",
  },
  {
    label: "Start-up, `podkit run` of `true`: peak RSS ≤ 100 MiB",
    case: startupTrue,
    contender: "podkit-cli",
    baseline: { contender: "kubectl" },
    ...rss,
    limit: { kind: "at most", max: 100 },
    hint: "node bench/run.ts --only startup",
  },
  {
    label: "Concurrency, 100 pods: wall ≤ 1.0× 100 `kubectl run --rm -i` in parallel, 0 errors",
    case: pods100,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...wall,
    limit: { kind: "ratio", max: 1.0 },
    hint: 'node bench/run.ts --only concurrency --cases "100 pods"',
  },
  {
    label: "Concurrency, 100 pods: peak RSS (kubectl: the sum over its 100 processes)",
    case: pods100,
    contender: "podkit",
    baseline: { contender: "kubectl" },
    ...rss,
    limit: { kind: "reported" },
    hint: 'node bench/run.ts --only concurrency --cases "100 pods"',
  },
];

/** The figures of one target in one result. */
export interface TargetOutcome {
  readonly target: Target;
  readonly podkit?: Summary;
  readonly baseline?: Summary;
  readonly ratio?: number;
  /** Every podkit run of the case passed the scenario's checks. */
  readonly correct: boolean;
  readonly baselineCorrect: boolean;
  /** `undefined` when not measured, or when the target only reports. */
  readonly met?: boolean;
}

/** Judges one target from the measurements. */
export function judge(t: Target, result: SuiteResult, scenarios: readonly Scenario[]): TargetOutcome {
  const s = scenarios.find((x) => x.id === t.case.scenario);
  const mine = select(result.measurements, t.case, t.contender);
  const theirs = t.baseline === undefined ? [] : select(result.measurements, t.baseline.case ?? t.case, t.baseline.contender);
  const podkit = summarize(mine.map(t.metric));
  const baseline = summarize(theirs.map(t.metric));
  const correct = s !== undefined && allCorrect(s, mine);
  const baselineCorrect = s !== undefined && allCorrect(s, theirs);
  const ratio = podkit !== undefined && baseline !== undefined && baseline.median > 0 ? podkit.median / baseline.median : undefined;
  let met: boolean | undefined;
  if (podkit !== undefined) {
    if (t.limit.kind === "ratio") met = ratio === undefined ? undefined : ratio <= t.limit.max && correct;
    else if (t.limit.kind === "at most") met = podkit.median <= t.limit.max && correct;
  }
  return {
    target: t,
    ...(podkit !== undefined ? { podkit } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    correct,
    baselineCorrect,
    ...(met !== undefined ? { met } : {}),
  };
}

function figure(s: Summary | undefined, t: Target): string {
  return s === undefined ? "–" : `${formatNumber(s.median, t.digits)} ${t.unit}`;
}

function baselineLabel(t: Target): string {
  if (t.baseline === undefined) return "";
  if (t.baseline.case !== undefined) return "podkit, 1 M lines";
  if (t.case.scenario === "files" && t.baseline.contender === "kubectl") return "kubectl run + cp";
  return CONTENDER_LABEL[t.baseline.contender];
}

/**
 * The targets table: podkit's median, the baseline's median of the same result, their
 * ratio, and whether the target is met. A podkit figure whose run lost lines, corrupted a
 * file or failed a pod is marked ✗ and does not meet its target; a baseline's, ✗ too.
 */
export function renderTargets(result: SuiteResult, scenarios: readonly Scenario[]): string {
  const outcomes = TARGETS.map((t) => judge(t, result, scenarios));
  const hints = new Set<string>();
  const rows = outcomes.map((o): string[] => {
    const t = o.target;
    const measured = o.podkit !== undefined;
    if (!measured && t.hint !== undefined) hints.add(t.hint);
    const ran = select(result.measurements, t.case, t.contender).length;
    const baseRan = t.baseline === undefined ? 0 : select(result.measurements, t.baseline.case ?? t.case, t.baseline.contender).length;
    return [
      t.label,
      measured ? `${figure(o.podkit, t)}${o.correct ? "" : " ✗"}` : ran > 0 ? "failed ✗" : "not measured",
      t.baseline === undefined
        ? "none"
        : o.baseline === undefined
          ? "–"
          : `${figure(o.baseline, t)}${o.baselineCorrect ? "" : " ✗"} (${baselineLabel(t)})`,
      o.ratio === undefined ? "–" : `${formatNumber(o.ratio, 2)}×`,
      `${ran}${t.baseline === undefined ? "" : ` / ${baseRan}`}`,
      t.limit.kind === "reported" ? "(reported)" : o.met === undefined ? "–" : o.met ? "yes" : `no${o.correct ? "" : " ✗"}`,
    ];
  });
  return [
    table(["target", "podkit (median)", "baseline (median)", "ratio", "runs", "met"], rows),
    "",
    "Medians of the runs of this report, podkit's and the baseline's measured side by side. ✗ = a run's " +
      "result was wrong (lines lost or repeated, a file not byte-exact, a pod failed): a podkit figure " +
      "marked so does not meet its target, a baseline's is not a like-for-like comparison. *Runs* = podkit's " +
      "runs / the baseline's; the full suite takes 5 of each, and a figure of fewer runs is indicative.",
    ...(hints.size > 0 ? ["", "Not measured here; to measure: " + [...hints].map((h) => `\`${h}\``).join("; ") + "."] : []),
  ].join("\n");
}
