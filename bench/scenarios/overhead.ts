import type { Scenario } from "../scenario.ts";
import { failed, overheadMs, podLifetimeMs, rssMiB, wallSeconds } from "../scenario.ts";

/** Fixed cost of a run: a pod that does nothing, and one that sleeps 2 s. */
export const overhead: Scenario = {
  id: "overhead",
  title: "Overhead",
  method:
    "One pod running `true`, one running `sleep 2`. *Wall* is call → result (exit code in hand, pod deleted " +
    "or its deletion requested). *Pod lifetime* is the cluster's floor: from the pod's creation to all its " +
    "user containers terminated, as a watch in the harness saw it (status timestamps only have 1 s resolution). " +
    "*Overhead* = wall − pod lifetime: what the tool adds before the pod exists and after it has ended.",
  contenders: ["podkit", "kubectl", "client-node"],
  cases: (mode) =>
    mode === "smoke"
      ? [{ scenario: "overhead", command: ["true"] }]
      : [
          { scenario: "overhead", command: ["true"] },
          { scenario: "overhead", command: ["sleep", "2"] },
        ],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    { header: "pod lifetime (s)", kind: "spread", value: (m) => (podLifetimeMs(m) ?? NaN) / 1000, digits: 2 },
    { header: "overhead (s)", kind: "spread", value: (m) => (overheadMs(m) ?? NaN) / 1000, digits: 2 },
    { header: "API requests", kind: "spread", value: (m) => m.apiRequests },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "overhead", value: overheadMs },
  problems: (m) => [
    ...failed(m),
    ...(m.ok && m.observation?.exitCode !== 0 ? [`exit code ${m.observation?.exitCode} instead of 0`] : []),
  ],
};
