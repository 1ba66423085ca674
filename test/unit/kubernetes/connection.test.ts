import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../../lib/kubernetes/connection.ts";
import { pod, type ConnectionOptions, type PodValidationError } from "../../../lib/mod.ts";
import { resolveNamespace } from "../../../lib/plan/identity.ts";

function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace;
}

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
  - name: one
    cluster: { server: "https://one.example:6443", insecure-skip-tls-verify: true }
  - name: two
    cluster: { server: "https://two.example:6443" }
users:
  - name: alice
    user: { token: "alice-token" }
contexts:
  - name: first
    context: { cluster: one, user: alice, namespace: jobs }
  - name: second
    context: { cluster: two, user: alice }
current-context: first
`;

async function kubeconfigFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "podkit-kubeconfig-"));
  const path = join(dir, "config");
  await writeFile(path, KUBECONFIG);
  return path;
}

describe("loadKubeConfig", () => {
  it("builds a configuration from a master URL and a token", async () => {
    const kc = await loadKubeConfig({ masterUrl: "https://10.0.0.1:6443", oauthToken: "t0ken", trustCerts: true, namespace: "ci" });
    expect(kc.getCurrentCluster()).toMatchObject({ server: "https://10.0.0.1:6443", skipTLSVerify: true });
    expect(kc.getCurrentUser()?.token).toBe("t0ken");
    expect(contextNamespace(kc)).toBe("ci");
  });

  it("stores PEM data base64-encoded, as kubeconfig data fields are", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const kc = await loadKubeConfig({ masterUrl: "https://k8s:6443", caCertData: pem, clientCertData: pem, clientKeyData: pem });
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString()).toBe(pem);
    expect(Buffer.from(kc.getCurrentUser()?.keyData ?? "", "base64").toString()).toBe(pem);
  });

  it("loads a kubeconfig file and switches context", async () => {
    const path = await kubeconfigFile();
    const kc = await loadKubeConfig({ kubeconfigPath: path, context: "second" });
    expect(kc.getCurrentCluster()?.server).toBe("https://two.example:6443");
    expect(contextNamespace(await loadKubeConfig({ kubeconfigPath: path }))).toBe("jobs");
  });

  it("overrides the token of the chosen context and keeps its server", async () => {
    const kc = await loadKubeConfig({ kubeconfigPath: await kubeconfigFile(), oauthToken: "other" });
    expect(kc.getCurrentCluster()?.server).toBe("https://one.example:6443");
    expect(kc.getCurrentUser()?.token).toBe("other");
  });

  it("reads a token from the provider command", async () => {
    const kc = await loadKubeConfig({ masterUrl: "https://k8s:6443", oauthTokenProvider: { command: "echo", args: ["from-provider"] } });
    expect(kc.getCurrentUser()?.token).toBe("from-provider");
  });

  it("rejects an unknown context and Java key stores with TypeErrors that say what to do", async () => {
    await expect(loadKubeConfig({ kubeconfigPath: await kubeconfigFile(), context: "third" })).rejects.toThrow(
      /Cannot use kubeconfig context "third": it does not exist \(known: "first", "second"\)/,
    );
    await expect(loadKubeConfig({ keyStoreFile: "/nowhere/k.p12" })).rejects.toThrow(/^Cannot use connection option "keyStoreFile": cannot read "\/nowhere\/k.p12" \(ENOENT\)/);
    const jks = join(await mkdtemp(join(tmpdir(), "podkit-jks-")), "store.bin");
    await writeFile(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    await expect(loadKubeConfig({ trustStoreFile: jks })).rejects.toThrow(/is a Java key store, which Node cannot read: convert it to PKCS#12 with keytool -importkeystore -srckeystore ".*store.bin" -srcstoretype JKS -destkeystore ".*store.bin.p12" -deststoretype PKCS12/);
  });

  it("inheritClusterConfig: false starts from the given fields alone; true keeps the kubeconfig's under a masterUrl", async () => {
    const blank = await loadKubeConfig({ kubeconfigPath: await kubeconfigFile(), inheritClusterConfig: false, masterUrl: "https://k8s:6443" });
    expect(blank.getCurrentCluster()?.server).toBe("https://k8s:6443");
    const inherited = await loadKubeConfig({ kubeconfigPath: await kubeconfigFile(), inheritClusterConfig: true, masterUrl: "https://k8s:6443" });
    expect(inherited.getCurrentCluster()).toMatchObject({ server: "https://k8s:6443", skipTLSVerify: true });
    expect(inherited.getCurrentUser()?.token).toBe("alice-token");
  });
});

describe("connection options checked by compile()", () => {
  const compileWith = (connection: ConnectionOptions): string[] => {
    try {
      pod().container({ name: "c", image: "busybox" }).connection(connection).compile();
      return [];
    } catch (error) {
      return (error as PodValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it("refuses a Java key store by its name, with the keytool command", () => {
    expect(compileWith({ keyStoreFile: "/etc/client.jks" })).toEqual([
      'connection.keyStoreFile: "/etc/client.jks" is a Java key store, which Node cannot read: convert it to PKCS#12 with keytool -importkeystore -srckeystore "/etc/client.jks" -srcstoretype JKS -destkeystore "/etc/client.p12" -deststoretype PKCS12, and give the .p12 file',
    ]);
  });

  it("refuses a passphrase without its store, and two ways to give one client identity", () => {
    expect(compileWith({ trustStorePassphrase: "x" })).toEqual([expect.stringMatching(/^connection.trustStorePassphrase: A trustStore passphrase without trustStoreFile/)]);
    expect(compileWith({ keyStoreFile: "/k.p12", clientCertFile: "/c.pem" })).toEqual([expect.stringMatching(/^connection.keyStoreFile: Both a key store and a client certificate/)]);
    expect(compileWith({ keyStoreFile: "/k.p12", clientKeyPassphrase: "x" })).toEqual([expect.stringMatching(/^connection.clientKeyPassphrase: clientKeyPassphrase is the passphrase of clientKeyData/)]);
  });

  it("accepts every TLS option in a coherent set", () => {
    expect(compileWith({ keyStoreFile: "/k.p12", keyStorePassphrase: "a", trustStoreFile: "/t.p12", trustStorePassphrase: "b", caCertFile: "/ca.pem", disableHostnameVerification: true, inheritClusterConfig: true })).toEqual([]);
  });
});

describe("resolveNamespace", () => {
  it("prefers the pod's namespace, then the connection's, then the context's, then default", () => {
    expect(resolveNamespace({ explicit: "pods", connection: "conn", context: "ctx" })).toBe("pods");
    expect(resolveNamespace({ explicit: "", connection: "conn", context: "ctx" })).toBe("conn");
    expect(resolveNamespace({ connection: "", context: "ctx" })).toBe("ctx");
    expect(resolveNamespace({ context: contextNamespace(new KubeConfig()) })).toBe("default");
  });
});
