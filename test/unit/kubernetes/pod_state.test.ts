import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { containerResults, firstFailure, observePod, podMilestones } from "../../../lib/kubernetes/watch/pod_state.ts";

const layout = { containers: ["main"], initContainers: ["setup"] };

function pod(status: NonNullable<V1Pod["status"]>, extra: Partial<V1Pod> = {}): V1Pod {
  return { metadata: { name: "p", uid: "u" }, spec: { containers: [] }, status, ...extra };
}

describe("observePod", () => {
  it("reports ErrImagePull, ImagePullBackOff and InvalidImageName as ImagePull failures", () => {
    for (const reason of ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]) {
      const seen = observePod(
        pod({ phase: "Pending", containerStatuses: [{ name: "main", image: "nope", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message: "pull access denied" } } }] }),
        layout,
      );
      expect(seen.fatal).toEqual({ reason: "ImagePull", container: "main", waitingReason: reason, message: "pull access denied" });
    }
  });

  it("reports CreateContainerConfigError as a ConfigError, also on podkit's own containers", () => {
    const seen = observePod(
      pod({ phase: "Pending", initContainerStatuses: [{ name: "podkit-init", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "s" not found' } } }] }),
      layout,
    );
    expect(seen.fatal?.reason).toBe("ConfigError");
    expect(seen.fatal?.container).toBe("podkit-init");
  });

  it("does not treat ContainerCreating or PodInitializing as failures", () => {
    const seen = observePod(
      pod({ phase: "Pending", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }),
      layout,
    );
    expect(seen.fatal).toBeUndefined();
    expect(seen.waitingFor).toBe("ContainerCreating");
    expect(seen.userStarted).toBe(false);
  });

  it("gives the scheduler's message while the pod is unschedulable", () => {
    const seen = observePod(
      pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu." }] }),
      layout,
    );
    expect(seen.scheduled).toBe(false);
    expect(seen.unschedulable).toBe("0/1 nodes are available: 1 Insufficient cpu.");
  });

  it("sees the user containers done while the output sidecar still runs", () => {
    const seen = observePod(
      pod({
        phase: "Running",
        containerStatuses: [
          { name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
          { name: "podkit-outputs", image: "busybox", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: new Date(0) } } },
        ],
      }),
      layout,
    );
    expect(seen.userDone).toBe(true);
    expect(seen.sidecar.kind).toBe("running");
  });

  it("recognises an evicted pod and a pod being deleted", () => {
    expect(observePod(pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }), layout).evicted).toBe("low on memory");
    const deleting = observePod(pod({ phase: "Running" }, { metadata: { name: "p", deletionTimestamp: new Date() } }), layout);
    expect(deleting.deleting).toBe(true);
  });
});

describe("containerResults and firstFailure", () => {
  it("reports OOMKilled as such, with its exit code", () => {
    const results = containerResults(
      pod({ phase: "Failed", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] }),
      layout,
    );
    expect(firstFailure(results)).toMatchObject({ container: "main", exitCode: 137, reason: "OOMKilled", oomKilled: true });
  });

  it("puts a failed user init container first: it is why the others never ran", () => {
    const results = containerResults(
      pod({
        phase: "Failed",
        initContainerStatuses: [{ name: "setup", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: "Error" } } }],
        containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }],
      }),
      layout,
    );
    expect(results.map((r) => [r.name, r.kind, r.exitCode, r.reason])).toEqual([
      ["setup", "init", 3, "Error"],
      ["main", "main", undefined, "PodInitializing"],
    ]);
    expect(firstFailure(results)).toMatchObject({ container: "setup", kind: "init", exitCode: 3, oomKilled: false });
  });

  it("finds no failure when every container exited 0", () => {
    const results = containerResults(
      pod({
        phase: "Succeeded",
        initContainerStatuses: [{ name: "setup", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }],
        containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }],
      }),
      layout,
    );
    expect(firstFailure(results)).toBeUndefined();
    expect(results[0]?.reason).toBe("Completed");
  });
});

describe("podMilestones", () => {
  it("reads created, scheduled, started and finished from Dates and strings alike", () => {
    const milestones = podMilestones(
      pod(
        {
          phase: "Succeeded",
          conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: new Date("2026-01-01T00:00:01Z") }],
          containerStatuses: [
            {
              name: "main",
              image: "x",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, startedAt: "2026-01-01T00:00:02Z" as unknown as Date, finishedAt: new Date("2026-01-01T00:00:03Z") } },
            },
          ],
        },
        { metadata: { name: "p", creationTimestamp: new Date("2026-01-01T00:00:00Z") } },
      ),
      { containers: ["main"], initContainers: [] },
    );
    expect(milestones).toEqual({
      created: "2026-01-01T00:00:00.000Z",
      scheduled: "2026-01-01T00:00:01.000Z",
      started: "2026-01-01T00:00:02Z",
      finished: "2026-01-01T00:00:03.000Z",
    });
  });
});
