import type { FinishPolicy, RetryableFailure } from "../plan/policy.ts";
import type { Readable } from "node:stream";
import type { V1Container, V1ObjectMeta, V1PodSpec, V1ResourceRequirements, V1Volume } from "@kubernetes/client-node";
import type { DurationInput } from "./duration.ts";

/**
 * The content of an input file: text (written as UTF-8), bytes, a file on the local disk,
 * or a readable stream (Node `Readable` or web `ReadableStream`) that is read once, when
 * the file is uploaded.
 */
export type InputContent =
  | string
  | Uint8Array
  | {
      /** Path of a local file, read when the file is uploaded. */
      readonly path: string;
    }
  | Readable
  | ReadableStream<Uint8Array>;

/** One file to place in the pod's working directory before its containers start. */
export interface InputFile {
  /** Path relative to the working directory, e.g. `"data.txt"` or `"conf/app.yaml"`. */
  readonly name: string;
  /** What the file contains. */
  readonly content: InputContent;
}

/** The container that moves files in and out of the pod (Kestra's `fileSidecar`). */
export interface FileSidecar {
  /**
   * Image with a POSIX shell and `tar` (BusyBox is enough).
   * @default "busybox"
   */
  readonly image: string;
  /** Resources of the file-transfer containers. */
  readonly resources?: V1ResourceRequirements;
  /**
   * Container defaults for the file-transfer containers only. When set, they replace
   * the pod's `.defaults()` for those containers.
   */
  readonly defaultSpec?: Partial<V1Container>;
}

/**
 * How to reach the cluster: every connection option of Kestra's PodCreate. When absent,
 * the usual discovery applies: `KUBECONFIG`, then `~/.kube/config`, then the in-cluster
 * service account.
 */
export interface ConnectionOptions {
  /** API server URL. @default "https://kubernetes.default.svc" when other fields are given */
  readonly masterUrl?: string;
  /** API version. @default "v1" */
  readonly apiVersion?: string;
  /** Namespace used when the pod names none. */
  readonly namespace?: string;
  /** Bearer token. */
  readonly oauthToken?: string;
  /** Command whose standard output is a bearer token, run before each request batch. */
  readonly oauthTokenProvider?: {
    /** Program to run. */
    readonly command: string;
    /** Its arguments. */
    readonly args?: readonly string[];
  };
  /** User name for basic authentication. */
  readonly username?: string;
  /** Password for basic authentication. */
  readonly password?: string;
  /** CA certificate, PEM text. */
  readonly caCertData?: string;
  /** CA certificate, path of a PEM file. */
  readonly caCertFile?: string;
  /** Client certificate, PEM text. */
  readonly clientCertData?: string;
  /** Client certificate, path of a PEM file. */
  readonly clientCertFile?: string;
  /** Client key, PEM text. */
  readonly clientKeyData?: string;
  /** Client key, path of a PEM file. */
  readonly clientKeyFile?: string;
  /** Algorithm of the client key (informational: the key's PEM says it). @default "RSA" */
  readonly clientKeyAlgo?: string;
  /** Passphrase of an encrypted client key (PEM). */
  readonly clientKeyPassphrase?: string;
  /** Skip TLS verification of the API server. @default false */
  readonly trustCerts?: boolean;
  /**
   * Check the API server's certificate against the CA, but not its host name (an API
   * server reached by an address its certificate does not name). @default false
   */
  readonly disableHostnameVerification?: boolean;
  /**
   * Key store holding the client certificate and key: a PKCS#12 file (`.p12`, `.pfx`). A
   * Java key store (JKS) is refused with the `keytool` command that converts it.
   */
  readonly keyStoreFile?: string;
  /** Passphrase of the key store. */
  readonly keyStorePassphrase?: string;
  /**
   * Trust store holding the CA certificates: a PKCS#12 file (read with `openssl pkcs12`,
   * which must be on the PATH) or PEM. A JKS store is refused as for `keyStoreFile`.
   */
  readonly trustStoreFile?: string;
  /** Passphrase of the trust store. */
  readonly trustStorePassphrase?: string;
  /**
   * Where the configuration starts (Kestra's PodCreate 1.10): `true` from the discovered
   * one (`KUBECONFIG`, `~/.kube/config`, in-cluster), even with `masterUrl`; `false` from
   * nothing but the given fields. Absent: discovery, unless `masterUrl` is given.
   */
  readonly inheritClusterConfig?: boolean;
  /** A kubeconfig context to use instead of the current one. */
  readonly context?: string;
  /** A kubeconfig file to load instead of the discovered one. */
  readonly kubeconfigPath?: string;
}

