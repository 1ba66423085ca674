import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import { frozenCopy, mutableCopy } from "../compile/_data.ts";
import { findStep, LABELS, type ExecutionPlan, type PodIdentity } from "./plan.ts";
import { ATTEMPT_ENV, ATTEMPT_LABEL } from "./policy.ts";

/**
 * The environment variable that holds the run's output nonce in every user container when
 * `outputNonce` is on. Output lines must then read `::podkit-<nonce>::{"outputs":{…}}::`,
 * which log text from elsewhere cannot forge.
 *
 * @example
 * ```ts
 * import { OUTPUT_NONCE_ENV, pod } from "podkit";
 * pod()
 *   .outputNonce()
 *   .container({ name: "main", image: "busybox", command: ["sh", "-c", `echo "::podkit-$${OUTPUT_NONCE_ENV}::{\"outputs\":{\"ok\":true}}::"`] });
 * ```
 */
export const OUTPUT_NONCE_ENV = "PODKIT_OUTPUT_NONCE";

/** Where a namespace can come from, in the order {@link resolveNamespace} consults them. */
export interface NamespaceSources {
  /** Given with `.namespace()` (the plan's `pod.namespace`). */
  readonly explicit?: string | undefined;
  /** The connection's `namespace`. */
  readonly connection?: string | undefined;
  /** The namespace of the kubeconfig's current context. */
  readonly context?: string | undefined;
}

/**
 * The namespace a run uses, decided here and nowhere else: the one given with
 * `.namespace()`, else the connection's, else the kubeconfig context's, else `default`.
 * Empty strings count as absent.
 *
 * @example
 * ```ts
 * import { resolveNamespace } from "podkit";
 * resolveNamespace({ connection: "jobs", context: "dev" }); // "jobs"
 * resolveNamespace({}); // "default"
 * ```
 */
export function resolveNamespace(sources: NamespaceSources): string {
  for (const value of [sources.explicit, sources.connection, sources.context]) {
    if (value !== undefined && value !== "") return value;
  }
  return "default";
}

/** What makes one run of a compiled pod this run. */
export interface RunIdentity {
  /** The run's identity, written to the label `podkit.dev/run-id`. */
  readonly runId: string;
  /** The namespace, from {@link resolveNamespace}. */
  readonly namespace: string;
  /** The output nonce, written to `PODKIT_OUTPUT_NONCE` in every user container. */
  readonly nonce?: string | undefined;
  /** The attempt (from 1), written to the label `podkit.dev/attempt` and to `PODKIT_ATTEMPT`. @default 1 */
  readonly attempt?: number | undefined;
}

const RUN_ID = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Checks a run id: it is a label value.
 *
 * @throws {TypeError} naming the rule it breaks
 * @example
 * ```ts
 * import { checkRunId } from "podkit";
 * checkRunId("nightly-2026-12-01"); // passes
 * ```
 */
export function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new TypeError(`Cannot use run id "${runId}": a label value has at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
  }
}

/**
 * The manifest a run creates: the compiled manifest with the run's identity stamped on it
 * (namespace, run-id and attempt labels; the attempt and the output nonce in the
 * environment of the user containers; a fixed name gets `-<attempt>` from attempt 2 on). A pure function that
 * every runner uses, so that what a dry run shows is what is created.
 *
 * @example
 * ```ts
 * import { pod, stampRunIdentity } from "podkit";
 * const compiled = pod("hello").container({ name: "main", image: "busybox" }).compile();
 * const manifest = stampRunIdentity(compiled.manifest, compiled.plan.pod, { runId: "r1", namespace: "default" });
 * manifest.metadata?.labels?.["podkit.dev/run-id"]; // "r1"
 * ```
 */
export function stampRunIdentity(manifest: V1Pod, pod: PodIdentity, identity: RunIdentity): V1Pod {
  const stamped = mutableCopy(manifest);
  const attempt = String(identity.attempt ?? 1);
  const name = stamped.metadata?.name;
  stamped.metadata = {
    ...stamped.metadata,
    // Attempt n > 1 of a named pod cannot take the name while attempt n - 1 may still hold it.
    ...(name !== undefined && attempt !== "1" ? { name: `${name.slice(0, 253 - attempt.length - 1)}-${attempt}` } : {}),
    namespace: identity.namespace,
    labels: { ...stamped.metadata?.labels, [LABELS.runId]: identity.runId, [ATTEMPT_LABEL]: attempt },
  };
  const env: V1EnvVar[] = [{ name: ATTEMPT_ENV, value: attempt }, ...(identity.nonce === undefined ? [] : [{ name: OUTPUT_NONCE_ENV, value: identity.nonce }])];
  const names = new Set(env.map((e) => e.name));
  if (stamped.spec !== undefined) {
    const user = new Set([...pod.containers, ...pod.initContainers]);
    const withEnv = (c: V1Container): V1Container => (user.has(c.name) ? { ...c, env: [...(c.env ?? []).filter((e) => !names.has(e.name)), ...env] } : c);
    stamped.spec.containers = stamped.spec.containers.map(withEnv);
    if (stamped.spec.initContainers !== undefined) stamped.spec.initContainers = stamped.spec.initContainers.map(withEnv);
  }
  return frozenCopy(stamped);
}

/**
 * A fresh run identity for a plan: its run id (or a random one), the namespace, and a
 * random nonce when the create step asks for one.
 *
 * @example
 * ```ts
 * import { drawRunIdentity, pod } from "podkit";
 * const { plan } = pod().outputNonce().container({ name: "main", image: "busybox" }).compile();
 * drawRunIdentity(plan, "default").nonce?.length; // 24
 * ```
 */
export function drawRunIdentity(plan: ExecutionPlan, namespace: string, attempt = 1): RunIdentity {
  const runId = plan.pod.runId ?? crypto.randomUUID();
  checkRunId(runId);
  const wantsNonce = findStep(plan, "create")?.outputNonce === true;
  const nonce = wantsNonce ? Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("") : undefined;
  return { runId, namespace, attempt, ...(nonce === undefined ? {} : { nonce }) };
}
