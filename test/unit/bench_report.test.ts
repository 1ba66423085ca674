import { describe, expect, it } from "vitest";
import type { CaseSpec, ContenderId, Measurement } from "../../bench/case.ts";
import { caseLabel, formatBytes } from "../../bench/case.ts";
import { renderChart } from "../../bench/chart.ts";
import { formatSummary, headlineRatios, podkitLosses, podkitProblems, renderMarkdown, type SuiteResult } from "../../bench/report.ts";
import { concurrency, files, logs, overhead } from "../../bench/scenarios/mod.ts";
import { summarize } from "../../bench/stats.ts";

const ALL = [overhead, logs, files, concurrency];

function measurement(contender: ContenderId, c: CaseSpec, wallMs: number, extra: Partial<Measurement> = {}): Measurement {
  return {
    contender,
    case: c,
    ok: true,
    calledAt: 1_000_000,
    resultAt: 1_000_000 + wallMs,
    wallMs,
    rssKb: 51_200,
    apiRequests: 7,
    observation: { pods: ["p"], exitCode: 0 },
    pod: { name: "p", seenCreatedAt: 1_000_100, seenTerminatedAt: 1_001_100 },
    ...extra,
  };
}

function suite(measurements: Measurement[]): SuiteResult {
  return {
    format: "podkit-bench/1",
    mode: "full",
    command: "npm run bench",
    runs: 1,
    startedAt: "2026-11-27T12:00:00.000Z",
    finishedAt: "2026-11-27T12:30:00.000Z",
    machine: { cpu: "Test CPU", cores: 2, memoryGiB: 24, freeMemoryGiB: 20, kernel: "Linux 6.1", node: "v24.0.0" },
    cluster: { kubectlClient: "v1.34.4", server: "v1.34.4", nodes: [], kubelet: { containerLogMaxSize: "10Mi" } },
    measurements,
  };
}

const TRUE: CaseSpec = { scenario: "overhead", command: ["true"] };
const LINES: CaseSpec = { scenario: "logs", lines: 100_000 };

describe("case labels", () => {
  it("name each case the way the issue does", () => {
    expect(caseLabel({ scenario: "overhead", command: ["sleep", "2"] })).toBe("sleep 2");
    expect(caseLabel({ scenario: "logs", lines: 1_000_000 })).toBe("1M lines");
    expect(caseLabel({ scenario: "files", bytes: 1_000_000_000 })).toBe("1 GB");
    expect(caseLabel({ scenario: "concurrency", pods: 1 })).toBe("1 pod");
    expect(formatBytes(10_000_000)).toBe("10 MB");
  });
});

describe("formatSummary()", () => {
  it("prints the median alone when every run agrees", () => {
    expect(formatSummary(summarize([0, 0, 0]))).toBe("0");
  });

  it("prints median (min–max) otherwise", () => {
    expect(formatSummary(summarize([1.234, 2.5, 9]), 2)).toBe("2.50 (1.23–9.00)");
  });

  it("prints a dash when nothing was measured", () => {
    expect(formatSummary(undefined)).toBe("–");
  });
});

describe("headlineRatios()", () => {
  it("divides each contender's overhead by kubectl's", () => {
    // Lifetime 1 s: podkit's overhead 0.5 s, kubectl's 2 s.
    const r = headlineRatios(suite([measurement("podkit", TRUE, 1500), measurement("kubectl", TRUE, 3000)]), ALL);
    expect(r).toEqual([
      { scenario: "overhead", case: "true", contender: "podkit", reference: "kubectl", ratio: 0.25, metric: "overhead", correct: true, baselineCorrect: true },
    ]);
  });
});

describe("podkitProblems()", () => {
  it("flags lost lines of podkit, and ignores those of baselines", () => {
    const lines = { expected: 100_000, collected: 99_990, distinct: 99_990, lost: 10, duplicated: 0, foreign: 0, gaps: [], duplicates: [], foreignLines: [] };
    const result = suite([
      measurement("podkit", LINES, 1000, { observation: { pods: ["p"], exitCode: 0, lines } }),
      measurement("client-node", LINES, 1000, { observation: { pods: ["p"], lines } }),
    ]);
    expect(podkitProblems(result, ALL)).toEqual(["logs / 100k lines: lost 10 of 100000 lines"]);
  });

  it("flags a corrupted output file", () => {
    const c: CaseSpec = { scenario: "files", bytes: 10_000_000 };
    const result = suite([
      measurement("podkit", c, 1000, {
        observation: { pods: ["p"], files: { inExact: true, outExact: false, outBytes: 9_000_000 } },
      }),
    ]);
    expect(podkitProblems(result, ALL)).toEqual(["files / 10 MB: the output differs from the input (9000000 bytes)"]);
  });

  it("flags a failed run", () => {
    const result = suite([measurement("podkit", TRUE, 1000, { ok: false, error: "boom" })]);
    expect(podkitProblems(result, ALL)).toEqual(["overhead / true: run failed: boom"]);
  });
});

describe("podkitLosses()", () => {
  it("names the cases where a baseline is faster", () => {
    const result = suite([measurement("podkit", TRUE, 3000), measurement("kubectl", TRUE, 2000)]);
    expect(podkitLosses(result, ALL)).toEqual(["overhead / true: kubectl 1.00 s vs podkit 2.00 s (overhead, median)"]);
  });

  it("says when the faster baseline's result was wrong", () => {
    const lines = { expected: 100_000, collected: 90_000, distinct: 90_000, lost: 10_000, duplicated: 0, foreign: 0, gaps: [], duplicates: [], foreignLines: [] };
    const result = suite([
      measurement("podkit", LINES, 3000, { observation: { pods: ["p"], exitCode: 0, lines: { ...lines, distinct: 100_000, lost: 0 } } }),
      measurement("kubectl", LINES, 2000, { observation: { pods: ["p"], exitCode: 0, lines } }),
    ]);
    expect(podkitLosses(result, ALL)).toEqual([
      "logs / 100k lines: kubectl 2.00 s vs podkit 3.00 s (wall, median) — but its result was wrong in 1/1 runs",
    ]);
  });
});

describe("renderMarkdown()", () => {
  it("records the machine and the cluster, and has a row per contender", () => {
    const md = renderMarkdown(suite([measurement("podkit", TRUE, 1500), measurement("kubectl", TRUE, 3000)]), ALL);
    expect(md).toContain("| CPU | Test CPU, 2 cores |");
    expect(md).toContain("containerLogMaxSize 10Mi");
    expect(md).toContain("| true | **podkit** | 1.50 | 1.00 | 0.50 | 7 | 50 |");
    expect(md).toContain("| true | kubectl run --rm -i | 3.00 | 1.00 | 2.00 | 7 | 50 |");
    expect(md).toContain("Nowhere in this run.");
  });
});

describe("renderChart()", () => {
  it("draws one bar per ratio, escaped, on a log scale centred on kubectl", () => {
    const svg = renderChart([
      { scenario: "overhead", case: "true", contender: "podkit", reference: "kubectl", ratio: 0.5, metric: "overhead", correct: true, baselineCorrect: true },
      { scenario: "logs", case: "1M lines", contender: "client-node", reference: "kubectl-logs", ratio: 3, metric: "wall", correct: false, baselineCorrect: false },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect x=/g)?.length).toBe(4); // 2 bars + 2 legend swatches
    expect(svg).toContain("0.50×");
    expect(svg).toContain("3.00× ✗ wrong result");
    expect(svg).toContain("kubectl result wrong");
    expect(svg).toContain("1× = kubectl run + logs -f");
  });
});
