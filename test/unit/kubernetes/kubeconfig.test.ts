import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readKubeconfig } from "../../../lib/kubernetes/connection.ts";
import { Kubeconfig } from "../../../lib/kubernetes/kubeconfig.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function kubeconfigYaml(options: { context: string; cluster?: Record<string, unknown>; user?: Record<string, unknown>; namespace?: string; current?: boolean }): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: `${options.context}-cluster`, cluster: { server: `https://${options.context}.example:6443`, ...options.cluster } }],
    users: [{ name: `${options.context}-user`, user: options.user ?? {} }],
    contexts: [{ name: options.context, context: { cluster: `${options.context}-cluster`, user: `${options.context}-user`, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) } }],
    ...(options.current === false ? {} : { "current-context": options.context }),
  });
}

async function optionsOf(kubeconfig: Kubeconfig): Promise<RequestOptions & { headers: Record<string, string> }> {
  const opts: RequestOptions = {};
  await kubeconfig.applyToHTTPSOptions(opts);
  return opts as RequestOptions & { headers: Record<string, string> };
}

let dir: string;
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "podkit-kubeconfig-"));
  saved = { ...process.env };
});
afterEach(() => {
  process.env = saved;
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("Kubeconfig", () => {
  it("reads the current context's cluster, user and namespace from YAML", () => {
    const kc = new Kubeconfig();
    kc.loadFromString(
      [
        "apiVersion: v1",
        "clusters:",
        "- name: c",
        "  cluster: {server: 'https://10.0.0.1:6443/', insecure-skip-tls-verify: yes, tls-server-name: api.internal}",
        "users:",
        "- name: u",
        "  user: {token: abc}",
        "contexts:",
        "- name: x",
        "  context: {cluster: c, user: u, namespace: team}",
        "current-context: x",
      ].join("\n"),
    );
    expect(kc.getCurrentCluster()).toMatchObject({ server: "https://10.0.0.1:6443", skipTLSVerify: true, tlsServerName: "api.internal" });
    expect(kc.getCurrentUser()?.token).toBe("abc");
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("team");
  });

  it("applies CA, client certificate and key, token, impersonation and server name to a request", async () => {
    const kc = new Kubeconfig();
    kc.loadFromString(
      kubeconfigYaml({
        context: "a",
        cluster: { "certificate-authority-data": b64("CA"), "tls-server-name": "api" },
        user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY"), token: "t0k", as: "alice" },
      }),
    );
    const opts = await optionsOf(kc);
    expect(opts.ca?.toString()).toBe("CA");
    expect(opts.cert?.toString()).toBe("CERT");
    expect(opts.key?.toString()).toBe("KEY");
    expect(opts.servername).toBe("api");
    expect(opts.rejectUnauthorized).toBeUndefined();
    expect(opts.headers["Authorization"]).toBe("Bearer t0k");
    expect(opts.headers["Impersonate-User"]).toBe("alice");
  });

  it("sends basic auth for a username and password", async () => {
    const kc = new Kubeconfig();
    kc.loadFromString(kubeconfigYaml({ context: "a", user: { username: "admin", password: "s3cret" }, cluster: { "insecure-skip-tls-verify": true } }));
    const opts = await optionsOf(kc);
    expect(opts.auth).toBe("admin:s3cret");
    expect(opts.rejectUnauthorized).toBe(false);
  });

  it("takes relative certificate paths relative to the kubeconfig file", async () => {
    file("ca.crt", "CA FROM FILE");
    const kc = new Kubeconfig();
    kc.loadFromFile(file("config", kubeconfigYaml({ context: "a", cluster: { "certificate-authority": "ca.crt" } })));
    expect(kc.getCurrentCluster()?.caFile).toBe(join(dir, "ca.crt"));
    expect((await optionsOf(kc)).ca?.toString()).toBe("CA FROM FILE");
  });

  it("runs an exec plugin and sends the token it prints", async () => {
    const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "from-plugin" } });
    const kc = new Kubeconfig();
    kc.loadFromString(
      kubeconfigYaml({
        context: "a",
        user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`], interactiveMode: "Never" } },
      }),
    );
    expect((await optionsOf(kc)).headers["Authorization"]).toBe("Bearer from-plugin");
  });

  it("reads a token file (the in-cluster form)", async () => {
    const tokenFile = file("token", "sa-token\n");
    const kc = new Kubeconfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: "https://10.0.0.1:443", skipTLSVerify: false }],
      users: [{ name: "u", authProvider: { name: "tokenFile", config: { tokenFile } } }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    expect((await optionsOf(kc)).headers["Authorization"]).toBe("Bearer sa-token");
  });

  it("hands a cluster behind a proxy to client-node, which sets the proxy's agent", async () => {
    const kc = new Kubeconfig();
    kc.loadFromString(kubeconfigYaml({ context: "a", cluster: { "proxy-url": "http://proxy.example:3128" }, user: { token: "t" } }));
    const opts = await optionsOf(kc);
    expect(opts.agent).toBeDefined();
    expect(opts.headers["Authorization"]).toBe("Bearer t");
  });

  it("applies the TLS options a kubeconfig cannot hold", async () => {
    const kc = new Kubeconfig({ passphrase: "pw", disableHostnameVerification: true });
    kc.loadFromString(kubeconfigYaml({ context: "a" }));
    const opts = await optionsOf(kc);
    expect(opts.passphrase).toBe("pw");
    expect(opts.checkServerIdentity?.("host", {} as never)).toBeUndefined();
  });

  it("merges the files of KUBECONFIG as kubectl does: the first to define a name or the current context wins", () => {
    const first = file("one", kubeconfigYaml({ context: "a", namespace: "first" }));
    const second = file(
      "two",
      ["contexts:", "- {name: a, context: {cluster: a-cluster, user: a-user, namespace: second}}", "- {name: b, context: {cluster: a-cluster, user: a-user}}", "current-context: b"].join("\n"),
    );
    process.env["KUBECONFIG"] = [join(dir, "missing"), first, second].join(":");
    const kc = new Kubeconfig();
    kc.loadFromDefault();
    expect(kc.getCurrentContext()).toBe("a");
    expect(kc.getContextObject("a")?.namespace).toBe("first");
    expect(kc.getContexts().map((c) => c.name)).toEqual(["a", "b"]);
  });

  it("names KUBECONFIG when none of its files exists", () => {
    process.env["KUBECONFIG"] = join(dir, "nowhere");
    expect(() => new Kubeconfig().loadFromDefault()).toThrow(/^Cannot read the kubeconfig: no file of KUBECONFIG exists \(".*nowhere"\); set KUBECONFIG to an existing file, or unset it$/);
  });

  it("says which file is not YAML", () => {
    const bad = file("bad", "clusters: [unclosed");
    expect(() => new Kubeconfig().loadFromFile(bad)).toThrow(new RegExp(`^Cannot read the kubeconfig "${bad}": it is not valid YAML`));
  });

  it("falls back to ~/.kube/config", () => {
    const home = join(dir, "home");
    const kube = join(home, ".kube");
    mkdirSync(kube, { recursive: true });
    writeFileSync(join(kube, "config"), kubeconfigYaml({ context: "home" }));
    delete process.env["KUBECONFIG"];
    process.env["HOME"] = home;
    const kc = new Kubeconfig();
    kc.loadFromDefault();
    expect(kc.getCurrentCluster()?.server).toBe("https://home.example:6443");
  });
});

describe("readKubeconfig()", () => {
  it("overrides the server and credentials of the chosen context, keeping its CA", async () => {
    const path = file("config", kubeconfigYaml({ context: "a", cluster: { "certificate-authority-data": b64("CA") }, user: { token: "old" }, namespace: "team" }));
    const kc = await readKubeconfig({ kubeconfigPath: path, masterUrl: "https://other:6443", oauthToken: "new" });
    expect(kc.getCurrentCluster()?.server).toBe("https://other:6443");
    const opts = await optionsOf(kc);
    expect(opts.ca?.toString()).toBe("CA");
    expect(opts.headers["Authorization"]).toBe("Bearer new");
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("team");
  });

  it("refuses an unknown context, naming the known ones", async () => {
    const path = file("config", kubeconfigYaml({ context: "a" }));
    await expect(readKubeconfig({ kubeconfigPath: path, context: "zz" })).rejects.toThrow('Cannot use kubeconfig context "zz": it does not exist (known: "a")');
  });
});
