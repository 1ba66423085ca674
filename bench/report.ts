import { type CaseSpec, type ContenderId, type Measurement, caseLabel, isPodkit } from "./case.ts";
import type { ClusterInfo, MachineInfo } from "./machine.ts";
import type { Column, Mode, Scenario } from "./scenario.ts";
import { ratio, type Summary, summarize } from "./stats.ts";
import { renderTargets } from "./targets.ts";

/** One invocation of the suite that contributed measurements to a report. */
export interface SuitePart {
  readonly command: string;
  readonly mode: Mode;
  readonly runs: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The JSON file a suite run writes (`bench/results/<timestamp>.json`). */
export interface SuiteResult {
  readonly format: "podkit-bench/1";
  readonly mode: Mode;
  /** The command that produced it, to reproduce. */
  readonly command: string;
  readonly runs: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly cluster: ClusterInfo;
  readonly measurements: readonly Measurement[];
  /** The invocations merged into this result (`--from a.json b.json`), when more than one. */
  readonly parts?: readonly SuitePart[];
}

function partOf(r: SuiteResult): SuitePart[] {
  return r.parts !== undefined && r.parts.length > 0
    ? [...r.parts]
    : [{ command: r.command, mode: r.mode, runs: r.runs, startedAt: r.startedAt, finishedAt: r.finishedAt }];
}

/**
 * One result of several (a suite run in parts): every measurement, the machine and the
 * cluster of the first, the span of all. A case measured in more than one part pools its
 * runs.
 */
export function mergeResults(results: readonly SuiteResult[]): SuiteResult {
  const first = results[0];
  if (first === undefined) throw new TypeError("Cannot merge no results: pass at least one");
  if (results.length === 1) return first;
  const parts = results.flatMap(partOf).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const modes = [...new Set(parts.map((p) => p.mode))];
  return {
    ...first,
    mode: modes.length === 1 ? modes[0]! : first.mode,
    command: parts.map((p) => p.command).join(" + "),
    runs: Math.max(...parts.map((p) => p.runs)),
    startedAt: parts[0]!.startedAt,
    finishedAt: parts.map((p) => p.finishedAt).sort().at(-1)!,
    measurements: results.flatMap((r) => r.measurements),
    parts,
  };
}

/** A contender's figure on one case, relative to kubectl's (lower is better). */
export interface HeadlineRatio {
  readonly scenario: Scenario["id"];
  readonly case: string;
  readonly contender: ContenderId;
  /** The kubectl way it is compared with. */
  readonly reference: ContenderId;
  readonly ratio: number;
  readonly metric: string;
  /** Every run of the contender passed the scenario's checks (no lost lines, exact files, no errors). */
  readonly correct: boolean;
  /** Every run of the reference passed them. */
  readonly baselineCorrect: boolean;
}

/** Every run passed the scenario's checks. */
export function allCorrect(s: Scenario, ms: readonly Measurement[]): boolean {
  return ms.length > 0 && ms.every((m) => s.problems(m).length === 0);
}

const sameCase = (a: CaseSpec, b: CaseSpec): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Measurements of one contender on one case. */
export function select(ms: readonly Measurement[], c: CaseSpec, contender: ContenderId): Measurement[] {
  return ms.filter((m) => m.contender === contender && sameCase(m.case, c));
}

/** The cases present in the measurements, in the order they first appear. */
export function casesOf(ms: readonly Measurement[], scenario: Scenario["id"]): CaseSpec[] {
  const out: CaseSpec[] = [];
  for (const m of ms) if (m.case.scenario === scenario && !out.some((c) => sameCase(c, m.case))) out.push(m.case);
  return out;
}

/** `1234.5` → `1,235` (digits 0), `1.2345` → `1.23` (digits 2). */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median (min–max)`, or just the median when every run agrees or there is one run. */
export function formatSummary(s: Summary | undefined, digits = 0): string {
  if (s === undefined) return "–";
  const med = formatNumber(s.median, digits);
  const lo = formatNumber(s.min, digits);
  const hi = formatNumber(s.max, digits);
  return lo === hi ? med : `${med} (${lo}–${hi})`;
}

function cell(col: Column, ms: readonly Measurement[]): string {
  const values = ms.map(col.value);
  if (col.kind === "count") {
    const measured = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return measured.length === 0 ? "–" : `${measured.filter((v) => v !== 0).length}/${measured.length}`;
  }
  return formatSummary(summarize(values), col.digits ?? 0);
}

/** Ratios of each contender's headline median to kubectl's, case by case. */
export function headlineRatios(result: SuiteResult, scenarios: readonly Scenario[]): HeadlineRatio[] {
  const out: HeadlineRatio[] = [];
  for (const s of scenarios) {
    for (const c of casesOf(result.measurements, s.id)) {
      const reference = s.reference ?? "kubectl";
      const kubectl = select(result.measurements, c, reference);
      const base = summarize(kubectl.map(s.headline.value));
      for (const contender of s.contenders) {
        if (contender === reference) continue;
        const ms = select(result.measurements, c, contender);
        const r = ratio(summarize(ms.map(s.headline.value)), base);
        if (r !== undefined) {
          out.push({
            scenario: s.id,
            case: caseLabel(c),
            contender,
            reference,
            ratio: r,
            metric: s.headline.label,
            correct: allCorrect(s, ms),
            baselineCorrect: allCorrect(s, kubectl),
          });
        }
      }
    }
  }
  return out;
}

/** `[[1, 2000], [5000, 5000]]` → `1–2,000, 5,000`. */
function formatGaps(gaps: readonly (readonly [number, number])[]): string {
  const parts = gaps.map(([a, b]) => (a === b ? formatNumber(a) : `${formatNumber(a)}–${formatNumber(b)}`));
  return `lines ${parts.join(", ")}${gaps.length >= 5 ? ", …" : ""}`;
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

/** Every problem of a podkit measurement (library or command line), `scenario / case: problem`. */
export function podkitProblems(result: SuiteResult, scenarios: readonly Scenario[]): string[] {
  const out: string[] = [];
  for (const m of result.measurements) {
    if (!isPodkit(m.contender)) continue;
    const s = scenarios.find((x) => x.id === m.case.scenario);
    const who = m.contender === "podkit" ? "" : ` (${m.contender})`;
    for (const p of s?.problems(m) ?? []) out.push(`${m.case.scenario} / ${caseLabel(m.case)}${who}: ${firstLine(p)}`);
  }
  return out;
}

/** Cases where a baseline's headline median beats podkit's. */
export function podkitLosses(result: SuiteResult, scenarios: readonly Scenario[]): string[] {
  const out: string[] = [];
  for (const s of scenarios) {
    for (const c of casesOf(result.measurements, s.id)) {
      for (const me of s.contenders.filter(isPodkit)) {
        const mine = summarize(select(result.measurements, c, me).map(s.headline.value));
        if (mine === undefined) continue;
        for (const other of s.contenders) {
          if (isPodkit(other)) continue;
          const ms = select(result.measurements, c, other);
          const theirs = summarize(ms.map(s.headline.value));
          if (theirs !== undefined && theirs.median < mine.median) {
            const wrong = ms.filter((m) => s.problems(m).length > 0).length;
            out.push(
              `${s.id} / ${caseLabel(c)}: ${other} ${formatNumber(theirs.median / 1000, 2)} s vs ${me} ` +
                `${formatNumber(mine.median / 1000, 2)} s (${s.headline.label}, median)` +
                (wrong > 0 ? ` — but its result was wrong in ${wrong}/${ms.length} runs` : ""),
            );
          }
        }
      }
    }
  }
  return out;
}

/** Median milliseconds podkit spent in each plan step, per case. */
function stepTable(result: SuiteResult, scenarios: readonly Scenario[]): string {
  const rows: string[][] = [];
  const steps = new Set<string>();
  const perCase: { label: string; medians: Map<string, number> }[] = [];
  for (const s of scenarios) {
    for (const c of casesOf(result.measurements, s.id)) {
      const ms = select(result.measurements, c, "podkit").filter((m) => m.observation?.steps !== undefined);
      if (ms.length === 0) continue;
      const medians = new Map<string, number>();
      const names = new Set(ms.flatMap((m) => Object.keys(m.observation?.steps ?? {})));
      for (const n of names) {
        steps.add(n);
        const sum = summarize(ms.map((m) => m.observation?.steps?.[n]));
        if (sum !== undefined) medians.set(n, sum.median);
      }
      perCase.push({ label: `${s.id} / ${caseLabel(c)}`, medians });
    }
  }
  if (perCase.length === 0) return "";
  const cols = [...steps];
  for (const p of perCase) rows.push([p.label, ...cols.map((n) => (p.medians.has(n) ? formatNumber(p.medians.get(n)!) : "–"))]);
  return table(["case", ...cols.map((c) => `${c} (ms)`)], rows);
}

/** A Markdown table; the first `textColumns` columns are left-aligned, figures right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i < textColumns ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

export const CONTENDER_LABEL: Record<ContenderId, string> = {
  podkit: "**podkit**",
  "podkit-cli": "**podkit run** (command line)",
  kubectl: "kubectl run --rm -i",
  "kubectl-logs": "kubectl run + logs -f",
  "client-node": "client-node (hand-written)",
};

/** Contender label for a scenario (kubectl means `kubectl cp` in the files scenario). */
export function contenderLabel(s: Scenario, c: ContenderId): string {
  if (s.id === "files" && c === "kubectl") return "kubectl run + cp";
  if (s.id === "files" && c === "client-node") return "client-node (Cp helper)";
  return CONTENDER_LABEL[c];
}

/**
 * Which scenarios, cases and contenders the measurements cover, and how many runs each:
 * a subset or a merge of parts says here what it holds.
 */
function whatRan(result: SuiteResult, scenarios: readonly Scenario[]): string {
  const rows: string[][] = [];
  for (const s of scenarios) {
    const cases = casesOf(result.measurements, s.id);
    if (cases.length === 0) continue;
    const contenders = s.contenders.filter((c) => result.measurements.some((m) => m.contender === c && m.case.scenario === s.id));
    const counts = cases.flatMap((c) => contenders.map((x) => select(result.measurements, c, x).length)).filter((n) => n > 0);
    const lo = Math.min(...counts);
    const hi = Math.max(...counts);
    rows.push([
      s.title,
      cases.map(caseLabel).join(", "),
      contenders.map((c) => contenderLabel(s, c).replace(/\*\*/g, "")).join(", "),
      lo === hi ? String(lo) : `${lo}–${hi}`,
    ]);
  }
  const missing = scenarios.filter((s) => casesOf(result.measurements, s.id).length === 0).map((s) => s.title);
  return [
    table(["scenario", "cases", "contenders", "runs each"], rows, 3),
    ...(missing.length > 0 ? ["", `Not measured in this report: ${missing.join(", ")}.`] : []),
  ].join("\n");
}

/** The whole report: environment, targets, one table per scenario, ratios, podkit's step breakdown. */
export function renderMarkdown(result: SuiteResult, scenarios: readonly Scenario[]): string {
  const m = result.machine;
  const k = result.cluster;
  const out: string[] = [];
  out.push("# podkit benchmarks", "");
  const parts = partOf(result);
  if (parts.length === 1) {
    out.push(
      `Measured ${result.startedAt.slice(0, 16).replace("T", " ")} UTC with \`${result.command}\` ` +
        `(${result.mode}, ${result.runs} run${result.runs === 1 ? "" : "s"} per contender and case; ` +
        "cells show `median (min–max)`).",
      "",
    );
  } else {
    out.push(`Measured in ${parts.length} parts, merged (cells show \`median (min–max)\`):`, "");
    for (const p of parts) {
      out.push(
        `- ${p.startedAt.slice(0, 16).replace("T", " ")}–${p.finishedAt.slice(11, 16)} UTC: \`${p.command}\` ` +
          `(${p.mode}, ${p.runs} run${p.runs === 1 ? "" : "s"} per contender and case)`,
      );
    }
    out.push("");
  }
  out.push(whatRan(result, scenarios), "");
  const targets = renderTargets(result, scenarios);
  if (targets !== "") out.push("## Targets", "", targets, "");
  out.push("| machine | |", "|---|---|");
  out.push(`| CPU | ${m.cpu}, ${m.cores} cores |`);
  out.push(`| memory | ${m.memoryGiB} GiB |`);
  out.push(`| kernel | ${m.kernel} |`);
  out.push(`| Node | ${m.node} |`);
  out.push(`| kubectl | ${k.kubectlClient ?? "unknown"} |`);
  out.push(`| API server | ${k.server ?? "unknown"} |`);
  for (const n of k.nodes) {
    out.push(
      `| node ${n.name} | kubelet ${n.kubelet ?? "?"}, ${n.runtime ?? "?"}, ${n.cpu ?? "?"} CPU, ${n.memory ?? "?"} |`,
    );
  }
  if (k.kubelet !== undefined) {
    out.push(
      `| kubelet config | containerLogMaxSize ${k.kubelet.containerLogMaxSize ?? "?"}, containerLogMaxFiles ` +
        `${k.kubelet.containerLogMaxFiles ?? "?"}, kubeAPIQPS ${k.kubelet.kubeAPIQPS ?? "?"}, kubeAPIBurst ` +
        `${k.kubelet.kubeAPIBurst ?? "?"} |`,
    );
  }
  out.push("");

  const ratios = headlineRatios(result, scenarios);
  if (ratios.length > 0) {
    out.push("## Headline: time relative to kubectl (lower is better)", "");
    out.push(`![time relative to kubectl](chart.svg)`, "");
    const contenders = [...new Set(ratios.map((r) => r.contender))];
    const cases = [...new Set(ratios.map((r) => `${r.scenario} / ${r.case}`))];
    out.push(
      table(
        ["case", ...contenders.map((c) => CONTENDER_LABEL[c]), "metric"],
        cases.map((label): string[] => {
          const rs = ratios.filter((r) => `${r.scenario} / ${r.case}` === label);
          return [
            label +
              (rs[0] !== undefined && rs[0].reference !== "kubectl" ? ` (vs ${CONTENDER_LABEL[rs[0].reference]})` : "") +
              (rs[0]?.baselineCorrect === false ? " (kubectl ✗)" : ""),
            ...contenders.map((c) => {
              const r = rs.find((x) => x.contender === c);
              return r === undefined ? "–" : `${formatNumber(r.ratio, 2)}×${r.correct ? "" : " ✗"}`;
            }),
            rs[0]?.metric ?? "",
          ];
        }),
      ),
      "",
      "✗ = the result was wrong in at least one run (lines lost or duplicated, a file not byte-exact, a pod " +
        "failed): that contender's time is not a like-for-like comparison.",
      "",
    );
  }

  for (const s of scenarios) {
    const cases = casesOf(result.measurements, s.id);
    if (cases.length === 0) continue;
    out.push(`## ${s.title}`, "", s.method, "");
    const rows: string[][] = [];
    for (const c of cases) {
      for (const contender of s.contenders) {
        const ms = select(result.measurements, c, contender);
        if (ms.length === 0) continue;
        const failures = ms.filter((x) => !x.ok).length;
        rows.push([
          caseLabel(c),
          contenderLabel(s, contender) + (failures > 0 ? ` (${failures}/${ms.length} failed)` : ""),
          ...s.columns.map((col) => cell(col, ms)),
        ]);
      }
    }
    out.push(table(["case", "contender", ...s.columns.map((c) => c.header)], rows, 2), "");
    const notes = new Set(
      result.measurements
        .filter((x) => x.case.scenario === s.id)
        .flatMap((x) => [
          ...(x.observation?.notes ?? []).map((n) => `${contenderLabel(s, x.contender)}: ${n}`),
          ...((x.observation?.lines?.lost ?? 0) > 0
            ? [`${contenderLabel(s, x.contender)}, ${caseLabel(x.case)}: lost ${formatGaps(x.observation?.lines?.gaps ?? [])}`]
            : []),
          ...((x.observation?.lines?.duplicated ?? 0) > 0
            ? [`${contenderLabel(s, x.contender)}, ${caseLabel(x.case)}: received twice: ${(x.observation?.lines?.duplicates ?? []).join(", ")}`]
            : []),
          ...(x.ok ? [] : [`${contenderLabel(s, x.contender)}, ${caseLabel(x.case)}: ${firstLine(x.error ?? "failed")}`]),
        ]),
    );
    if (notes.size > 0) out.push(...[...notes].map((n) => `- ${n}`), "");
  }

  const steps = stepTable(result, scenarios);
  if (steps !== "") out.push("## Where podkit's time goes (median per plan step)", "", steps, "");
  const losses = podkitLosses(result, scenarios);
  out.push("## Where a baseline beats podkit", "");
  out.push(...(losses.length === 0 ? ["Nowhere in this run."] : losses.map((l) => `- ${l}`)), "");
  const problems = podkitProblems(result, scenarios);
  if (problems.length > 0) out.push("## podkit problems (the suite fails on these)", "", ...problems.map((p) => `- ${p}`), "");
  return out.join("\n");
}
