import { cpus, freemem, release, totalmem, type as osType } from "node:os";
import { type ClusterTarget, kubectl } from "./cluster.ts";

/** The machine that drove the suite. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly kernel: string;
  readonly node: string;
}

/** The cluster the suite ran against. */
export interface ClusterInfo {
  readonly kubectlClient?: string;
  readonly server?: string;
  readonly nodes: readonly {
    readonly name: string;
    readonly kubelet?: string;
    readonly runtime?: string;
    readonly os?: string;
    readonly cpu?: string;
    readonly memory?: string;
  }[];
  /** Kubelet settings that shape the figures, read from its configz. */
  readonly kubelet?: {
    readonly containerLogMaxSize?: string;
    readonly containerLogMaxFiles?: number;
    readonly kubeAPIQPS?: number;
    readonly kubeAPIBurst?: number;
  };
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    kernel: `${osType()} ${release()}`,
    node: process.version,
  };
}

interface NodeList {
  items: {
    metadata: { name: string };
    status?: {
      nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; osImage?: string };
      capacity?: { cpu?: string; memory?: string };
    };
  }[];
}

export async function clusterInfo(target: ClusterTarget): Promise<ClusterInfo> {
  let kubectlClient: string | undefined;
  let server: string | undefined;
  try {
    const v = JSON.parse(await kubectl(target, ["version", "-o", "json"])) as {
      clientVersion?: { gitVersion?: string };
      serverVersion?: { gitVersion?: string };
    };
    kubectlClient = v.clientVersion?.gitVersion;
    server = v.serverVersion?.gitVersion;
  } catch {
    // Recorded as unknown.
  }
  const nodes: ClusterInfo["nodes"][number][] = [];
  let kubelet: ClusterInfo["kubelet"];
  try {
    const list = JSON.parse(await kubectl(target, ["get", "nodes", "-o", "json"])) as NodeList;
    for (const n of list.items) {
      const i = n.status?.nodeInfo;
      nodes.push({
        name: n.metadata.name,
        ...(i?.kubeletVersion !== undefined ? { kubelet: i.kubeletVersion } : {}),
        ...(i?.containerRuntimeVersion !== undefined ? { runtime: i.containerRuntimeVersion } : {}),
        ...(i?.osImage !== undefined ? { os: i.osImage } : {}),
        ...(n.status?.capacity?.cpu !== undefined ? { cpu: n.status.capacity.cpu } : {}),
        ...(n.status?.capacity?.memory !== undefined ? { memory: n.status.capacity.memory } : {}),
      });
    }
    const first = list.items[0]?.metadata.name;
    if (first !== undefined) {
      const configz = JSON.parse(
        await kubectl(target, ["get", "--raw", `/api/v1/nodes/${first}/proxy/configz`]),
      ) as { kubeletconfig?: Record<string, unknown> };
      const k = configz.kubeletconfig ?? {};
      kubelet = {
        ...(typeof k["containerLogMaxSize"] === "string" ? { containerLogMaxSize: k["containerLogMaxSize"] } : {}),
        ...(typeof k["containerLogMaxFiles"] === "number" ? { containerLogMaxFiles: k["containerLogMaxFiles"] } : {}),
        ...(typeof k["kubeAPIQPS"] === "number" ? { kubeAPIQPS: k["kubeAPIQPS"] } : {}),
        ...(typeof k["kubeAPIBurst"] === "number" ? { kubeAPIBurst: k["kubeAPIBurst"] } : {}),
      };
    }
  } catch {
    // Recorded as unknown.
  }
  return {
    ...(kubectlClient !== undefined ? { kubectlClient } : {}),
    ...(server !== undefined ? { server } : {}),
    nodes,
    ...(kubelet !== undefined ? { kubelet } : {}),
  };
}
