import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { promisify } from "node:util";
import type { Cluster, Context, KubeConfig, User } from "@kubernetes/client-node";
import { connectionOptionNames, type ConnectionOptions } from "../compile/description.ts";
import { keytoolCommand } from "../compile/validate.ts";
import { withoutUndefined as defined } from "./_plain.ts";
import { Kubeconfig, type ExtraTls } from "./kubeconfig.ts";
import { clientNodeKubeConfig } from "./tls_kube_config.ts";

const run = promisify(execFile);

const OVERRIDES = connectionOptionNames((rule) => rule.effect === "override");
const TLS = connectionOptionNames((rule) => rule.effect === "tls");

/** Kubeconfig data fields hold base64; the connection options hold PEM text. */
function base64(text: string | undefined): string | undefined {
  return text === undefined ? undefined : Buffer.from(text, "utf8").toString("base64");
}


/**
 * Builds the client configuration for a connection. Without options (or with only
 * `namespace`), the usual discovery applies: `KUBECONFIG`, then `~/.kube/config`, then the
 * in-cluster service account. `kubeconfigPath` and `context` pick a file and a context;
 * `masterUrl` starts from a blank configuration; the other fields override the server,
 * CA, and credentials of the chosen context. `oauthTokenProvider` runs its command once,
 * here, and uses its standard output (trimmed) as the bearer token.
 *
 * Key and trust stores are read here, and every TLS option is tried once
 * (`tls.createSecureContext`), so that a wrong passphrase, a Java key store or an
 * unreadable file fails before any pod exists.
 *
 * @throws {TypeError} for an unknown context, a store or key that cannot be read or
 *   decrypted (naming the option and the fix: the `keytool` command for a Java key store)
 * @example
 * ```ts
 * import { loadKubeConfig } from "podkit/kubernetes";
 * const kc = await loadKubeConfig({ masterUrl: "https://127.0.0.1:6443", oauthToken: "token", trustCerts: true });
 * kc.getCurrentCluster()?.server; // "https://127.0.0.1:6443"
 * ```
 */
export async function loadKubeConfig(connection?: ConnectionOptions): Promise<KubeConfig> {
  const kubeconfig = await readKubeconfig(connection);
  return await clientNodeKubeConfig(kubeconfig.parts(), kubeconfig.extraTls);
}

/**
 * What {@link loadKubeConfig} reads, as podkit's own {@link Kubeconfig}, which a run uses:
 * it does not load client-node's `KubeConfig` module and the generated API models with it.
 *
 * @throws {TypeError} as {@link loadKubeConfig}
 * @example
 * ```ts
 * import { readKubeconfig } from "./connection.ts";
 * const kubeconfig = await readKubeconfig({ masterUrl: "https://127.0.0.1:6443", oauthToken: "token" });
 * kubeconfig.getCurrentUser()?.token; // "token"
 * ```
 */
