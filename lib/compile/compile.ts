import type { V1Container, V1Pod, V1PodSpec, V1VolumeMount } from "@kubernetes/client-node";
import { outputGlobs, type PodDescription } from "./description.ts";
import { mergeDefaults } from "./defaults.ts";
import { describePlan } from "../plan/describe.ts";
import { DEADLINE_MARGIN_SECONDS, OUTPUTS_DEADLINE_MARGIN_SECONDS } from "../plan/policy.ts";
import { parseDuration } from "./duration.ts";
import { PodValidationError } from "../run/errors.ts";
import { fileTransferParts } from "./file_transfer.ts";
import { LABELS } from "../plan/plan.ts";
import type { CompiledPod } from "../run/result.ts";
import { resolveWorkingDir } from "./template.ts";
import { buildPlan } from "../plan/build_plan.ts";
import { validate } from "./validate.ts";
import { frozenCopy, mutableCopy } from "./_data.ts";
import { MAX_GENERATE_NAME, suggestName } from "./_names.ts";

/** The value of the `app.kubernetes.io/managed-by` label on every pod podkit creates. */
export const MANAGED_BY = "podkit";

function generateNameOf(description: PodDescription): string {
  const given = description.metadata.generateName;
  if (given !== undefined) return given;
  const first = description.containers[0]?.name;
  const base = first === undefined ? "podkit" : suggestName(first);
  return `${base.slice(0, MAX_GENERATE_NAME - 1).replace(/-+$/, "")}-`;
}

function userContainer(container: V1Container, description: PodDescription, mount: V1VolumeMount | undefined): V1Container {
  const merged = resolveWorkingDir(mergeDefaults(container, description.defaults), description.workingDir);
  if (mount === undefined) return merged;
  return { ...merged, volumeMounts: [...(merged.volumeMounts ?? []), mount] };
}

/**
 * The pod's own deadline, so that the cluster ends a pod whose driver died: the start-up
 * and running budgets, plus room to read late logs and download outputs.
 */
function activeDeadlineOf(description: PodDescription): number {
  const budgets = parseDuration(description.timeouts.waitUntilRunning) + parseDuration(description.timeouts.waitRunning);
  const margin = DEADLINE_MARGIN_SECONDS + (outputGlobs(description).length > 0 ? OUTPUTS_DEADLINE_MARGIN_SECONDS : 0);
  return Math.ceil(budgets / 1000) + margin;
}

/**
 * Turns a description into a Kubernetes pod manifest and an execution plan: a pure,
 * deterministic function (the same description always gives the same result) that
 * touches no cluster. Applies the container defaults, resolves `{{workingDir}}`, adds
 * the file-transfer volume and containers when files are given, labels the pod as
 * managed by podkit, defaults `restartPolicy` to `Never` and `activeDeadlineSeconds` to the
 * start-up and running budgets plus a margin (so that the cluster ends a pod whose driver
 * died). The result is deeply frozen.
 *
 * @throws {PodValidationError} listing every problem of the description
 * @example
 * ```ts
 * import { compile, pod } from "podkit";
 * const { manifest, plan } = compile(pod("hello").container({ name: "main", image: "busybox" }).description);
 * manifest.spec?.restartPolicy; // "Never"
 * plan.steps[0]?.kind; // "create"
 * ```
 */
export function compile(description: PodDescription): CompiledPod {
  const issues = validate(description);
  if (issues.length > 0) throw new PodValidationError(issues);

  const parts = fileTransferParts(description);
  const mount = parts?.mount;
  const generateName = generateNameOf(description);
  const { generateName: _ignored, ...metadataRest } = mutableCopy(description.metadata);

  const initContainers = [
    ...(parts?.initContainer === undefined ? [] : [parts.initContainer]),
    ...description.initContainers.map((c) => userContainer(c, description, mount)),
  ];
  const volumes = [
    ...resolveWorkingDir(mutableCopy(description.volumes), description.workingDir),
    ...(parts === undefined ? [] : [parts.volume]),
  ];
  const spec: V1PodSpec = {
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers: [
      ...description.containers.map((c) => userContainer(c, description, mount)),
      ...(parts?.sidecar === undefined ? [] : [parts.sidecar]),
    ],
    ...(volumes.length > 0 ? { volumes } : {}),
    ...resolveWorkingDir(mutableCopy(description.spec), description.workingDir),
    restartPolicy: description.spec.restartPolicy ?? "Never",
    activeDeadlineSeconds: description.spec.activeDeadlineSeconds ?? activeDeadlineOf(description),
  };

  const { labels, annotations, ...otherMetadata } = metadataRest;
  const manifest: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(description.name === undefined ? { generateName } : { name: description.name }),
      ...(description.namespace === undefined ? {} : { namespace: description.namespace }),
      labels: { ...labels, [LABELS.managedBy]: MANAGED_BY },
      ...(annotations === undefined ? {} : { annotations }),
      ...otherMetadata,
    },
    spec,
  };
  const plan = buildPlan(description, generateName);
  const frozenManifest = frozenCopy(manifest);
  const compiled: CompiledPod = {
    manifest: frozenManifest,
    plan,
    inputs: description.inputFiles,
    ...(description.connection === undefined ? {} : { connection: description.connection }),
    describe: () => describePlan(plan),
    toJSON: () => ({ manifest: frozenManifest, plan }),
  };
  return Object.freeze(Object.assign(compiled, { toString: () => describePlan(plan) }));
}
