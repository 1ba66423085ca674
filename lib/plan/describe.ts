import { formatDuration } from "../compile/duration.ts";
import type { ExecutionPlan, PlanStep } from "./plan.ts";

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const FINISH = {
  delete: "Delete the pod",
  keepOnFailure: "Delete the pod if the run succeeded, keep it if it failed; an aborted run still deletes it",
  keep: "Keep the pod (delete is off); an aborted run still deletes it",
} as const;

function describeStep(step: PlanStep, plan: ExecutionPlan): string {
  switch (step.kind) {
    case "create":
      return `${step.resume && plan.pod.runId !== undefined ? `Create the pod, or resume the pod of run "${plan.pod.runId}" if one is still there` : "Create the pod"}${step.outputNonce ? ", with a fresh output nonce in its user containers" : ""}`;
    case "waitScheduled":
      return `Wait until a node is assigned (budget ${formatDuration(step.budgetMs)} from creation)`;
    case "uploadInputs":
      return `Upload ${plural(step.files.length, "input file")} (${quoteList(step.files)}) into ${step.workingDir} through container "${step.container}", verify them, then let the pod start`;
    case "waitRunning":
      return `Wait until the containers run (budget ${formatDuration(step.budgetMs)} from creation)`;
    case "waitReady":
      return `Wait until the pod is Ready (budget ${formatDuration(step.budgetMs)})`;
    case "followLogs":
      return `Follow the logs of ${plural(step.containers.length, "container")} ${quoteList(step.containers)}`;
    case "waitCompletion":
      return `Wait until ${step.containers.length === 1 ? "container" : "containers"} ${quoteList(step.containers)} ${step.containers.length === 1 ? "ends" : "end"} (budget ${formatDuration(step.budgetMs)}), then read late log lines for at most ${formatDuration(step.lateLogBudgetMs)}${step.acceptExitCodes.length === 0 ? "" : `; exit codes ${step.acceptExitCodes.join(", ")} do not fail the run`}`;
    case "downloadOutputs":
      return `Download the files of ${step.workingDir} matching ${quoteList(step.globs)} through container "${step.container}", verify them, then let the sidecar end`;
    case "collectOutputValues": {
      const lines = step.nonce
        ? 'Collect output values from log lines "::podkit-<nonce>::{"outputs":{…}}::" that carry this run\'s nonce'
        : 'Collect output values from log lines "::{"outputs":{…}}::"';
      return step.file === undefined ? lines : `${lines}, then merge the JSON object of "${step.file}" over them`;
    }
    case "delete":
      return `${FINISH[step.onFinish]}${step.abortGraceSeconds === undefined ? "" : `; an aborted run deletes it with a grace period of ${step.abortGraceSeconds} s and reads the logs while the containers stop`}`;
  }
}

/**
 * An execution plan as a numbered list, for humans: what a runner would do, with every
 * budget as an ISO 8601 duration and every file, glob and container by name.
 *
 * @example
 * ```ts
 * import { describePlan, pod } from "podkit";
 * const { plan } = pod("hello").container({ name: "main", image: "busybox" }).compile();
 * console.log(describePlan(plan));
 * // Run pod "hello" in namespace "default":
 * //  1. Create the pod (a rerun with the same run id resumes it)
 * //  …
 * ```
 */
export function describePlan(plan: ExecutionPlan): string {
  const who = plan.pod.name === undefined ? `a pod named "${plan.pod.generateName}…"` : `pod "${plan.pod.name}"`;
  const width = String(plan.steps.length).length;
  const lines = plan.steps.map((step, i) => `${String(i + 1).padStart(width + 1)}. ${describeStep(step, plan)}`);
  const where = plan.pod.namespace === undefined ? "the connection's namespace (else the kubeconfig context's, else \"default\")" : `namespace "${plan.pod.namespace}"`;
  const policy: string[] = [];
  const retry = plan.retry;
  if (retry !== undefined && retry.attempts > 1) {
    const on = [...retry.on, ...(retry.exitCodes.length === 0 ? [] : [`exit codes ${retry.exitCodes.join(", ")}`])].join(", ");
    policy.push(`Up to ${retry.attempts} attempts, each in a fresh pod, retrying on ${on}; first delay ${formatDuration(retry.backoff.initialMs)}, ×${retry.backoff.factor}, at most ${formatDuration(retry.backoff.maxMs)}`);
  }
  if (retry?.deadlineMs !== undefined) policy.push(`The whole run ends within ${formatDuration(retry.deadlineMs)}, attempts included`);
  if (plan.allowFailure === true) policy.push("A failed run resolves with its result instead of rejecting");
  return [`Run ${who} in ${where}:`, ...lines, ...policy.map((p) => `  ${p}`)].join("\n");
}