export async function readKubeconfig(connection?: ConnectionOptions): Promise<Kubeconfig> {
  const kc = new Kubeconfig();
  const inherit = connection?.inheritClusterConfig ?? connection?.masterUrl === undefined;
  if (connection?.kubeconfigPath !== undefined) {
    kc.loadFromFile(connection.kubeconfigPath);
  } else if (inherit) {
    kc.loadFromDefault();
  }
  if (connection?.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === connection.context)) {
      throw new TypeError(
        `Cannot use kubeconfig context "${connection.context}": it does not exist (known: ${kc.getContexts().map((c) => `"${c.name}"`).join(", ") || "none"})`,
      );
    }
    kc.setCurrentContext(connection.context);
  }
  if (connection === undefined) return kc;
  const trustStore = connection.trustStoreFile === undefined ? undefined : await readTrustStore(connection.trustStoreFile, connection.trustStorePassphrase);
  const tls = readTls(connection);
  if (!OVERRIDES.some((key) => connection[key] !== undefined) && trustStore === undefined && tls === undefined && connection.inheritClusterConfig !== false) return kc;

  const token =
    connection.oauthToken ??
    (connection.oauthTokenProvider === undefined ? undefined : await runTokenProvider(connection.oauthTokenProvider));
  const baseCluster = kc.getCurrentCluster();
  const baseUser = kc.getCurrentUser();
  const baseContext = kc.getContextObject(kc.getCurrentContext());
  const cluster: Cluster = defined({
    name: baseCluster?.name ?? "podkit",
    server: connection.masterUrl ?? baseCluster?.server ?? "https://kubernetes.default.svc",
    // A trust store adds its CAs to a CA certificate given beside it.
    caData:
      trustStore === undefined
        ? (base64(connection.caCertData) ?? (connection.caCertFile === undefined ? baseCluster?.caData : undefined))
        : base64([connection.caCertData, connection.caCertFile === undefined ? undefined : readPem("caCertFile", connection.caCertFile), trustStore].filter((pem) => pem !== undefined).join("\n")),
    caFile: trustStore === undefined ? (connection.caCertFile ?? (connection.caCertData === undefined ? baseCluster?.caFile : undefined)) : undefined,
    tlsServerName: baseCluster?.tlsServerName,
    proxyUrl: baseCluster?.proxyUrl,
    skipTLSVerify: connection.trustCerts ?? baseCluster?.skipTLSVerify ?? false,
  });
  const credentialsGiven =
    token !== undefined || connection.username !== undefined || connection.clientCertData !== undefined || connection.clientCertFile !== undefined || connection.keyStoreFile !== undefined;
  // The inherited user's fields stay unless given: an absent option must not erase them.
  const user: User = defined({
    ...(credentialsGiven ? {} : baseUser),
    name: baseUser?.name ?? "podkit",
    ...defined({
      token,
      username: connection.username,
      password: connection.password,
      certData: base64(connection.clientCertData),
      certFile: connection.clientCertFile,
      keyData: base64(connection.clientKeyData),
      keyFile: connection.clientKeyFile,
    }),
  });
  const context: Context = defined({
    name: baseContext?.name ?? "podkit",
    cluster: cluster.name,
    user: user.name,
    namespace: connection.namespace ?? baseContext?.namespace,
  });
  const result = new Kubeconfig(tls);
  result.loadFromOptions({ clusters: [cluster], users: [user], contexts: [context], currentContext: context.name });
  tryTls(result, tls, trustStore);
  return result;
}

