#!/usr/bin/env bash
# Restarts one component of the running cluster, for fault-injection tests (an API server
# restart in the middle of a run, a containerd restart under running pods):
#
#   bash test/cluster/restart.sh [--kill] COMPONENT [DOWN_SECONDS]
#
# COMPONENT is kube-apiserver, containerd, kubelet, etcd, kube-controller-manager,
# kube-scheduler or registry. The process of its PID file gets SIGTERM (SIGKILL after 20 s;
# with --kill, SIGKILL at once: a crash), stays down DOWN_SECONDS (default 0), and starts
# again with the flags up.sh gives it; the script returns once it answers (and, for the
# kubelet, once the node is Ready again). A SIGTERM'd kube-apiserver stops listening at
# once but waits for open log streams and watches, so it takes the full 20 s to exit.
# Running pods survive a containerd or kubelet restart: the shims keep the containers.
# Nothing else is touched; the other components keep running.
set -euo pipefail
# up.sh only defines its functions when sourced: its start_* functions carry the flags.
# Sourced before this script's main, which replaces up's.
source "$(cd "$(dirname "$0")" && pwd)/up.sh"
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  [ "$(id -u)" = 0 ] || die "must run as root"
  local kill=0
  if [ "${1:-}" = --kill ]; then kill=1; shift; fi
  local name=${1:-} down_for=${2:-0} t0=$SECONDS pid exe
  if [ -z "$name" ] || [[ " ${COMPONENTS[*]} " != *" $name "* ]]; then
    die "usage: restart.sh [--kill] COMPONENT [DOWN_SECONDS]; COMPONENT is one of ${COMPONENTS[*]}"
  fi
  # Not while an up or down runs: each would see half a cluster.
  lock_cluster
  pid_alive "$name" || die "$name is not running (no live process in $RUN/$name.pid); start the cluster with npm run cluster:up"

  if [ $kill = 1 ]; then
    read -r pid exe <"$RUN/$name.pid"
    kill -KILL "$pid"
    # Until the process has exited its ports are still bound, and the new one would fail
    # with "address already in use".
    while running "$pid"; do sleep 0.1; done
    log "killed $name (pid $pid)"
  fi
  stop "$name"
  sleep "$down_for"
  "start_${name//-/_}"
  local i
  for ((i = 0; i < 180; i++)); do
    if answers "$name" >/dev/null 2>&1; then break; fi
    pid_alive "$name" || fail "$name" "$name exited right after its restart"
    sleep 0.5
  done
  answers "$name" >/dev/null 2>&1 || fail "$name" "$name did not answer within 90 s of its restart"
  if [ "$name" = kubelet ]; then
    wait_until 60 node kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s ||
      fail kubelet "the node did not become Ready after the kubelet's restart"
  fi
  log "restarted $name in $((SECONDS - t0))s"
}
main "$@"
