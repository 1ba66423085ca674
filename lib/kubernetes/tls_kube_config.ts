import type { RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ExtraTls, KubeconfigParts } from "./kubeconfig.ts";

/**
 * client-node's `KubeConfig` holding a kubeconfig's clusters, users and contexts, with the
 * TLS options the kubeconfig format has no field for (`tls`) applied to every request and
 * WebSocket through `applyToHTTPSOptions`, the one place both read their TLS options from.
 * client-node is loaded here, on first use.
 *
 * @example
 * ```ts
 * import { clientNodeKubeConfig } from "./tls_kube_config.ts";
 * const kc = await clientNodeKubeConfig(
 *   { clusters: [{ name: "c", server: "https://127.0.0.1:6443", skipTLSVerify: false }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" },
 *   { disableHostnameVerification: true },
 * );
 * kc.getCurrentCluster()?.server; // "https://127.0.0.1:6443"
 * ```
 */
export async function clientNodeKubeConfig(parts: KubeconfigParts, tls: ExtraTls = {}): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const extra = tls.pfx !== undefined || tls.passphrase !== undefined || tls.disableHostnameVerification === true;
  const kubeConfig = extra
    ? new (class TlsKubeConfig extends KubeConfig {
        /** The kubeconfig's TLS options and credentials, then the key store, passphrase and host name check. */
        override async applyToHTTPSOptions(opts: Parameters<KubeConfig["applyToHTTPSOptions"]>[0]): Promise<void> {
          const tlsOptions = opts as RequestOptions;
          // Before: the agent client-node builds copies pfx and passphrase from these options.
          if (tls.pfx !== undefined) tlsOptions.pfx = tls.pfx;
          if (tls.passphrase !== undefined) tlsOptions.passphrase = tls.passphrase;
          await super.applyToHTTPSOptions(opts);
          // After, on the request itself: the agent does not carry it, so nothing overrides it.
          if (tls.disableHostnameVerification === true) tlsOptions.checkServerIdentity = () => undefined;
        }
      })()
    : new KubeConfig();
  kubeConfig.loadFromOptions({ ...parts });
  return kubeConfig;
}
