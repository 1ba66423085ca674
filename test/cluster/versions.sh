# Pinned versions and the cache location shared by the cluster scripts.
# shellcheck shell=bash
KUBE_VERSION=${KUBE_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
PODKIT_CLUSTER_CACHE=${PODKIT_CLUSTER_CACHE:-/var/cache/podkit-cluster}
PODKIT_CLUSTER_STATE=${PODKIT_CLUSTER_STATE:-/var/lib/podkit-cluster}
CRI_TOOLS_VERSION=${CRI_TOOLS_VERSION:-v1.34.0}
# containerd and its runc shim, built from source: Debian 12's containerd 1.6.20 drops the
# tail of a container's output when it exits right after a burst (see README.md).
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.4.2}
