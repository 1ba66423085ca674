import { subscribe } from "node:diagnostics_channel";

/**
 * Counts the HTTP requests this process makes, whatever the client: `undici` (which
 * `@kubernetes/client-node` and global `fetch` use) and `node:http`/`node:https` (which
 * `ws` uses for exec, attach and port-forward upgrades). Call once, early.
 *
 * @example
 * ```ts
 * const requests = countRequests();
 * await fetch("http://localhost:8080/healthz").catch(() => {});
 * requests(); // 1
 * ```
 */
export function countRequests(): () => number {
  let n = 0;
  const onRequest = (): void => {
    n++;
  };
  subscribe("undici:request:create", onRequest);
  subscribe("http.client.request.start", onRequest);
  return () => n;
}
