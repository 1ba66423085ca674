import { accessSync, existsSync, readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { isIPv6 } from "node:net";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import type { Cluster, Context, KubeConfig, User } from "@kubernetes/client-node";
import { newClusters, newContexts, newUsers } from "@kubernetes/client-node/dist/config_types.js";
import { ExecAuth } from "@kubernetes/client-node/dist/exec_auth.js";
import { FileAuth } from "@kubernetes/client-node/dist/file_auth.js";
import { parse } from "yaml";
import { clientNodeKubeConfig } from "./tls_kube_config.ts";

/**
 * What a run uses of a kubeconfig: the current context, cluster and user, and the TLS
 * options and credentials of a request. client-node's `KubeConfig` has all of it, and so
 * has podkit's own {@link Kubeconfig}.
 */
export interface ClusterAccess {
  /** The current context's cluster, or null. */
  getCurrentCluster(): Cluster | null;
  /** The current context's user, or null. */
  getCurrentUser(): User | null;
  /** The name of the current context. */
  getCurrentContext(): string;
  /** A context by name, or null. */
  getContextObject(name: string): Context | null;
  /** Sets the TLS trust, client certificate and key, and credentials' headers of a request. */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** TLS options of a connection that a kubeconfig cannot hold. */
export interface ExtraTls {
  /** A PKCS#12 key store: the client certificate and key (`keyStoreFile`). */
  readonly pfx?: Buffer;
  /** The passphrase of the key store, or of an encrypted client key. */
  readonly passphrase?: string;
  /** Check the server's certificate against the CA but not its host name. */
  readonly disableHostnameVerification?: boolean;
}

/** A kubeconfig's parts, as client-node's `KubeConfig.loadFromOptions` takes them. */
export interface KubeconfigParts {
  readonly clusters: Cluster[];
  readonly users: User[];
  readonly contexts: Context[];
  readonly currentContext: string;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Auth providers podkit handles itself; the others (`oidc`, `gcp`, `azure`) go through client-node. */
const OWN_AUTH_PROVIDERS = new Set(["exec", "tokenFile"]);

/**
 * A kubeconfig read the way `kubectl` reads it, without loading client-node's `KubeConfig`
 * module (which loads every generated API model: ≈ 0.8 s of CPU and 125 MiB before a run
 * can start). The entries are parsed with client-node's own converters, and exec plugins
 * and token files use client-node's own authenticators; a user with a legacy auth provider
 * (`oidc`, `gcp`, `azure`) or a cluster behind a `proxy-url` is handed to client-node's
 * `KubeConfig`, loaded only then.
 *
 * Discovery (`loadFromDefault`): every file of `KUBECONFIG` (missing ones skipped, the first
 * file to define a name or the current context wins, as in `kubectl`), else
 * `~/.kube/config`, else the pod's service account, else `http://localhost:8080`.
 * Relative certificate and key paths are relative to the file that names them.
 *
 * @example
 * ```ts
 * import { Kubeconfig } from "./kubeconfig.ts";
 * const kubeconfig = new Kubeconfig();
 * kubeconfig.loadFromDefault();
 * kubeconfig.getCurrentCluster()?.server; // e.g. "https://127.0.0.1:6443"
 * ```
 */
export class Kubeconfig implements ClusterAccess {
  #clusters: Cluster[] = [];
  #users: User[] = [];
  #contexts: Context[] = [];
  #currentContext = "";
  readonly #tls: ExtraTls;
  readonly #exec = new ExecAuth();
  readonly #file = new FileAuth();
  #delegate: Promise<KubeConfig> | undefined;

  /** @param tls TLS options the kubeconfig format has no field for, applied to every request */
  constructor(tls: ExtraTls = {}) {
    this.#tls = tls;
  }

  /** Reads `KUBECONFIG`, `~/.kube/config` or the pod's service account, as `kubectl` does. */
  loadFromDefault(): void {
    const listed = (process.env["KUBECONFIG"] ?? "").split(delimiter).filter((file) => file !== "");
    if (listed.length > 0) {
      const found = listed.filter((file) => existsSync(file));
      if (found.length === 0) {
        throw new TypeError(`Cannot read the kubeconfig: no file of KUBECONFIG exists (${listed.map((f) => `"${f}"`).join(", ")}); set KUBECONFIG to an existing file, or unset it`);
      }
      for (const file of found) this.#merge(readParts(file));
      return;
    }
    const home = process.env["HOME"];
    if (home !== undefined && home !== "" && readable(home)) {
      const file = join(home, ".kube", "config");
      if (existsSync(file)) return this.loadFromFile(file);
    }
    if (existsSync(`${SERVICE_ACCOUNT}/token`)) return this.loadFromCluster();
    this.loadFromOptions({ clusters: [{ name: "cluster", server: "http://localhost:8080", skipTLSVerify: false }], users: [{ name: "user" }], contexts: [{ name: "loaded-context", cluster: "cluster", user: "user" }], currentContext: "loaded-context" });
  }

  /** Reads one kubeconfig file; relative paths in it are taken relative to its directory. */
  loadFromFile(file: string): void {
    this.loadFromOptions(readParts(file));
  }

  /** Reads a kubeconfig from its YAML text; relative paths are taken relative to `directory` when given. */
  loadFromString(text: string, directory?: string): void {
    this.loadFromOptions(partsOf(text, directory));
  }

  /** Takes the clusters, users and contexts as they are. */
  loadFromOptions(parts: KubeconfigParts): void {
    this.#clusters = parts.clusters;
    this.#users = parts.users;
    this.#contexts = parts.contexts;
    this.#currentContext = parts.currentContext;
    this.#delegate = undefined;
  }

  /** The pod's own service account: its token file, CA and namespace. */
  loadFromCluster(): void {
    const host = process.env["KUBERNETES_SERVICE_HOST"] ?? "";
    const port = process.env["KUBERNETES_SERVICE_PORT"] ?? "";
    const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
    const namespaceFile = `${SERVICE_ACCOUNT}/namespace`;
    const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8") : undefined;
    this.loadFromOptions({
      clusters: [{ name: "inCluster", caFile: `${SERVICE_ACCOUNT}/ca.crt`, server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`, skipTLSVerify: false }],
      users: [{ name: "inClusterUser", authProvider: { name: "tokenFile", config: { tokenFile: `${SERVICE_ACCOUNT}/token` } } }],
      contexts: [{ name: "inClusterContext", cluster: "inCluster", user: "inClusterUser", ...(namespace === undefined ? {} : { namespace }) }],
      currentContext: "inClusterContext",
    });
  }

  /** The kubeconfig's parts, e.g. for client-node's `KubeConfig.loadFromOptions`. */
  parts(): KubeconfigParts {
    return { clusters: this.#clusters, users: this.#users, contexts: this.#contexts, currentContext: this.#currentContext };
  }

  /** The TLS options given besides the kubeconfig. */
  get extraTls(): ExtraTls {
    return this.#tls;
  }

  getContexts(): Context[] {
    return this.#contexts;
  }

  getCurrentContext(): string {
    return this.#currentContext;
  }

  setCurrentContext(name: string): void {
    this.#currentContext = name;
  }

  getContextObject(name: string): Context | null {
    return this.#contexts.find((c) => c.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.#currentContext);
    return context === null ? null : (this.#clusters.find((c) => c.name === context.cluster) ?? null);
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.#currentContext);
    return context === null ? null : (this.#users.find((u) => u.name === context.user) ?? null);
  }

  /**
   * Sets a request's TLS trust, client certificate and key, and credentials (bearer token,
   * token file, exec plugin, basic auth, impersonation), then the extra TLS options.
   */
  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    // Before: an agent client-node builds copies pfx and passphrase from these options.
    if (this.#tls.pfx !== undefined) opts.pfx = this.#tls.pfx;
    if (this.#tls.passphrase !== undefined) opts.passphrase = this.#tls.passphrase;
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (needsClientNode(cluster, user)) {
      this.#delegate ??= clientNodeKubeConfig(this.parts());
      await (await this.#delegate).applyToHTTPSOptions(opts);
    } else {
      await this.#apply(cluster, user, opts);
    }
    // After, on the request itself: an agent does not carry it, so nothing overrides it.
    if (this.#tls.disableHostnameVerification === true) opts.checkServerIdentity = () => undefined;
  }

  async #apply(cluster: Cluster | null, user: User | null, opts: RequestOptions): Promise<void> {
    if (cluster !== null) {
      if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
      if (cluster.tlsServerName !== undefined) opts.servername = cluster.tlsServerName;
      const ca = fileOrData(cluster.caFile, cluster.caData);
      if (ca !== undefined) opts.ca = ca;
    }
    if (user === null) return;
    const cert = fileOrData(user.certFile, user.certData);
    if (cert !== undefined) opts.cert = cert;
    const key = fileOrData(user.keyFile, user.keyData);
    if (key !== undefined) opts.key = key;
    const headers = (opts.headers ??= {}) as Record<string, string>;
    if (user.impersonateUser !== undefined) headers["Impersonate-User"] = user.impersonateUser;
    if (this.#exec.isAuthProvider(user)) await this.#exec.applyAuthentication(user, opts);
    else if (this.#file.isAuthProvider(user)) {
      await this.#file.applyAuthentication(user, opts);
      // A token file may end with a newline, which a header cannot hold (kubectl trims it too).
      const header = headers["Authorization"];
      if (header !== undefined) headers["Authorization"] = header.trim();
    }
    if (user.token !== undefined) headers["Authorization"] = `Bearer ${user.token}`;
    if (user.username !== undefined) opts.auth = `${user.username}:${user.password ?? ""}`;
  }

  /** The first file to define a name keeps it; the first to set a current context keeps it. */
  #merge(parts: KubeconfigParts): void {
    const add = <T extends { name: string }>(into: T[], from: T[]) => {
      for (const entry of from) if (!into.some((e) => e.name === entry.name)) into.push(entry);
    };
    add(this.#clusters, parts.clusters);
    add(this.#users, parts.users);
    add(this.#contexts, parts.contexts);
    if (this.#currentContext === "") this.#currentContext = parts.currentContext;
  }
}

/** A legacy auth provider or a proxy: what podkit leaves to client-node's `KubeConfig`. */
function needsClientNode(cluster: Cluster | null, user: User | null): boolean {
  if (cluster?.proxyUrl !== undefined && cluster.proxyUrl !== "") return true;
  const provider = user?.authProvider as { name?: string; config?: { tokenFile?: string } } | undefined;
  if (provider === undefined || provider === null) return false;
  if (provider.config?.tokenFile !== undefined) return false;
  return !OWN_AUTH_PROVIDERS.has(provider.name ?? "");
}

function readable(directory: string): boolean {
  try {
    accessSync(directory);
    return true;
  } catch {
    return false;
  }
}

function readParts(file: string): KubeconfigParts {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new TypeError(`Cannot read the kubeconfig "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return partsOf(text, dirname(file), file);
}

function partsOf(text: string, directory: string | undefined, file = "the kubeconfig"): KubeconfigParts {
  let document: { clusters?: unknown; users?: unknown; contexts?: unknown; "current-context"?: unknown } | null;
  try {
    // YAML 1.1, as client-node and kubectl read it (`yes` is true).
    document = parse(text, { version: "1.1" }) as typeof document;
  } catch (error) {
    throw new TypeError(`Cannot read ${file === "the kubeconfig" ? file : `the kubeconfig "${file}"`}: it is not valid YAML (${(error as Error).message.split("\n")[0]})`, { cause: error });
  }
  const clusters = newClusters(document?.clusters);
  const users = newUsers(document?.users);
  if (directory !== undefined) {
    for (const cluster of clusters) if (cluster.caFile) cluster.caFile = absolute(directory, cluster.caFile);
    for (const user of users) {
      if (user.certFile) user.certFile = absolute(directory, user.certFile);
      if (user.keyFile) user.keyFile = absolute(directory, user.keyFile);
    }
  }
  const current = document?.["current-context"];
  return { clusters, users, contexts: newContexts(document?.contexts), currentContext: typeof current === "string" ? current : "" };
}

function absolute(directory: string, file: string): string {
  return isAbsolute(file) ? file : join(directory, file);
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, "base64");
  return undefined;
}
