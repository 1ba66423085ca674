/**
 * The TLS connection options against the local cluster's API server, with its own CA and
 * client certificate (test/cluster/pki.sh): PKCS#12 key and trust stores, passphrases, a
 * Java key store converted by the keytool command podkit prints, host name verification
 * switched off, and inheritClusterConfig. Each is accepted and works, or is refused before
 * any pod exists.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, test } from "vitest";
import { KubernetesRunner, loadKubeConfig } from "../../lib/kubernetes/mod.ts";
import { transportFor } from "../../lib/kubernetes/transport/transport.ts";
import { pod, PodValidationError, type ConnectionOptions } from "../../lib/mod.ts";
import { kubeconfigPath, kubectl, waitFor } from "./_cluster.ts";

const PKI = join(process.env["PODKIT_CLUSTER_STATE"] ?? "/var/lib/podkit-cluster", "pki");
const SERVER = "https://127.0.0.1:6443";
const NAMESPACE = "podkit-describe-test";
const dir = mkdtempSync(join(tmpdir(), "podkit-tls-it-"));
const file = (name: string): string => join(dir, name);

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

/** GET /api/v1/namespaces/default with the connection: the status, or the error's code or message. */
async function probe(connection: ConnectionOptions): Promise<number | string> {
  const kc = await loadKubeConfig(connection);
  try {
    const response = await transportFor(kc).request({ method: "GET", path: "/api/v1/namespaces/default" });
    response.resume();
    return response.statusCode ?? 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

beforeAll(async () => {
  if (!existsSync(join(PKI, "admin.key"))) throw new Error(`The local cluster's PKI is not at ${PKI}: these tests need its CA and admin certificate`);
  // A key store: the admin certificate and key; a trust store: the CA alone.
  openssl(["pkcs12", "-export", "-in", join(PKI, "admin.crt"), "-inkey", join(PKI, "admin.key"), "-out", file("client.p12"), "-passout", "pass:ks-secret"]);
  openssl(["pkcs12", "-export", "-nokeys", "-in", join(PKI, "ca.crt"), "-out", file("trust.p12"), "-passout", "pass:ts-secret"]);
  openssl(["pkey", "-in", join(PKI, "admin.key"), "-aes256", "-passout", "pass:key-secret", "-out", file("admin-encrypted.key")]);
  copyFileSync(join(PKI, "ca.crt"), file("ca.pem"));
  const exists = await kubectl(["get", "namespace", NAMESPACE, "-o", "name"]);
  if (exists.code !== 0) await kubectl(["create", "namespace", NAMESPACE]);
  await waitFor(async () => ((await kubectl(["get", "serviceaccount", "default", "-n", NAMESPACE])).code === 0 ? true : undefined), 60_000);
});

describe("key and trust stores", () => {
  test("a PKCS#12 key store and a PKCS#12 trust store authenticate a whole run, exec for files included", async () => {
    const connection: ConnectionOptions = { masterUrl: SERVER, keyStoreFile: file("client.p12"), keyStorePassphrase: "ks-secret", trustStoreFile: file("trust.p12"), trustStorePassphrase: "ts-secret" };
    expect(await probe(connection)).toBe(200);
    const result = await pod()
      .namespace(NAMESPACE)
      .labels({ "podkit.test/suite": "describe" })
      .connection(connection)
      .container({ name: "main", image: "busybox", command: ["sh", "-c", "echo through the key store > {{workingDir}}/out.txt"] })
      .inputFile("in.txt", "x")
      .outputFiles("out.txt")
      .run(new KubernetesRunner());
    expect(readFileSync(result.outputFiles[0]?.path as string, "utf8")).toBe("through the key store\n");
  });

  test("without the stores the same server refuses, so the stores are what made it work", async () => {
    expect(await probe({ masterUrl: SERVER, trustStoreFile: file("trust.p12"), trustStorePassphrase: "ts-secret" })).toBe(403);
    expect(await probe({ masterUrl: SERVER, keyStoreFile: file("client.p12"), keyStorePassphrase: "ks-secret" })).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i);
  });

  test("a PEM trust store is read as it is", async () => {
    expect(await probe({ masterUrl: SERVER, keyStoreFile: file("client.p12"), keyStorePassphrase: "ks-secret", trustStoreFile: file("ca.pem") })).toBe(200);
  });

  test("a wrong passphrase is refused when the connection is loaded, naming the option", async () => {
    await expect(loadKubeConfig({ masterUrl: SERVER, keyStoreFile: file("client.p12"), keyStorePassphrase: "wrong" })).rejects.toThrow(/^Cannot use connection option "keyStoreFile": .*check keyStorePassphrase/);
    await expect(loadKubeConfig({ masterUrl: SERVER, trustStoreFile: file("trust.p12"), trustStorePassphrase: "wrong" })).rejects.toThrow(/^Cannot use connection option "trustStoreFile": .*check trustStorePassphrase/);
  });

  test("a Java key store is refused with the keytool command, which converts it into a store that works", async () => {
    const jks = file("trust.jks");
    execFileSync("keytool", ["-importcert", "-noprompt", "-alias", "ca", "-file", join(PKI, "ca.crt"), "-keystore", jks, "-storepass", "jks-secret", "-storetype", "JKS"], { stdio: "pipe" });
    // By its name, at compile time, before anything runs.
    expect(() => pod().container({ name: "c", image: "busybox" }).connection({ trustStoreFile: jks }).compile()).toThrow(PodValidationError);
    // By its content, whatever its name, when the connection is loaded.
    const renamed = file("trust-store.bin");
    copyFileSync(jks, renamed);
    const error = await loadKubeConfig({ masterUrl: SERVER, trustStoreFile: renamed }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/is a Java key store, which Node cannot read: convert it to PKCS#12 with keytool -importkeystore/);
    // The printed command, run as printed, gives a PKCS#12 trust store podkit reads.
    const command = /with (keytool .*?), and give/.exec(error?.message ?? "")?.[1] ?? "";
    execFileSync("sh", ["-c", `${command} -srcstorepass jks-secret -deststorepass p12-secret -noprompt`], { stdio: "pipe" });
    expect(await probe({ masterUrl: SERVER, keyStoreFile: file("client.p12"), keyStorePassphrase: "ks-secret", trustStoreFile: file("trust-store.bin.p12"), trustStorePassphrase: "p12-secret" })).toBe(200);
  });
});

describe("client key passphrase", () => {
  test("an encrypted client key works with clientKeyPassphrase, and a wrong one is refused at load", async () => {
    const base = { masterUrl: SERVER, caCertFile: file("ca.pem"), clientCertFile: join(PKI, "admin.crt"), clientKeyData: readFileSync(file("admin-encrypted.key"), "utf8") };
    expect(await probe({ ...base, clientKeyPassphrase: "key-secret" })).toBe(200);
    await expect(loadKubeConfig({ ...base, clientKeyPassphrase: "wrong" })).rejects.toThrow(/^Cannot use connection option "clientKeyPassphrase": .*check clientKeyPassphrase/);
  });
});

describe("host name verification", () => {
  test("disableHostnameVerification accepts a certificate that does not name the server, still checked against the CA", async () => {
    // The kubeconfig asks for a server name the API server's certificate does not hold.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath());
    const cluster = kc.getCurrentCluster();
    const renamed = new KubeConfig();
    renamed.loadFromOptions({
      clusters: [{ ...(cluster as NonNullable<typeof cluster>), tlsServerName: "not-in-the-certificate.example" }],
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
    writeFileSync(file("renamed.kubeconfig"), renamed.exportConfig());
    expect(await probe({ kubeconfigPath: file("renamed.kubeconfig") })).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(await probe({ kubeconfigPath: file("renamed.kubeconfig"), disableHostnameVerification: true })).toBe(200);
    // The CA is still checked: another CA is refused even without the host name check.
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=other", "-keyout", file("other.key"), "-out", file("other-ca.pem")]);
    expect(await probe({ kubeconfigPath: file("renamed.kubeconfig"), disableHostnameVerification: true, caCertFile: file("other-ca.pem") })).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i);
  });
});

describe("inheritClusterConfig", () => {
  test("true keeps the discovered CA and credentials under a given masterUrl; without it masterUrl starts blank", async () => {
    const saved = process.env["KUBECONFIG"];
    process.env["KUBECONFIG"] = kubeconfigPath();
    try {
      expect(await probe({ masterUrl: "https://localhost:6443", inheritClusterConfig: true })).toBe(200);
      expect(await probe({ masterUrl: "https://localhost:6443" })).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i);
      const blank = await loadKubeConfig({ inheritClusterConfig: false, oauthToken: "t" });
      expect(blank.getCurrentCluster()?.server).toBe("https://kubernetes.default.svc");
      expect(blank.getCurrentUser()?.certData).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env["KUBECONFIG"];
      else process.env["KUBECONFIG"] = saved;
    }
  });
});
