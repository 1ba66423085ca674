/**
 * Credentials given in `.connection({...})` never leak: runs forced to fail (a token the
 * API server does not know, a real service-account token without permissions, one allowed
 * pods but neither exec nor logs, a malformed client key, a real client key sent to a
 * namespace that does not exist) are searched — error message, error fields, cause chain,
 * result, progress events and log lines, serialized with JSON.stringify and util.inspect —
 * for the secret, which must appear nowhere.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { expect, test } from "vitest";
import { KubernetesRunner } from "../../../lib/kubernetes/mod.ts";
import { pod, type ConnectionOptions, type PodBuilder, type ProgressEvent } from "../../../lib/mod.ts";
import { kubectl } from "../_cluster.ts";
import { ownNamespace, rejection, report, SUITE_LABEL, waitNoPods } from "../faults/_faults.ts";

const NAMESPACE = ownNamespace("podkit-security-secrets");
const LABELS = { [SUITE_LABEL]: "security-secrets" };
const runner = new KubernetesRunner();

interface Cluster {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

async function cluster(): Promise<Cluster> {
  const { stdout } = await kubectl(["config", "view", "--raw", "--minify", "-o", "json"]);
  const config = JSON.parse(stdout) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const c = config.clusters[0]?.cluster;
  const u = config.users[0]?.user;
  if (c === undefined || u === undefined) throw new Error("The kubeconfig names no cluster or user");
  const text = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");
  return { server: c.server, ca: text(c["certificate-authority-data"]), cert: text(u["client-certificate-data"]), key: text(u["client-key-data"]) };
}

async function serviceAccountToken(name: string, rules: object[]): Promise<string> {
  await kubectl(["create", "serviceaccount", name, "-n", NAMESPACE]);
  if (rules.length > 0) {
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace: NAMESPACE }, rules };
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: NAMESPACE },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: NAMESPACE }],
    };
    for (const object of [role, binding]) {
      const applied = await kubectl(["apply", "-f", "-"], { input: JSON.stringify(object) });
      expect(applied.code, applied.stderr).toBe(0);
    }
  }
  const { stdout, code, stderr } = await kubectl(["create", "token", name, "-n", NAMESPACE, "--duration=10m"]);
  expect(code, stderr).toBe(0);
  return stdout.trim();
}

/** Every string a caller could see of a failed run, the secret's fragments searched in it. */
async function leaks(builder: PodBuilder, secrets: readonly string[]) {
  const progress: ProgressEvent[] = [];
  const lines: string[] = [];
  const error = await rejection(builder.run(runner, { onProgress: (e) => progress.push(e), onLog: (l) => lines.push(l.line) }));
  const seen = [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true, getters: true }),
    JSON.stringify(error.result ?? null),
    inspect(error.result, { depth: 20 }),
    JSON.stringify(progress),
    inspect(progress, { depth: 20 }),
    JSON.stringify(lines),
  ].join("\n");
  return { error, found: search(seen, secrets), seen };
}

/** Whole secrets, base64ed, and any 16-character slice of them (a key printed cut) found in `text`. */
function search(text: string, secrets: readonly string[]): string[] {
  return secrets.flatMap((secret) => {
    const variants = [secret, Buffer.from(secret).toString("base64")];
    for (let i = 0; i + 16 <= secret.length; i += 8) variants.push(secret.slice(i, i + 16));
    return variants.filter((v) => v.trim().length >= 12 && text.includes(v));
  });
}

test("the search finds a secret printed whole, cut or base64ed", () => {
  const secret = `podkit-fake-token-${randomBytes(24).toString("hex")}`;
  expect(search(`Bearer ${secret}`, [secret])).not.toEqual([]);
  expect(search(`…${secret.slice(5, 30)}…`, [secret])).not.toEqual([]);
  expect(search(Buffer.from(secret).toString("base64"), [secret])).not.toEqual([]);
  expect(search("nothing here", [secret])).toEqual([]);
});

function target(connection: ConnectionOptions): PodBuilder {
  return pod().namespace(NAMESPACE).labels(LABELS).connection(connection).container({ name: "main", image: "busybox", command: ["echo", "hi"] });
}

test("a token the API server rejects (401) is nowhere in the error, result, events or logs", async () => {
  const { server } = await cluster();
  const token = `podkit-fake-token-${randomBytes(24).toString("hex")}`;
  const { error, found } = await leaks(target({ masterUrl: server, oauthToken: token, trustCerts: true }), [token]);
  expect(error.reason).toBe("ApiError");
  expect(error.message).toMatch(/Unauthorized \(HTTP 401\)/);
  // Response headers (a proxy's Set-Cookie among them) are not part of the message.
  expect(error.message).not.toMatch(/Headers:/);
  expect(found).toEqual([]);
  report("secrets: fake token", { reason: error.reason, message: error.message.split("\n")[0], leaked: found.length });
});

test("a real service-account token without permissions (403) is nowhere in what the caller sees", async () => {
  const { server, ca } = await cluster();
  const token = await serviceAccountToken("podkit-nobody", []);
  const { error, found } = await leaks(target({ masterUrl: server, oauthToken: token, caCertData: ca }), [token]);
  expect(error.reason).toBe("ApiError");
  expect(error.message).toMatch(/forbidden/i);
  expect(error.message).toContain("podkit-nobody");
  expect(found).toEqual([]);
  report("secrets: token without permissions", { reason: error.reason, message: error.message.split("\n")[0], leaked: found.length });
});

test("a token allowed pods but not exec or logs: the transfer and log failures do not carry it", async () => {
  const { server, ca } = await cluster();
  const token = await serviceAccountToken("podkit-pods-only", [
    { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "delete"] },
    { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
  ]);
  const builder = target({ masterUrl: server, oauthToken: token, caCertData: ca }).inputFile("in.txt", "x").outputFiles("in.txt");
  const { error, found } = await leaks(builder, [token]);
  expect(error.reason).toBe("TransferFailed");
  expect(error.message).toMatch(/forbidden|403/i);
  expect(found).toEqual([]);
  await waitNoPods(NAMESPACE, `${SUITE_LABEL}=security-secrets`);
  report("secrets: token without exec", { reason: error.reason, step: error.step, message: error.message.split("\n")[0], leaked: found.length });
});

test("a malformed client key and a real one sent where it fails are nowhere in what the caller sees", async () => {
  const { server, ca, cert, key } = await cluster();
  const fakeKey = `-----BEGIN PRIVATE KEY-----\n${randomBytes(120).toString("base64").match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n`;
  const fake = await leaks(target({ masterUrl: server, caCertData: ca, clientCertData: cert, clientKeyData: fakeKey }), [fakeKey.split("\n")[1] as string, fakeKey]);
  expect(fake.found).toEqual([]);
  const keyBody = key.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
  const real = await leaks(
    target({ masterUrl: server, caCertData: ca, clientCertData: cert, clientKeyData: key }).namespace("podkit-no-such-namespace"),
    [key, ...keyBody],
  );
  expect(real.error.reason).toBe("ApiError");
  expect(real.error.message).toMatch(/not found/);
  expect(real.found).toEqual([]);
  report("secrets: client keys", { malformed: `${fake.error.reason}: ${fake.error.message.split("\n")[0]}`, real: `${real.error.reason}: ${real.error.message.split("\n")[0]}`, leaked: fake.found.length + real.found.length });
});
