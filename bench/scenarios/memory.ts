import type { Scenario } from "../scenario.ts";
import { cpuSeconds, rssMiB, wallSeconds } from "../scenario.ts";
import { lineProblems } from "./logs.ts";

/** Peak memory of a run against the volume of its log, when the run keeps no line. */
export const memory: Scenario = {
  id: "memory",
  title: "Memory against log volume",
  method:
    "podkit alone, in process: the logs scenario's pod (`seq 1 N`, N = 1 000 000 and 5 000 000) run with " +
    '`keepLogs: "none"` (what the command line does), every line checked as it arrives (`onLog`). *Peak ' +
    "RSS* = the driving process's maximum resident set (`process.resourceUsage().maxRSS`): Node, the " +
    "modules a run loads, and whatever grows with the log. (`node bench/probes/log_memory.ts` measures the " +
    "same beside a one-line pod and the other retention choices.)",
  contenders: ["podkit"],
  cases: (mode) =>
    mode === "smoke"
      ? []
      : [
          { scenario: "memory", lines: 1_000_000 },
          { scenario: "memory", lines: 5_000_000 },
        ],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    { header: "lost", kind: "spread", value: (m) => m.observation?.lines?.lost },
    { header: "dup", kind: "spread", value: (m) => m.observation?.lines?.duplicated },
    { header: "CPU (s)", kind: "spread", value: cpuSeconds, digits: 2 },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "peak RSS", value: (m) => (m.ok ? m.rssKb : undefined) },
  problems: lineProblems,
};
