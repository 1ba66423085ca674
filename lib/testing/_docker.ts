import { request } from "node:http";

/** Whether a Docker engine answered, and where podkit looked for it. */
export interface DockerProbe {
  /** True when `GET /_ping` answered `OK`. */
  readonly answers: boolean;
  /** Where the engine was looked for, and why it did not answer when it did not. */
  readonly detail: string;
}

/**
 * Asks the Docker engine of `DOCKER_HOST` (else `/var/run/docker.sock`) for `/_ping`, the
 * way testcontainers finds it, within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { probeDocker } from "./_docker.ts";
 * const docker = await probeDocker();
 * console.log(docker.answers ? "K3s can run here" : `no Docker engine: ${docker.detail}`);
 * ```
 */
export function probeDocker(timeoutMs = 2000): Promise<DockerProbe> {
  const host = process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  let target: { socketPath: string } | { host: string; port: number };
  try {
    const url = new URL(host);
    target = url.protocol === "unix:" ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port || 2375) };
  } catch {
    return Promise.resolve({ answers: false, detail: `DOCKER_HOST="${host}" is not a URL` });
  }
  const where = "socketPath" in target ? target.socketPath : `${target.host}:${target.port}`;
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && body.trim() === "OK" ? { answers: true, detail: `Docker engine at ${where}` } : { answers: false, detail: `${where} answered HTTP ${res.statusCode}` }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ answers: false, detail: `no Docker engine answered at ${where} (${error.message})` }));
    req.end();
  });
}
