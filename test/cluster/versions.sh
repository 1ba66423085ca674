# Pinned versions and the cache location shared by the cluster scripts.
# shellcheck shell=bash
KUBE_VERSION=${KUBE_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
PODKIT_CLUSTER_CACHE=${PODKIT_CLUSTER_CACHE:-/var/cache/podkit-cluster}
PODKIT_CLUSTER_STATE=${PODKIT_CLUSTER_STATE:-/var/lib/podkit-cluster}
CRI_TOOLS_VERSION=${CRI_TOOLS_VERSION:-v1.34.0}
