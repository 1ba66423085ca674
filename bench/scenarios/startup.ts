import type { Scenario } from "../scenario.ts";
import { cpuSeconds, failed, overheadMs, rssMiB, wallSeconds } from "../scenario.ts";

/** The whole cost of a command that runs a pod doing nothing: one process, start to exit. */
export const startup: Scenario = {
  id: "startup",
  title: "Start-up",
  method:
    "A pod running `true`, through a command a user types, timed as a whole process: `podkit run --image " +
    "IMAGE -n NS --kubeconfig PATH -- true` (Node starting, loading the command line, the run, the exit) " +
    "against `kubectl run --rm -i --restart=Never --image=IMAGE --image-pull-policy=IfNotPresent --command -- " +
    "true`. The image has a tag other than `latest`, so the pod podkit creates gets `IfNotPresent` too. Each " +
    "command runs under `/usr/bin/time`: *CPU* = user + system time, *peak RSS* its maximum resident set. " +
    "*Wall* = spawn → exit. *Overhead* = wall − the pod's lifetime as the harness's watch saw it. Each " +
    "contender runs once unmeasured first (the image is on the node, Node's compile cache holds the " +
    "command line's modules).",
  contenders: ["podkit-cli", "kubectl"],
  warmup: true,
  cases: () => [{ scenario: "startup", command: ["true"] }],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    { header: "overhead (s)", kind: "spread", value: (m) => (overheadMs(m) ?? NaN) / 1000, digits: 2 },
    { header: "CPU (s)", kind: "spread", value: cpuSeconds, digits: 2 },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "wall", value: (m) => (m.ok ? m.wallMs : undefined) },
  problems: (m) => [
    ...failed(m),
    ...(m.ok && m.observation?.exitCode !== 0 ? [`exit code ${m.observation?.exitCode} instead of 0`] : []),
  ],
};
