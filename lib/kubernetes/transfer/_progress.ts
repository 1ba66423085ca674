/**
 * Wraps a progress callback so that it runs at most once per `intervalMs` (the first call
 * and the last value always get through with `flush()`): transfers move data in chunks of
 * a few kilobytes, and a callback per chunk would flood progress displays.
 */
export function throttleProgress<A extends unknown[]>(callback: ((...args: A) => void) | undefined, intervalMs = 100): { update: (...args: A) => void; flush: () => void } {
  let last = Number.NEGATIVE_INFINITY;
  let pending: A | undefined;
  return {
    update: (...args: A) => {
      if (callback === undefined) return;
      const now = performance.now();
      if (now - last >= intervalMs) {
        last = now;
        pending = undefined;
        callback(...args);
      } else {
        pending = args;
      }
    },
    flush: () => {
      if (callback === undefined || pending === undefined) return;
      const args = pending;
      pending = undefined;
      last = performance.now();
      callback(...args);
    },
  };
}
