import type { Scenario } from "../scenario.ts";
import { failed, rssMiB, wallSeconds } from "../scenario.ts";

/** N pods started at once from one process, each printing one line. */
export const concurrency: Scenario = {
  id: "concurrency",
  title: "Concurrency",
  method:
    "1, 10, 50 and 100 pods running `echo ok`, started at once from one process (kubectl: N `kubectl run --rm -i " +
    "--pod-running-timeout=10m` started together; its default of 1 minute, shorter than podkit's 10, times out " +
    "under 100 pods on 2 cores). *Errors* = pods whose run failed or whose output lacked `ok`. *API requests* = HTTP " +
    "requests made (counted in the process for podkit and client-node, from `-v=6` for kubectl). *Peak RSS*: " +
    "the driving process; for kubectl, the sum over its N processes.",
  contenders: ["podkit", "kubectl", "client-node"],
  cases: (mode) =>
    mode === "smoke"
      ? [{ scenario: "concurrency", pods: 5 }]
      : [
          { scenario: "concurrency", pods: 1 },
          { scenario: "concurrency", pods: 10 },
          { scenario: "concurrency", pods: 50 },
          { scenario: "concurrency", pods: 100 },
        ],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    { header: "errors", kind: "spread", value: (m) => (m.ok ? m.observation?.errors : m.case.scenario === "concurrency" ? m.case.pods : undefined) },
    { header: "API requests", kind: "spread", value: (m) => m.apiRequests },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "wall", value: (m) => (m.ok ? m.wallMs : undefined) },
  problems: (m) => [
    ...failed(m),
    ...(m.ok && (m.observation?.errors ?? 0) > 0 ? [`${m.observation?.errors} pods failed`] : []),
  ],
};
