import { expect, test } from "vitest";
import { chooseKubeconfig, LOCAL_CLUSTER_KUBECONFIG } from "../../../cli/kubeconfig.ts";

const only = (...paths: string[]) => (path: string) => paths.includes(path);

test("--kubeconfig wins", () => {
  expect(chooseKubeconfig({ flag: "/x", env: { KUBECONFIG: "/y" }, homedir: "/h", exists: () => true })).toEqual({ path: "/x" });
});

test("KUBECONFIG, ~/.kube/config or in-cluster leave discovery to the runner", () => {
  expect(chooseKubeconfig({ env: { KUBECONFIG: "/y" }, homedir: "/h", exists: () => true })).toEqual({});
  expect(chooseKubeconfig({ env: {}, homedir: "/h", exists: only("/h/.kube/config", LOCAL_CLUSTER_KUBECONFIG) })).toEqual({});
  expect(chooseKubeconfig({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, homedir: "/h", exists: only(LOCAL_CLUSTER_KUBECONFIG) })).toEqual({});
});

test("otherwise the local cluster of the project, with a note", () => {
  const choice = chooseKubeconfig({ env: {}, homedir: "/h", exists: only(LOCAL_CLUSTER_KUBECONFIG) });
  expect(choice.path).toBe(LOCAL_CLUSTER_KUBECONFIG);
  expect(choice.note).toContain("local cluster");
});

test("nothing at all leaves discovery to the runner, which reports it", () => {
  expect(chooseKubeconfig({ env: {}, homedir: "/h", exists: () => false })).toEqual({});
});
