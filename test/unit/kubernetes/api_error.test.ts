import { expect, it } from "vitest";
import { apiMessage, apiStatus } from "../../../lib/kubernetes/api_error.ts";
import { toHttpError } from "../../../lib/kubernetes/http.ts";

it("tells a failed REST call as the server's word and the status", () => {
  const error = toHttpError(401, '{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}', "GET /api/v1/namespaces/x/pods");
  expect(apiStatus(error)).toBe(401);
  expect(error.reason).toBe("Unauthorized");
  expect(apiMessage(error)).toBe("Unauthorized (HTTP 401)");
});

it("names the request when the server sent no Status", () => {
  const error = toHttpError(502, "Bad Gateway\n", "POST /api/v1/namespaces/x/pods");
  expect(apiStatus(error)).toBe(502);
  expect(apiMessage(error)).toBe("POST /api/v1/namespaces/x/pods failed with HTTP 502: Bad Gateway");
});

it("keeps a refused connection's message, with no status", () => {
  const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
  expect(apiStatus(error)).toBeUndefined();
  expect(apiMessage(error)).toBe("connect ECONNREFUSED 127.0.0.1:6443");
});
