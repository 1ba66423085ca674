import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http2Allowed, requestOverHttp2, type StreamResponse } from "../../../lib/kubernetes/transport/http2.ts";

// A real TLS server on the loopback interface, with a certificate made for the test.
let dir: string;
let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "podkit-h2-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  cert = readFileSync(join(dir, "cert.pem"));
  key = readFileSync(join(dir, "key.pem"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listen(server: http2.Http2SecureServer | https.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function text(body: StreamResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

describe("requestOverHttp2", () => {
  it("sends a GET with the credentials' headers and returns the status and the whole body", async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const server = http2.createSecureServer({ cert, key }, (req, res) => {
      seen.push(req.headers);
      res.writeHead(req.url === "/missing" ? 404 : 200);
      res.write("line 1\n");
      setTimeout(() => res.end("line 2\n"), 10);
    });
    const origin = await listen(server);
    try {
      const ok = await requestOverHttp2({ origin, path: "/log?follow=true", headers: { Authorization: "Bearer t0ken" }, tls: { ca: cert } });
      expect(ok.statusCode).toBe(200);
      expect(await text(ok)).toBe("line 1\nline 2\n");
      const missing = await requestOverHttp2({ origin, path: "/missing", headers: {}, tls: { ca: cert, auth: "user:pass" } });
      expect(missing.statusCode).toBe(404);
      await text(missing);
      expect(seen[0]?.[":path"]).toBe("/log?follow=true");
      expect(seen[0]?.["authorization"]).toBe("Bearer t0ken");
      expect(seen[1]?.["authorization"]).toBe(`Basic ${Buffer.from("user:pass").toString("base64")}`);
    } finally {
      server.close();
    }
  });

  it("spreads long-lived streams over sessions, so that a server's stream limit holds none back", async () => {
    const sessions = new Set<http2.ServerHttp2Session>();
    const waiting: http2.Http2ServerResponse[] = [];
    const total = 150;
    // At most 100 streams at once per connection; each is held open until all have arrived.
    const server = http2.createSecureServer({ cert, key, settings: { maxConcurrentStreams: 100 } }, (req, res) => {
      sessions.add(req.stream.session as http2.ServerHttp2Session);
      res.writeHead(200);
      res.write(`${req.url}\n`);
      waiting.push(res);
      if (waiting.length === total) for (const r of waiting) r.end();
    });
    const origin = await listen(server);
    try {
      const bodies = await Promise.all(
        Array.from({ length: total }, async (_, i) => text(await requestOverHttp2({ origin, path: `/s${i}`, headers: {}, tls: { ca: cert }, signal: AbortSignal.timeout(20_000) }))),
      );
      expect(bodies).toEqual(Array.from({ length: total }, (_, i) => `/s${i}\n`));
      expect(sessions.size).toBe(2);
    } finally {
      for (const s of sessions) s.destroy();
      server.close();
    }
  });

  it("refuses a server that does not offer h2, once, and leaves it to HTTP/1.1 from then on", async () => {
    const server = https.createServer({ cert, key, ALPNProtocols: ["http/1.1"] }, (_req, res) => res.end("ok"));
    const origin = await listen(server);
    try {
      const tls = { ca: cert };
      expect(http2Allowed(origin, tls, false)).toBe(true);
      await expect(requestOverHttp2({ origin, path: "/", headers: {}, tls })).rejects.toMatchObject({ code: "PODKIT_NO_HTTP2" });
      expect(http2Allowed(origin, tls, false)).toBe(false);
      // A proxy, an agent of the credentials' own, or plain HTTP never take HTTP/2.
      expect(http2Allowed("https://127.0.0.2:1", tls, true)).toBe(false);
      expect(http2Allowed("https://127.0.0.2:1", { ...tls, agent: new https.Agent() }, false)).toBe(false);
      expect(http2Allowed("http://127.0.0.2:1", tls, false)).toBe(false);
    } finally {
      server.close();
    }
  });

  it("rejects with the connection's error when the server's certificate is not trusted", async () => {
    const server = http2.createSecureServer({ cert, key }, (_req, res) => res.end("ok"));
    const origin = await listen(server);
    try {
      await expect(requestOverHttp2({ origin, path: "/", headers: {}, tls: {} })).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
    } finally {
      server.close();
    }
  });
});