/**
 * What a connection option does under Node: `override` replaces the server, CA or
 * credentials of the kubeconfig's context; `namespace` is the namespace the pod goes to
 * when it names none; `kubeconfig` picks the kubeconfig file or context; `none` is
 * accepted for Kestra's sake and changes nothing (client-node picks API versions and key
 * algorithms itself); `tls` is applied to every connection to the API server (key and
 * trust stores, passphrases, host name verification); `base` decides where the
 * configuration starts (`inheritClusterConfig`).
 */
export type ConnectionOptionEffect = "override" | "namespace" | "kubeconfig" | "none" | "tls" | "base";

/** How a connection option is read and used: see {@link CONNECTION_OPTIONS}. */
export interface ConnectionOptionRule {
  /** The kind of value: text, a flag, or a command to run (`{ command, args }`). */
  readonly value: "string" | "boolean" | "command";
  /** What it does. */
  readonly effect: ConnectionOptionEffect;
  /** Whether Kestra's PodCreate has it (`context` and `kubeconfigPath` are podkit's own). */
  readonly kestra: boolean;
}

/**
 * Every connection option, the one list the builder's checks, the Kestra reader and the
 * Kubernetes client configuration derive theirs from. A key of {@link ConnectionOptions}
 * missing here fails the type check.
 *
 * @example
 * ```ts
 * import { CONNECTION_OPTIONS } from "./description.ts";
 * CONNECTION_OPTIONS.oauthToken.effect; // "override"
 * CONNECTION_OPTIONS.kubeconfigPath.kestra; // false
 * ```
 */
export const CONNECTION_OPTIONS = Object.freeze({
  masterUrl: { value: "string", effect: "override", kestra: true },
  apiVersion: { value: "string", effect: "none", kestra: true },
  namespace: { value: "string", effect: "namespace", kestra: true },
  oauthToken: { value: "string", effect: "override", kestra: true },
  oauthTokenProvider: { value: "command", effect: "override", kestra: true },
  username: { value: "string", effect: "override", kestra: true },
  password: { value: "string", effect: "override", kestra: true },
  caCertData: { value: "string", effect: "override", kestra: true },
  caCertFile: { value: "string", effect: "override", kestra: true },
  clientCertData: { value: "string", effect: "override", kestra: true },
  clientCertFile: { value: "string", effect: "override", kestra: true },
  clientKeyData: { value: "string", effect: "override", kestra: true },
  clientKeyFile: { value: "string", effect: "override", kestra: true },
  clientKeyAlgo: { value: "string", effect: "none", kestra: true },
  clientKeyPassphrase: { value: "string", effect: "tls", kestra: true },
  trustCerts: { value: "boolean", effect: "override", kestra: true },
  disableHostnameVerification: { value: "boolean", effect: "tls", kestra: true },
  keyStoreFile: { value: "string", effect: "tls", kestra: true },
  keyStorePassphrase: { value: "string", effect: "tls", kestra: true },
  trustStoreFile: { value: "string", effect: "tls", kestra: true },
  trustStorePassphrase: { value: "string", effect: "tls", kestra: true },
  inheritClusterConfig: { value: "boolean", effect: "base", kestra: true },
  context: { value: "string", effect: "kubeconfig", kestra: false },
  kubeconfigPath: { value: "string", effect: "kubeconfig", kestra: false },
} as const satisfies Readonly<Record<keyof ConnectionOptions, ConnectionOptionRule>>);