function readPem(option: "caCertFile", file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new TypeError(`Cannot use connection option "${option}": cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
}

/** A Java key store starts with 0xFEEDFEED (JKS) or 0xCECECECE (JCEKS). */
function isJavaKeyStore(bytes: Buffer): boolean {
  const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0;
  return magic === 0xfeedfeed || magic === 0xcececece;
}

function readStore(option: "keyStoreFile" | "trustStoreFile", file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new TypeError(`Cannot use connection option "${option}": cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  if (isJavaKeyStore(bytes)) {
    throw new TypeError(`Cannot use connection option "${option}": "${file}" is a Java key store, which Node cannot read: convert it to PKCS#12 with ${keytoolCommand(file)}, and give the .p12 file`);
  }
  return bytes;
}

/** The TLS options the kubeconfig format cannot hold, or undefined when none is given. */
function readTls(connection: ConnectionOptions): ExtraTls | undefined {
  if (!TLS.some((key) => connection[key] !== undefined && key !== "trustStoreFile" && key !== "trustStorePassphrase")) return undefined;
  const pfx = connection.keyStoreFile === undefined ? undefined : readStore("keyStoreFile", connection.keyStoreFile);
  const passphrase = connection.keyStoreFile === undefined ? connection.clientKeyPassphrase : connection.keyStorePassphrase;
  return {
    ...(pfx === undefined ? {} : { pfx }),
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(connection.disableHostnameVerification === true ? { disableHostnameVerification: true } : {}),
  };
}

/**
 * The CA certificates of a trust store, as PEM: a PEM file as it is, a PKCS#12 file through
 * `openssl pkcs12` (Node has no reader of its own for a store without a key).
 */
async function readTrustStore(file: string, passphrase: string | undefined): Promise<string> {
  const bytes = readStore("trustStoreFile", file);
  const text = bytes.toString("utf8");
  if (text.includes("-----BEGIN CERTIFICATE-----")) return text;
  const args = ["pkcs12", "-in", file, "-nokeys", "-passin", "env:PODKIT_STORE_PASSPHRASE"];
  const env = { ...process.env, PODKIT_STORE_PASSPHRASE: passphrase ?? "" };
  let failure: unknown;
  // Stores made by older tools use ciphers OpenSSL 3 keeps in its legacy provider.
  for (const extra of [[], ["-legacy"]]) {
    try {
      const { stdout } = await run("openssl", [...args, ...extra], { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
      if (stdout.includes("-----BEGIN CERTIFICATE-----")) return stdout;
      failure = new Error("it holds no certificate");
    } catch (error) {
      failure = error;
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new TypeError(`Cannot use connection option "trustStoreFile": reading a PKCS#12 trust store needs openssl on the PATH; or give the CA as PEM (caCertFile, or a PEM trustStoreFile)`, { cause: error });
      }
    }
  }
  const detail = ((failure as { stderr?: string }).stderr ?? (failure as Error).message).split("\n").find((l) => l.trim() !== "") ?? "";
  throw new TypeError(`Cannot use connection option "trustStoreFile": "${file}" cannot be read as PKCS#12 (${detail.trim()}); check trustStorePassphrase`, { cause: failure });
}

/** Builds a TLS context once with every option, so that what would fail on the first connection fails now. */
function tryTls(kubeConfig: Kubeconfig, tls: ExtraTls | undefined, trustStore: string | undefined): void {
  const user = kubeConfig.getCurrentUser();
  const key = user?.keyFile !== undefined ? readFileSync(user.keyFile) : user?.keyData === undefined ? undefined : Buffer.from(user.keyData, "base64");
  const cert = user?.certFile !== undefined ? readFileSync(user.certFile) : user?.certData === undefined ? undefined : Buffer.from(user.certData, "base64");
  const option = tls?.pfx !== undefined ? "keyStoreFile" : "clientKeyPassphrase";
  try {
    if (tls?.pfx !== undefined || (tls?.passphrase !== undefined && key !== undefined)) {
      createSecureContext({
        ...(tls.pfx === undefined ? {} : { pfx: tls.pfx }),
        ...(key === undefined || tls.pfx !== undefined ? {} : { key, ...(cert === undefined ? {} : { cert }) }),
        ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
      });
    }
  } catch (error) {
    const fix = option === "keyStoreFile" ? "check keyStorePassphrase, and that the store holds a key and its certificate" : "check clientKeyPassphrase";
    throw new TypeError(`Cannot use connection option "${option}": ${(error as Error).message}; ${fix}`, { cause: error });
  }
  if (trustStore !== undefined) {
    try {
      createSecureContext({ ca: trustStore });
    } catch (error) {
      throw new TypeError(`Cannot use connection option "trustStoreFile": its certificates are not usable (${(error as Error).message})`, { cause: error });
    }
  }
}

async function runTokenProvider(provider: NonNullable<ConnectionOptions["oauthTokenProvider"]>): Promise<string> {
  try {
    const { stdout } = await run(provider.command, [...(provider.args ?? [])], { timeout: 60_000 });
    const token = stdout.trim();
    if (token === "") throw new Error("it printed nothing");
    return token;
  } catch (error) {
    throw new Error(`Cannot get a token from "${provider.command}": ${(error as Error).message}`, { cause: error });
  }
}
