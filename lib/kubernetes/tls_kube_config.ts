import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

/** TLS options of a connection that a kubeconfig cannot hold. */
export interface ExtraTls {
  /** A PKCS#12 key store: the client certificate and key (`keyStoreFile`). */
  readonly pfx?: Buffer;
  /** The passphrase of the key store, or of an encrypted client key. */
  readonly passphrase?: string;
  /** Check the server's certificate against the CA but not its host name. */
  readonly disableHostnameVerification?: boolean;
}

/**
 * A kubeconfig with TLS options the kubeconfig format has no field for: every request and
 * WebSocket of the transport gets them through `applyToHTTPSOptions`, the one place both
 * read their TLS options from.
 *
 * @example
 * ```ts
 * import { TlsKubeConfig } from "./tls_kube_config.ts";
 * const kc = new TlsKubeConfig({ disableHostnameVerification: true });
 * kc.loadFromOptions({ clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: false }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
 * ```
 */
export class TlsKubeConfig extends KubeConfig {
  readonly #tls: ExtraTls;

  constructor(tls: ExtraTls) {
    super();
    this.#tls = tls;
  }

  /** The kubeconfig's TLS options and credentials, then the key store, passphrase and host name check. */
  override async applyToHTTPSOptions(opts: Parameters<KubeConfig["applyToHTTPSOptions"]>[0]): Promise<void> {
    const tlsOptions = opts as RequestOptions;
    // Before: the agent client-node builds copies pfx and passphrase from these options.
    if (this.#tls.pfx !== undefined) tlsOptions.pfx = this.#tls.pfx;
    if (this.#tls.passphrase !== undefined) tlsOptions.passphrase = this.#tls.passphrase;
    await super.applyToHTTPSOptions(opts);
    // After, on the request itself: the agent does not carry it, so nothing overrides it.
    if (this.#tls.disableHostnameVerification === true) tlsOptions.checkServerIdentity = () => undefined;
  }
}