/**
 * The names of every connection option, in the order of {@link CONNECTION_OPTIONS}.
 *
 * @example
 * ```ts
 * import { CONNECTION_OPTION_NAMES } from "./description.ts";
 * CONNECTION_OPTION_NAMES.includes("oauthToken"); // true
 * ```
 */
export const CONNECTION_OPTION_NAMES: readonly (keyof ConnectionOptions)[] = Object.freeze(Object.keys(CONNECTION_OPTIONS) as (keyof ConnectionOptions)[]);

/**
 * The names of the connection options that `filter` keeps, in the order of
 * {@link CONNECTION_OPTIONS}.
 *
 * @example
 * ```ts
 * import { connectionOptionNames } from "./description.ts";
 * connectionOptionNames((rule) => rule.value === "boolean"); // ["trustCerts", "disableHostnameVerification", "inheritClusterConfig"]
 * ```
 */
export function connectionOptionNames(filter: (rule: ConnectionOptionRule) => boolean): (keyof ConnectionOptions)[] {
  return CONNECTION_OPTION_NAMES.filter((name) => filter(CONNECTION_OPTIONS[name]));
}

/** An exponential schedule of delays between attempts, as given to `.retry()`. */
export interface RetryBackoffInput {
  /** The delay before the second attempt. */
  readonly initial: DurationInput;
  /** Each delay is the previous one times this. @default 2 */
  readonly factor?: number;
  /** The longest delay. @default "PT1M" */
  readonly max?: DurationInput;
}

/** A retry policy as given to `.retry()` (validated by `compile()`). */
export interface RetryInput {
  /** Total tries, the first included; at least 1. */
  readonly attempts: number;
  /** Failure classes that may be retried. @default DEFAULT_RETRY_ON */
  readonly on?: readonly RetryableFailure[];
  /** Container exit codes that are retried. @default [] */
  readonly exitCodes?: readonly number[];
  /**
   * The delay between attempts: one duration (constant), or an exponential schedule.
   * @default { initial: "PT1S", factor: 2, max: "PT1M" }
   */
  readonly backoff?: DurationInput | RetryBackoffInput;
}

/** The timeouts of a run, as given to the builder (validated by `compile()`). */
export interface TimeoutInputs {
  /** From creation until the pod runs. @default "PT10M" */
  readonly waitUntilRunning: DurationInput;
  /** From running until the user containers end. @default "PT1H" */
  readonly waitRunning: DurationInput;
  /** Upper bound for late log lines; not a sleep. @default "PT5S" */
  readonly waitForLogInterval: DurationInput;
  /** For the Ready condition; zero skips the wait. @default "PT0S" */
  readonly waitUntilReady: DurationInput;
}

/**
 * The frozen description a {@link PodBuilder} accumulates: plain data, no behaviour.
 * `compile()` turns it into a manifest and an execution plan.
 */
