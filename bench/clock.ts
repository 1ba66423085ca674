/**
 * Current time in epoch milliseconds with sub-millisecond precision; comparable across
 * the processes of the suite (all read the same system clock).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
