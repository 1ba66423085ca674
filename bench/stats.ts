/** Spread of repeated measurements: the figures the report prints for every metric. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/**
 * Summarises repeated measurements; `undefined` and non-finite values (a run that could
 * not measure the metric) are left out. Returns `undefined` when nothing is left.
 *
 * @example
 * ```ts
 * summarize([3, 1, 2]); // { n: 3, min: 1, median: 2, max: 3 }
 * ```
 */
export function summarize(values: readonly (number | undefined)[]): Summary | undefined {
  const xs = values
    .filter((v): v is number => typeof v === "number" && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { n: xs.length, min: xs[0]!, median, max: xs[xs.length - 1]! };
}

/**
 * Ratio of two medians, `a / b`; `undefined` when either is missing or `b` is zero.
 *
 * @example
 * ```ts
 * ratio({ n: 1, min: 2, median: 2, max: 2 }, { n: 1, min: 4, median: 4, max: 4 }); // 0.5
 * ```
 */
export function ratio(a: Summary | undefined, b: Summary | undefined): number | undefined {
  if (a === undefined || b === undefined || b.median === 0) return undefined;
  return a.median / b.median;
}
