import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KubeConfig, type Cluster, type Context, type User } from "@kubernetes/client-node";
import { connectionOptionNames, type ConnectionOptions } from "../compile/description.ts";
import { withoutUndefined as defined } from "./_plain.ts";

const run = promisify(execFile);

const UNSUPPORTED = connectionOptionNames((rule) => rule.effect === "unsupported");
const OVERRIDES = connectionOptionNames((rule) => rule.effect === "override");

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
 * @throws {TypeError} for Java key and trust stores and other options Node cannot honour,
 *   with the PEM alternative to use
 * @example
 * ```ts
 * import { loadKubeConfig } from "podkit/kubernetes";
 * const kc = await loadKubeConfig({ masterUrl: "https://127.0.0.1:6443", oauthToken: "token", trustCerts: true });
 * kc.getCurrentCluster()?.server; // "https://127.0.0.1:6443"
 * ```
 */
export async function loadKubeConfig(connection?: ConnectionOptions): Promise<KubeConfig> {
  const kc = new KubeConfig();
  for (const key of UNSUPPORTED) {
    if (connection?.[key] !== undefined) {
      throw new TypeError(
        `Cannot use connection option "${key}": Node has no Java key stores or such TLS switches; give the certificates as PEM (caCertData, clientCertData, clientKeyData) or use "trustCerts"`,
      );
    }
  }
  if (connection?.kubeconfigPath !== undefined) {
    kc.loadFromFile(connection.kubeconfigPath);
  } else if (connection?.masterUrl === undefined) {
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
  if (connection === undefined || !OVERRIDES.some((key) => connection[key] !== undefined)) return kc;

  const token =
    connection.oauthToken ??
    (connection.oauthTokenProvider === undefined ? undefined : await runTokenProvider(connection.oauthTokenProvider));
  const baseCluster = kc.getCurrentCluster();
  const baseUser = kc.getCurrentUser();
  const baseContext = kc.getContextObject(kc.getCurrentContext());
  const cluster: Cluster = defined({
    name: baseCluster?.name ?? "podkit",
    server: connection.masterUrl ?? baseCluster?.server ?? "https://kubernetes.default.svc",
    caData: base64(connection.caCertData) ?? (connection.caCertFile === undefined ? baseCluster?.caData : undefined),
    caFile: connection.caCertFile ?? (connection.caCertData === undefined ? baseCluster?.caFile : undefined),
    tlsServerName: baseCluster?.tlsServerName,
    proxyUrl: baseCluster?.proxyUrl,
    skipTLSVerify: connection.trustCerts ?? baseCluster?.skipTLSVerify ?? false,
  });
  const credentialsGiven = token !== undefined || connection.username !== undefined || connection.clientCertData !== undefined || connection.clientCertFile !== undefined;
  const user: User = defined({
    name: baseUser?.name ?? "podkit",
    ...(credentialsGiven ? {} : baseUser),
    token,
    username: connection.username,
    password: connection.password,
    certData: base64(connection.clientCertData),
    certFile: connection.clientCertFile,
    keyData: base64(connection.clientKeyData),
    keyFile: connection.clientKeyFile,
  });
  const context: Context = defined({
    name: baseContext?.name ?? "podkit",
    cluster: cluster.name,
    user: user.name,
    namespace: connection.namespace ?? baseContext?.namespace,
  });
  const result = new KubeConfig();
  result.loadFromOptions({ clusters: [cluster], users: [user], contexts: [context], currentContext: context.name });
  return result;
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
