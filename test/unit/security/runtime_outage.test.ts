/**
 * A restart of the container runtime makes the kubelet report image pulls and container
 * creations as failed (ErrImagePull, CreateContainerError) with an "Unavailable" RPC
 * error, and retry them; so does its own pull rate limit when many pods start at once
 * ("pull QPS exceeded"). That is not a bad image or a bad configuration: the run must keep
 * waiting (within its start-up budget), not fail at once.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { observePod } from "../../../lib/kubernetes/watch/pod_state.ts";

const layout = { containers: ["main"], initContainers: [] };

function waiting(reason: string, message: string): V1Pod {
  return {
    metadata: { name: "p", uid: "u" },
    spec: { containers: [] },
    status: { phase: "Pending", containerStatuses: [{ name: "main", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message } } }] },
  };
}

describe("observePod during a container runtime outage", () => {
  it("does not take a pull the runtime could not answer for a bad image", () => {
    for (const message of [
      "rpc error: code = Unavailable desc = error reading from server: EOF",
      'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"',
      'Back-off pulling image "busybox": ErrImagePull: rpc error: code = Unavailable desc = error reading from server: EOF',
    ]) {
      for (const reason of ["ErrImagePull", "ImagePullBackOff"]) expect(observePod(waiting(reason, message), layout).fatal, `${reason}: ${message}`).toBeUndefined();
    }
  });

  it("does not take a pull the kubelet throttled (many pods starting at once) for a bad image", () => {
    for (const [reason, message] of [
      ["ErrImagePull", "pull QPS exceeded"],
      ["ImagePullBackOff", 'Back-off pulling image "busybox": ErrImagePull: pull QPS exceeded'],
    ] as const) {
      expect(observePod(waiting(reason, message), layout).fatal, message).toBeUndefined();
    }
  });

  it("does not take a container the runtime could not create for a configuration error", () => {
    const seen = observePod(waiting("CreateContainerError", "rpc error: code = DeadlineExceeded desc = context deadline exceeded"), layout);
    expect(seen.fatal).toBeUndefined();
  });

  it("still fails fast on an image that does not exist", () => {
    const seen = observePod(waiting("ErrImagePull", 'rpc error: code = NotFound desc = failed to pull and unpack image "podkit.invalid/x:1": not found'), layout);
    expect(seen.fatal?.reason).toBe("ImagePull");
  });
});
