import { match, P } from "ts-pattern";

/**
 * The HTTP status of a failed API request, whichever layer reported it: client-node's
 * `ApiException` (`code`), a `Status` object or a fetch-style error (`status`), a raw
 * response (`statusCode`). Undefined when the error carries none (a refused connection).
 *
 * @example
 * ```ts
 * import { apiStatus } from "./api_error.ts";
 * apiStatus({ code: 404 }); // 404
 * apiStatus(new Error("ECONNREFUSED")); // undefined
 * ```
 */
export function apiStatus(error: unknown): number | undefined {
  return match(error)
    .with({ code: P.number }, (e) => e.code)
    .with({ status: P.number }, (e) => e.status)
    .with({ statusCode: P.number }, (e) => e.statusCode)
    .otherwise(() => undefined);
}

/**
 * The API server's own explanation when it gave one, else the error's message; never the
 * response headers client-node appends to its messages.
 *
 * @example
 * ```ts
 * import { apiMessage } from "./api_error.ts";
 * apiMessage({ body: '{"kind":"Status","message":"pods \\"x\\" not found"}' }); // 'pods "x" not found'
 * apiMessage(Object.assign(new Error("Unauthorized"), { name: "KubernetesHttpError", status: 401 })); // "Unauthorized (HTTP 401)"
 * ```
 */
export function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // Not a Status object.
    }
  } else if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string") {
    return (body as { message: string }).message;
  }
  const message = error instanceof Error ? error.message : String(error);
  // podkit's own REST calls: the server's word, then the status.
  if (error instanceof Error && error.name === "KubernetesHttpError" && typeof (error as { status?: unknown }).status === "number") {
    const status = (error as Error & { status: number }).status;
    return message.includes(`HTTP ${status}`) ? message : `${message} (HTTP ${status})`;
  }
  // client-node's ApiException message appends the body and every response header (a
  // proxy's Set-Cookie included): keep the status and the server's word only.
  const api = /^HTTP-Code: (\d+)\nMessage: ([^\n]*)/.exec(message);
  return api === null ? message : `${api[2]} (HTTP ${api[1]})`;
}