export interface PodDescription {
  /** Discriminant. */
  readonly kind: "pod";
  /** The pod's name; undefined lets the API server generate one. */
  readonly name?: string;
  /**
   * Namespace of the pod, when `.namespace()` set it. Otherwise the runner decides: the
   * connection's namespace, else the kubeconfig context's, else `"default"` (see `resolveNamespace`).
   */
  readonly namespace?: string;
  /** Metadata other than name and namespace (labels, annotations, …). */
  readonly metadata: Readonly<Omit<V1ObjectMeta, "name" | "namespace">>;
  /** User containers, in the order added. */
  readonly containers: readonly V1Container[];
  /** User init containers, in the order added. */
  readonly initContainers: readonly V1Container[];
  /** User volumes, in the order added. */
  readonly volumes: readonly V1Volume[];
  /** Any other pod spec field. */
  readonly spec: Readonly<Omit<V1PodSpec, "containers" | "initContainers" | "volumes">>;
  /** Container defaults (Kestra's `containerDefaultSpec`). */
  readonly defaults?: Partial<V1Container>;
  /** Files to upload before the containers start. */
  readonly inputFiles: readonly InputFile[];
  /** Globs of files to bring back, relative to the working directory. */
  readonly outputFiles: readonly string[];
  /**
   * A JSON object the pod writes in the working directory, whose keys are output values
   * (`.outputValuesFile()`); brought back with the output files. Absent: none.
   */
  readonly outputValuesFile?: string;
  /** Working directory inside the pod. @default "/podkit/work" */
  readonly workingDir: string;
  /** The containers that move files. */
  readonly fileSidecar: FileSidecar;
  /** Budgets of the run. */
  readonly timeouts: TimeoutInputs;
  /** What happens to the pod when the run ends (`.onFinish()`, `.delete()`). @default "delete" */
  readonly onFinish: FinishPolicy;
  /** The retry policy (`.retry()`); absent means one attempt. */
  readonly retry?: RetryInput;
  /** The run's overall deadline, retries included (Kestra's `timeout`); absent means none. */
  readonly timeout?: DurationInput;
  /** Exit codes of user containers that do not fail the run (`.acceptExitCodes()`). @default [] */
  readonly acceptExitCodes: readonly number[];
  /** Resolve with a failed result instead of rejecting (Kestra's `allowFailure`). @default false */
  readonly allowFailure: boolean;
  /** Adopt a pod an earlier call of the same run id left. @default true */
  readonly resume: boolean;
  /** Stable identity of the run; undefined draws a fresh one per run. */
  readonly runId?: string;
  /** How to reach the cluster; undefined means kubeconfig discovery. */
  readonly connection?: ConnectionOptions;
  /**
   * Accept `::{"outputs":…}::` lines only when they carry this run's nonce
   * (`::podkit-<nonce>::{"outputs":…}::`). @default false
   */
  readonly outputNonce: boolean;
}

/**
 * What a run downloads: the output globs, and the output values file when there is one.
 * File transfer (the sidecar, the download step) is added when this is not empty.
 *
 * @example
 * ```ts
 * import { outputGlobs, pod } from "podkit";
 * outputGlobs(pod().outputFiles("*.csv").outputValuesFile().description); // ["*.csv", "outputs.json"]
 * ```
 */
export function outputGlobs(description: PodDescription): readonly string[] {
  return description.outputValuesFile === undefined ? description.outputFiles : [...description.outputFiles, description.outputValuesFile];
}

/** The shape of {@link DESCRIPTION_DEFAULTS}. */
export interface DescriptionDefaults {
  /** Working directory inside the pod. */
  readonly workingDir: "/podkit/work";
  /** Image of the containers that move files. */
  readonly fileSidecarImage: "busybox";
  /** The default budgets, as ISO 8601 durations. */
  readonly timeouts: {
    /** Budget from creation until every container runs. */
    readonly waitUntilRunning: "PT10M";
    /** Budget from running until the user containers end. */
    readonly waitRunning: "PT1H";
    /** Upper bound for late log lines. */
    readonly waitForLogInterval: "PT5S";
    /** Budget for the Ready condition. */
    readonly waitUntilReady: "PT0S";
  };
}

/**
 * The values a description starts from, when the builder is not told otherwise.
 *
 * @example
 * ```ts
 * import { DESCRIPTION_DEFAULTS } from "podkit";
 * DESCRIPTION_DEFAULTS.timeouts.waitUntilRunning; // "PT10M"
 * ```
 */
export const DESCRIPTION_DEFAULTS: DescriptionDefaults = Object.freeze({
  /** @default "/podkit/work" */
  workingDir: "/podkit/work",
  /** @default "busybox" */
  fileSidecarImage: "busybox",
  /** The default budgets, as ISO 8601 durations. */
  timeouts: Object.freeze({
    /** Budget from creation until every container runs. */
    waitUntilRunning: "PT10M",
    /** Budget from running until the user containers end. */
    waitRunning: "PT1H",
    /** Upper bound for reading log lines that arrive after the containers end; podkit does not sleep it. */
    waitForLogInterval: "PT5S",
    /** Budget for the pod's Ready condition; zero skips the wait. */
    waitUntilReady: "PT0S",
  }),
});
