import type { Measurement } from "../case.ts";
import type { Scenario } from "../scenario.ts";
import { cpuSeconds, exitToResultMs, failed, rssMiB, wallSeconds } from "../scenario.ts";

/** A container that prints `seq 1 N` as fast as it can; every line must come back. */
export const logs: Scenario = {
  id: "logs",
  title: "Logs",
  method:
    "The container runs `seq 1 N` (N = 100 000 and 1 000 000), then writes its exit instant " +
    "(`date +%s%N`) to its termination message and exits at once. (containerd 1.6, Debian 12's, drops the " +
    "last ~15 000 lines still in the pipe when a container exits right after a flood; the cluster runs " +
    "containerd 2.4, which keeps them.) *Lost* = " +
    "numbers never received, *dup* = extra copies, *foreign* = lines that are not part of the sequence " +
    "(tool chatter). *Lines/s* = distinct lines / wall. *Exit → result* = from the container's exit " +
    "instant to the result in hand. 1 M lines are ~47 MB of CRI log, over the kubelet's default " +
    "`containerLogMaxSize` (10 Mi); the kubelet checks sizes every 10 s, so whether a flood is rotated " +
    "mid-run depends on how long it lasts. *podkit* is the library in process (`onLog`, default " +
    "retention); *podkit run* is the command line, `podkit run --image … -- sh -c …`, a process of its own " +
    "whose stdout (`main | <line>`) is checked line by line as it arrives, peak RSS and CPU from " +
    "`/usr/bin/time` as for kubectl. *CPU* = user + system time of the driving process(es), summed over " +
    "kubectl's invocations.",
  contenders: ["podkit", "podkit-cli", "kubectl", "kubectl-logs", "client-node"],
  // `kubectl run -i` attaches too late and loses the head of the output: for logs a user
  // follows the pod with `kubectl logs -f`.
  reference: "kubectl-logs",
  cases: (mode) =>
    mode === "smoke"
      ? [{ scenario: "logs", lines: 10_000 }]
      : [
          { scenario: "logs", lines: 100_000 },
          { scenario: "logs", lines: 1_000_000 },
        ],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    { header: "collected", kind: "spread", value: (m) => m.observation?.lines?.collected },
    { header: "lost", kind: "spread", value: (m) => m.observation?.lines?.lost },
    { header: "dup", kind: "spread", value: (m) => m.observation?.lines?.duplicated },
    { header: "foreign", kind: "spread", value: (m) => m.observation?.lines?.foreign },
    {
      header: "lines/s",
      kind: "spread",
      value: (m) => (m.observation?.lines === undefined ? undefined : m.observation.lines.distinct / (m.wallMs / 1000)),
    },
    { header: "exit → result (s)", kind: "spread", value: (m) => (exitToResultMs(m) ?? NaN) / 1000, digits: 2 },
    { header: "CPU (s)", kind: "spread", value: cpuSeconds, digits: 2 },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "wall", value: (m) => (m.ok ? m.wallMs : undefined) },
  problems: (m) => lineProblems(m),
};

/** A `seq 1 N` run's problems: it failed, lost, repeated or invented lines, or exited non-zero. */
export function lineProblems(m: Measurement): string[] {
  const l = m.observation?.lines;
  if (!m.ok) return failed(m);
  if (l === undefined) return ["no line count"];
  return [
    ...(l.lost > 0 ? [`lost ${l.lost} of ${l.expected} lines`] : []),
    ...(l.duplicated > 0 ? [`duplicated ${l.duplicated} lines`] : []),
    ...(l.foreign > 0 ? [`${l.foreign} lines that the container did not print${(l.foreignLines ?? []).length > 0 ? ` (${(l.foreignLines ?? []).map((f) => JSON.stringify(f)).join(", ")})` : ""}`] : []),
    ...(m.observation?.exitCode !== undefined && m.observation.exitCode !== 0 ? [`exit code ${m.observation.exitCode}`] : []),
  ];
}
