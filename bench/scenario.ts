import type { CaseSpec, ContenderId, Measurement, ScenarioId } from "./case.ts";

/** Size of the suite: `full` is what RESULTS.md shows, `smoke` is the quick CI check. */
export type Mode = "full" | "smoke";

/** One column of a scenario's table. */
export interface Column {
  readonly header: string;
  /**
   * `spread` prints `median (min–max)` over the runs; `count` prints how many runs the
   * value was truthy in, out of the runs that measured it.
   */
  readonly kind: "spread" | "count";
  readonly value: (m: Measurement) => number | undefined;
  /** Decimal places. @default 0 */
  readonly digits?: number;
}

/** A scenario: its cases, who competes, what the table shows and what podkit must meet. */
export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** How the figures are measured, for the report. Markdown. */
  readonly method: string;
  readonly contenders: readonly ContenderId[];
  /**
   * The kubectl way the chart and the headline ratios compare with: the one a user would
   * pick for this job. @default "kubectl"
   */
  readonly reference?: ContenderId;
  cases(mode: Mode): readonly CaseSpec[];
  /**
   * Run each contender once on each case before the measured runs, and drop that run: the
   * image is on the node and Node's compile cache holds the command line's modules, as on
   * a machine that uses the tool. @default false
   */
  readonly warmup?: boolean;
  readonly columns: readonly Column[];
  /** The figure the chart compares to kubectl (lower is better). */
  readonly headline: { readonly label: string; readonly value: (m: Measurement) => number | undefined };
  /** What is wrong with a podkit measurement; any entry fails the suite. */
  problems(m: Measurement): readonly string[];
}

/** Wall time from the call to the result, in seconds; a failed run has none worth comparing. */
export const wallSeconds = (m: Measurement): number | undefined => (m.ok ? m.wallMs / 1000 : undefined);

/** CPU time (user + system) of the driving process(es) in seconds. */
export const cpuSeconds = (m: Measurement): number | undefined => (m.cpuMs === undefined ? undefined : m.cpuMs / 1000);

/** Peak RSS of the driving process in MiB. */
export const rssMiB = (m: Measurement): number | undefined => (m.rssKb > 0 ? m.rssKb / 1024 : undefined);

/** The pod's own lifetime as the harness's watch saw it: created → user containers terminated. */
export function podLifetimeMs(m: Measurement): number | undefined {
  const p = m.pod;
  if (p?.seenCreatedAt === undefined || p.seenTerminatedAt === undefined) return undefined;
  return p.seenTerminatedAt - p.seenCreatedAt;
}

/** Wall time minus the pod's own lifetime: what the tool adds to the cluster's floor. */
export function overheadMs(m: Measurement): number | undefined {
  const life = podLifetimeMs(m);
  return life === undefined || !m.ok ? undefined : m.wallMs - life;
}

/** Milliseconds from the container's exit (its own clock reading) to the result in hand. */
export function exitToResultMs(m: Measurement): number | undefined {
  const exited = m.pod?.exitedAt;
  return exited === undefined || !m.ok ? undefined : m.resultAt - exited;
}

/** Standard problems: the run failed. */
export function failed(m: Measurement): string[] {
  return m.ok ? [] : [`run failed: ${m.error ?? "unknown error"}`];
}
