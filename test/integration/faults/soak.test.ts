/**
 * Soak: many small runs one after another, then many at once, from a driving process of
 * their own. Every run succeeds, no pod is left behind, and the driver's heap and active
 * handles after the soak are those it had after warming up: nothing (watches, sockets,
 * listeners, timers) leaks per run.
 */
import { expect, test } from "vitest";
import { kubeconfigPath } from "../_cluster.ts";
import { command, ownNamespace, podsIn, report, SUITE_LABEL, waitNoPods } from "./_faults.ts";

const NAMESPACE = ownNamespace("podkit-faults-soak");
const LABELS = { [SUITE_LABEL]: "faults-soak" };
const SEQUENTIAL = 200;
const CONCURRENT = 50;
const WARMUP = 10;
/** Heap growth allowed between the readings: well under a kilobyte a run. */
const HEAP_MARGIN_BYTES = 3 * 1024 * 1024;

interface SoakFigures {
  runs: number;
  errors: string[];
  badResults: number;
  badDetails: string[];
  warmupMs: number;
  sequentialMs: number;
  concurrentMs: number;
  heapAfterWarmup: number;
  heapAfterSoak: number;
  resourcesAfterWarmup: Record<string, number>;
  resourcesAfterSoak: Record<string, number>;
}

test(`${SEQUENTIAL} sequential and ${CONCURRENT} concurrent runs: no error, no pod left, no heap or handle growth`, async () => {
  process.env["KUBECONFIG"] = kubeconfigPath();
  const args = { namespace: NAMESPACE, warmup: WARMUP, sequential: SEQUENTIAL, concurrent: CONCURRENT, labels: LABELS };
  const run = await command(process.execPath, ["--expose-gc", "test/fixtures/soak_driver.ts", JSON.stringify(args)], 1_500_000);
  expect(run.code, run.stderr).toBe(0);
  const figures = JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as SoakFigures;
  const podsLeftAtEnd = (await podsIn(NAMESPACE, `${SUITE_LABEL}=faults-soak`)).length;
  report("soak", { ...figures, errors: figures.errors.slice(0, 5), heapGrowthBytes: figures.heapAfterSoak - figures.heapAfterWarmup, podsLeftAtEnd, wallMs: run.ms });
  expect(figures.errors).toEqual([]);
  expect(figures.badDetails).toEqual([]);
  expect(figures.badResults).toBe(0);
  expect(figures.runs).toBe(WARMUP + SEQUENTIAL + CONCURRENT);
  // Deleted pods may still be terminating for a moment; none may stay.
  await waitNoPods(NAMESPACE, `${SUITE_LABEL}=faults-soak`, 60_000);
  expect(figures.heapAfterSoak - figures.heapAfterWarmup).toBeLessThan(HEAP_MARGIN_BYTES);
  const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  expect(total(figures.resourcesAfterSoak)).toBeLessThanOrEqual(total(figures.resourcesAfterWarmup) + 2);
}, 1_600_000);
