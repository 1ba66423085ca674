import type { V1Container, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { outputGlobs, type PodDescription } from "./description.ts";
import { mergeDefaults } from "./defaults.ts";
import { FILE_TRANSFER } from "../plan/plan.ts";
import { resolveWorkingDir } from "./template.ts";

/** What a pod needs to move files in and out: added by `compile()` when files are given. */
export interface FileTransferParts {
  /** The shared emptyDir. */
  readonly volume: V1Volume;
  /** Its mount at the working directory, added to every container. */
  readonly mount: V1VolumeMount;
  /** `podkit-init`, first init container, present with input files. */
  readonly initContainer?: V1Container;
  /** `podkit-outputs`, last container, present with output files. */
  readonly sidecar?: V1Container;
}

// The init container holds the pod back until the runner has uploaded every input and
// then written the ready marker; deleting the marker keeps it out of the user's view.
const INIT_SCRIPT = [
  `until [ -e "$PODKIT_WORKING_DIR/${FILE_TRANSFER.readyMarker}" ]; do sleep 0.2; done`,
  `rm -f "$PODKIT_WORKING_DIR/${FILE_TRANSFER.readyMarker}"`,
  "exit 0",
].join("; ");

// The sidecar keeps the working directory readable after the user containers end, until
// the runner has downloaded the outputs and written the ended marker. TERM (pod
// deletion) ends it at once with success.
const SIDECAR_SCRIPT = [
  "trap 'exit 0' TERM",
  `until [ -e "$PODKIT_WORKING_DIR/${FILE_TRANSFER.endedMarker}" ]; do sleep 0.5; done`,
  "exit 0",
].join("; ");

function transferContainer(name: string, script: string, description: PodDescription, mount: V1VolumeMount): V1Container {
  const { fileSidecar } = description;
  const base: V1Container = {
    name,
    image: fileSidecar.image,
    command: ["sh", "-c", script],
    env: [{ name: "PODKIT_WORKING_DIR", value: description.workingDir }],
    volumeMounts: [mount],
    ...(fileSidecar.resources === undefined ? {} : { resources: fileSidecar.resources }),
  };
  const merged = resolveWorkingDir(mergeDefaults(base, fileSidecar.defaultSpec ?? description.defaults), description.workingDir);
  return runAsNonRootUser(merged, description);
}

/** The `nobody` user: BusyBox images run as root unless told otherwise. */
const FILE_TRANSFER_USER = 65534;

// Under the restricted Pod Security Standard the defaults say runAsNonRoot; an image that
// runs as root (BusyBox does) would then be refused by the kubelet. Give the transfer
// containers an unprivileged user unless a user is named already. The working directory
// is an emptyDir, writable by every user.
function runAsNonRootUser(container: V1Container, description: PodDescription): V1Container {
  const own = container.securityContext;
  const pod = description.spec.securityContext;
  const nonRoot = own?.runAsNonRoot ?? pod?.runAsNonRoot;
  if (nonRoot !== true || own?.runAsUser !== undefined || pod?.runAsUser !== undefined) return container;
  return { ...container, securityContext: { ...own, runAsUser: FILE_TRANSFER_USER } };
}

/**
 * The volume, mount and containers podkit adds to move files, or undefined when the
 * description has neither input nor output files. They ask for no privilege of their
 * own, so they are admitted wherever the container defaults are.
 *
 * @example
 * ```ts
 * import { fileTransferParts, pod } from "podkit";
 * const parts = fileTransferParts(pod().inputFile("a.txt", "a").description);
 * parts?.initContainer?.name; // "podkit-init"
 * ```
 */
export function fileTransferParts(description: PodDescription): FileTransferParts | undefined {
  const hasInputs = description.inputFiles.length > 0;
  const hasOutputs = outputGlobs(description).length > 0;
  if (!hasInputs && !hasOutputs) return undefined;
  const volume: V1Volume = { name: FILE_TRANSFER.volume, emptyDir: {} };
  const mount: V1VolumeMount = { name: FILE_TRANSFER.volume, mountPath: description.workingDir };
  return {
    volume,
    mount,
    ...(hasInputs ? { initContainer: transferContainer(FILE_TRANSFER.initContainer, INIT_SCRIPT, description, mount) } : {}),
    ...(hasOutputs ? { sidecar: transferContainer(FILE_TRANSFER.sidecar, SIDECAR_SCRIPT, description, mount) } : {}),
  };
}
