#!/usr/bin/env bash
# Stops the cluster that up.sh started and removes what it left on the host: pod sandboxes
# (through the CRI, so their network namespaces and veths go too), the processes recorded
# in its PID files, mounts under the state directory, the CNI bridge, the kubelet's
# iptables chains and cgroups, the apiserver's address on lo; kernel tunables and the root
# mount's propagation are put back. Processes it did not start are never touched.
# Safe to run when nothing runs. Logs stay in $PODKIT_CLUSTER_STATE/logs.
set -euo pipefail
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  [ "$(id -u)" = 0 ] || die "must run as root"
  lock_cluster
  [ -d "$S" ] || { log "nothing to stop ($S does not exist)"; return; }

  # The kubelet first, or it restarts the pods that are being removed.
  stop kubelet
  remove_pods
  stop containerd
  stop_shims
  local c
  for c in kube-scheduler kube-controller-manager kube-apiserver etcd registry; do stop "$c"; done

  unmount_state
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
    ip link del "$CNI_BRIDGE"
    log "removed bridge $CNI_BRIDGE"
  fi
  remove_kubelet_chains
  remove_kubelet_cgroups
  if ip -4 addr show dev lo | grep -q " $ADVERTISE_ADDR/32"; then
    ip addr del "$ADVERTISE_ADDR/32" dev lo
  fi
  restore_host

  # Everything but the logs and the kubectl/crictl links: the next up starts clean.
  find "$S" -mindepth 1 -maxdepth 1 ! -name logs ! -name bin -exec rm -rf {} +
  log "down; logs kept in $LOGS"
}

# Sandboxes are removed through containerd so it runs the CNI DEL of each (veth, netns,
# IP). After a crash containerd may be dead while sandboxes remain: it is started briefly
# for the clean-up.
remove_pods() {
  [ -d "$S/containerd/root" ] && [ -x "$BIN/crictl" ] || return 0
  local temporary=0
  if ! pid_alive containerd; then
    [ -f "$S/config/containerd.toml" ] || return 0
    start_containerd
    temporary=1
    wait_until 30 containerd crictl_local info || { log "containerd did not start; sandboxes stay"; return 0; }
  fi
  local pods
  pods=$(crictl_local pods -q 2>/dev/null || true)
  if [ -n "$pods" ]; then
    # A sandbox stop kills its containers at once; a second pass catches a slow one.
    # shellcheck disable=SC2086
    crictl_local rmp -f $pods >/dev/null 2>&1 || crictl_local rmp -f $pods >/dev/null 2>&1 ||
      log "some pod sandboxes could not be removed: $(crictl_local pods -q | tr '\n' ' ')"
    log "removed $(wc -w <<<"$pods") pod sandboxes"
  fi
  [ $temporary = 0 ] || stop containerd
}

# Shims outlive containerd by design (cluster_shims in lib.sh finds this cluster's).
stop_shims() {
  local pids=()
  mapfile -t pids < <(cluster_shims)
  [ ${#pids[@]} -eq 0 ] && return
  log "stopping ${#pids[@]} leftover containerd shims: ${pids[*]}"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.5
}

# Kubelet volumes, container root filesystems and sandbox /dev/shm all live under $S;
# deepest first, lazily if something still holds one.
unmount_state() {
  local m n=0
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
    n=$((n + 1))
  done < <(findmnt -rn -o TARGET | grep -F "$S/" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
  [ $n = 0 ] || log "unmounted $n mounts under $S"
}

# The kubelet creates canary chains to notice iptables flushes, and KUBE-FIREWALL (jumped
# to from INPUT and OUTPUT) to drop martian traffic to 127.0.0.0/8; nothing else uses them.
# Jumps to a chain go first, then the chain.
remove_kubelet_chains() {
  local ipt table chain rule
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for table in mangle nat filter; do
      for chain in KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT KUBE-FIREWALL; do
        "$ipt" -w 5 -t "$table" -S "$chain" >/dev/null 2>&1 || continue
        while read -r rule; do
          # iptables -S quotes comments the way a shell reads them.
          eval "\"\$ipt\" -w 5 -t \"\$table\" -D ${rule#-A }" 2>/dev/null || true
        done < <("$ipt" -w 5 -t "$table" -S | grep -E -- "^-A .* -j $chain( |\$)" || true)
        "$ipt" -w 5 -t "$table" -F "$chain" 2>/dev/null || true
        "$ipt" -w 5 -t "$table" -X "$chain" 2>/dev/null || log "could not remove $ipt $table $chain"
      done
    done
  done
}

# The kubelet's QoS cgroups (kubepods/...) under every v1 hierarchy. Normally every
# container is gone by now; a process still in one (its shim was killed before it could
# stop it) is a container of this cluster and is killed, then the empty cgroups go.
remove_kubelet_cgroups() {
  local d pids
  pids=$(find /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)
  if [ -n "$pids" ]; then
    log "killing leftover container processes: $(tr "\n" " " <<<"$pids")"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ ! -d "$d" ] || log "could not remove cgroup $d"
  done
}

restore_host() {
  local k v
  if [ -f "$RUN/sysctl.orig" ]; then
    while read -r k v; do
      [ "$(cat "/proc/sys/$k")" = "$v" ] || echo "$v" >"/proc/sys/$k" || log "could not restore $k"
    done <"$RUN/sysctl.orig"
  fi
  if [ "$(cat "$RUN/root-propagation" 2>/dev/null)" = private ]; then
    mount --make-private /
  fi
}

main "$@"
