# Sourced by the cluster scripts: paths, addresses and process helpers they share.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/versions.sh"

# ip, iptables, debootstrap and the kubelet's mount helpers live in sbin directories that a
# non-login PATH (npm, CI) may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

S=$PODKIT_CLUSTER_STATE
BIN=$PODKIT_CLUSTER_CACHE/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION
# containerd, containerd-shim-runc-v2 and ctr of the pinned containerd version.
CONTAINERD_BIN=$PODKIT_CLUSTER_CACHE/bin/containerd-$CONTAINERD_VERSION
RUN=$S/run            # PID files and sockets of the processes up.sh started
LOGS=$S/logs          # one log file per component
PKI=$S/pki
CONTAINERD_SOCK=$RUN/containerd.sock

# The node is named after the loopback address: a node name that parses as an IP becomes
# the node's address, so the apiserver reaches the kubelet on 127.0.0.1 without any NIC.
NODE_NAME=127.0.0.1
# The apiserver refuses a loopback advertise address (it becomes the endpoint of the
# `kubernetes` Service), so it gets a private /32 of its own on `lo`. Nothing is routed
# off the machine: an address on `lo` is only reachable locally.
ADVERTISE_ADDR=${PODKIT_ADVERTISE_ADDR:-10.89.255.1}
ADVERTISE_LABEL=lo:podkit
SERVICE_CIDR=10.0.0.0/24
SERVICE_IP=10.0.0.1
DNS_IP=10.0.0.10
POD_CIDR=10.88.0.0/16
CNI_BRIDGE=podkit0
CNI_NETWORK=podkit
REGISTRY_ADDR=${PODKIT_REGISTRY_ADDR:-127.0.0.1:5005}
ETCD_CLIENT=127.0.0.1:2379
ETCD_PEER=127.0.0.1:2380
APISERVER_PORT=6443

# Components start from a clean environment: a proxy variable would send loopback
# traffic (apiserver → kubelet, containerd → registry) to a proxy that cannot reach it.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY all_proxy ALL_PROXY

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: $*" >&2; exit 1; }

# pid_alive NAME succeeds when the process recorded in NAME's PID file still runs the
# program it was started as (a recycled PID belonging to someone else does not count).
pid_alive() {
  local f=$RUN/$1.pid pid exe
  [ -f "$f" ] || return 1
  read -r pid exe <"$f" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]
}

# lock_cluster: one up or down at a time (two users, or CI and a developer, starting
# the cluster together would each start half of it). The nested down of an up holds it.
lock_cluster() {
  [ -z "${PODKIT_CLUSTER_LOCKED:-}" ] || return 0
  mkdir -p "$(dirname "$S")"
  exec 8>"$S.lock"
  flock -w 900 8 || die "another cluster up or down is still running after 15 minutes ($S.lock)"
  export PODKIT_CLUSTER_LOCKED=1
}

# start NAME PROGRAM ARGS... runs a component in the background in its own session, with
# output to $LOGS/NAME.log, and records "PID PROGRAM" so only this process is stopped later.
start() {
  local name=$1 prog=$2
  shift 2
  prog=$(readlink -f "$(command -v "$prog")")
  mkdir -p "$RUN" "$LOGS"
  # fd 8 (the lock) is closed so that a long-running component does not hold it.
  setsid "$prog" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 8>&- &
  echo "$! $prog" >"$RUN/$name.pid"
  log "started $name (pid $!), log $LOGS/$name.log"
}

# running PID: some thread of the process has not exited yet. The main thread of a killed
# Go program turns zombie (waiting for its parent to reap it) while its other threads still
# exit and hold its files: its listening ports are free only when every thread is gone.
running() {
  local t state
  for t in /proc/"$1"/task/*/stat; do
    state=$(sed 's/.*) //' "$t" 2>/dev/null | cut -d' ' -f1) || continue
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ] || return 0
  done
  return 1
}

# stop NAME [SECONDS] sends SIGTERM to the process of NAME's PID file, waits, then SIGKILL.
stop() {
  local name=$1 wait=${2:-20} pid exe i
  if pid_alive "$name"; then
    read -r pid exe <"$RUN/$name.pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      log "$name (pid $pid) did not stop on SIGTERM, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid"
}

# wait_until SECONDS WHAT COMMAND... polls COMMAND every half second.
wait_until() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

# start_containerd starts the cached containerd (see build-binaries.sh). Its directory
# comes first on the daemon's PATH, where the daemon looks for containerd-shim-runc-v2: the
# shim of the same version, never a Debian one in /usr/bin.
start_containerd() {
  PATH=$CONTAINERD_BIN:$PATH start containerd "$CONTAINERD_BIN/containerd" --config "$S/config/containerd.toml"
}

# answers NAME succeeds when the component serves requests (the health endpoint or API it
# offers on loopback).
answers() {
  case $1 in
    registry) curl -fsS "http://$REGISTRY_ADDR/v2/" ;;
    etcd) curl -fsS "http://$ETCD_CLIENT/health" ;;
    kube-apiserver) kubectl_admin get --raw /readyz ;;
    # /healthz of these two needs no credentials; their certificates are self-signed.
    kube-controller-manager) curl -fsSk https://127.0.0.1:10257/healthz ;;
    kube-scheduler) curl -fsSk https://127.0.0.1:10259/healthz ;;
    containerd) crictl_local info ;;
    kubelet) curl -fsS http://127.0.0.1:10248/healthz ;;
    *) return 1 ;;
  esac
}

# cluster_shims prints the PIDs of the shims serving this cluster. Shims outlive containerd
# by design. They are recognised by the socket path of this cluster's containerd on their
# command line, whichever containerd-shim-runc-v2 they run (the cached one, or Debian's
# left by a cluster of an older checkout); no other shim matches.
cluster_shims() {
  local p
  for p in /proc/[0-9]*; do
    case "$(readlink "$p/exe" 2>/dev/null)" in */containerd-shim-runc-v2) ;; *) continue ;; esac
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "-address $CONTAINERD_SOCK " && echo "${p#/proc/}"
  done
  return 0
}

kubectl_admin() { "$BIN/kubectl" --kubeconfig "$S/kubeconfig" "$@"; }
crictl_local() { "$BIN/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s "$@"; }

# Components in start order; down.sh stops them in reverse.
COMPONENTS=(registry etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet)
