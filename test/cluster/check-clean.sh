#!/usr/bin/env bash
# Checks that no trace of the local cluster is left on the host after down.sh: processes,
# mounts, the CNI bridge, network namespaces, the apiserver's address, iptables chains and
# cgroups of the kubelet. Prints each leftover and exits non-zero when there is any.
set -euo pipefail
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  local left=0 p cmd exe m

  # Processes of the cluster: the cached control-plane and node binaries, and the cached
  # containerd and its shims (of any version), Debian's runc and registry (and a Debian
  # containerd of an older checkout) when their command line names this cluster's state
  # directory. Clients (kubectl, crictl, ctr) someone still runs are not the cluster's.
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    case "$exe" in
      "$BIN"/etcd | "$BIN"/kube-apiserver | "$BIN"/kube-controller-manager | "$BIN"/kube-scheduler | "$BIN"/kubelet)
        leftover "process ${p#/proc/}: $cmd" ;;
      "$PODKIT_CLUSTER_CACHE"/bin/containerd-*/containerd | "$PODKIT_CLUSTER_CACHE"/bin/containerd-*/containerd-shim* | \
        /usr/bin/containerd | /usr/bin/containerd-shim* | /usr/sbin/runc | /usr/bin/runc | /usr/bin/docker-registry)
        [[ "$cmd" != *"$S/"* ]] || leftover "process ${p#/proc/}: $cmd" ;;
    esac
  done
  for p in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$p" ] || continue
    if [ -n "$(find "$p" -name cgroup.procs -exec cat {} + 2>/dev/null)" ]; then
      leftover "processes in cgroup $p: $(find "$p" -name cgroup.procs -exec cat {} + | tr '\n' ' ')"
    else
      leftover "cgroup $p"
    fi
  done
  while read -r m; do leftover "mount $m"; done < <(findmnt -rn -o TARGET | grep -F "$S/" || true)
  # containerd names the network namespaces of pod sandboxes cni-<uuid>.
  while read -r m; do leftover "network namespace $m"; done < <(findmnt -rn -o TARGET | grep '^/run/netns/cni-\|^/var/run/netns/cni-' || true)
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then leftover "bridge $CNI_BRIDGE"; fi
  if ip -4 addr show dev lo | grep -q " $ADVERTISE_ADDR/32"; then leftover "address $ADVERTISE_ADDR on lo"; fi
  if command -v iptables-save >/dev/null; then
    while read -r m; do leftover "iptables chain $m"; done < <(
      { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -oE '^:(KUBE|CNI)-[A-Z0-9-]+' | sort -u || true)
  fi
  for p in "${COMPONENTS[@]}"; do
    if [ -f "$RUN/$p.pid" ]; then leftover "PID file $RUN/$p.pid"; fi
  done

  if [ $left = 0 ]; then
    echo "check-clean: no process, mount, bridge, netns, address, iptables chain or cgroup of the cluster left"
  fi
  return $((left > 0))
}
leftover() {
  echo "check-clean: left behind: $*" >&2
  left=$((left + 1))
}
main "$@"
