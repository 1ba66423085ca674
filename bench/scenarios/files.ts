import type { Scenario } from "../scenario.ts";
import { failed, rssMiB, wallSeconds } from "../scenario.ts";

const mbps = (bytes: number, ms: number | undefined): number | undefined =>
  ms === undefined || ms <= 0 ? undefined : bytes / 1e6 / (ms / 1000);

/** A random file goes in, the pod hashes and copies it, the copy comes back. */
export const files: Scenario = {
  id: "files",
  title: "Files",
  method:
    "A random input file (100 MB and 1 GB) goes into the pod; the pod records its sha256 and copies it; " +
    "the copy and the recorded sha256 come back. podkit does it in one run (input file, output files); the " +
    "baselines start an idle pod, copy in (`kubectl cp` / `Cp.cpToPod`), run the work with exec, copy out. " +
    "*In/out MB/s* = size / time of the transfer: for kubectl, the `kubectl cp` command; for podkit, from " +
    "its progress events, the upload including its in-pod sha256 check but not the wait for the init " +
    "container (as `kubectl wait` is not counted). *Exact in* = the pod saw " +
    "the input's sha256; *exact out* = the local copy has the input's size and sha256. *Peak RSS* is the " +
    "driving process (for kubectl, its largest invocation).",
  contenders: ["podkit", "kubectl", "client-node"],
  cases: (mode) =>
    mode === "smoke"
      ? [{ scenario: "files", bytes: 10_000_000 }]
      : [
          { scenario: "files", bytes: 100_000_000 },
          { scenario: "files", bytes: 1_000_000_000 },
        ],
  columns: [
    { header: "wall (s)", kind: "spread", value: wallSeconds, digits: 2 },
    {
      header: "in MB/s",
      kind: "spread",
      value: (m) => (m.case.scenario === "files" ? mbps(m.case.bytes, m.observation?.files?.inMs) : undefined),
    },
    {
      header: "out MB/s",
      kind: "spread",
      value: (m) => (m.case.scenario === "files" ? mbps(m.case.bytes, m.observation?.files?.outMs) : undefined),
    },
    { header: "exact in", kind: "count", value: (m) => (m.ok ? Number(m.observation?.files?.inExact ?? false) : 0) },
    { header: "exact out", kind: "count", value: (m) => (m.ok ? Number(m.observation?.files?.outExact ?? false) : 0) },
    { header: "peak RSS (MiB)", kind: "spread", value: rssMiB },
  ],
  headline: { label: "wall", value: (m) => (m.ok ? m.wallMs : undefined) },
  problems: (m) => {
    const f = m.observation?.files;
    if (!m.ok) return failed(m);
    if (f === undefined) return ["no file findings"];
    return [
      ...(f.inExact ? [] : ["the pod did not see the input's sha256"]),
      ...(f.outExact ? [] : [`the output differs from the input (${f.outBytes ?? "no"} bytes)`]),
    ];
  },
};
