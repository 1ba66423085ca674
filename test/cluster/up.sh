#!/usr/bin/env bash
# Starts a real single-node Kubernetes on this machine for the integration tests: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, containerd and the kubelet, all
# on loopback, with locally built images served by a local registry. Idempotent: when the
# cluster already runs this is a quick no-op; after a crash it cleans up and starts anew.
# Everything it starts is recorded by PID in $PODKIT_CLUSTER_STATE/run for down.sh.
set -euo pipefail
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  source "$here/pki.sh"
  [ "$(id -u)" = 0 ] || die "must run as root: it installs packages, mounts and configures network interfaces"
  local t0=$SECONDS
  lock_cluster

  if healthy; then
    log "already running ($(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}'))"
    usage
    return
  fi
  if compgen -G "$RUN/*.pid" >/dev/null || [ -e "$S/kubelet" ] || [ -e "$S/containerd" ]; then
    log "cleaning up state of an earlier run that is not healthy"
    bash "$here/down.sh"
  fi

  rotate_logs
  install_packages
  bash "$here/build-binaries.sh" >&2
  prepare_host
  make_pki
  write_configs

  start_registry
  # Images build while the control plane starts: a cold debootstrap takes a minute.
  bash "$here/images.sh" >>"$LOGS/images.log" 2>&1 &
  local images_pid=$!

  start_etcd
  wait_until 30 etcd answers etcd || fail etcd "etcd is not healthy"
  start_kube_apiserver
  wait_until 90 kube-apiserver answers kube-apiserver || fail kube-apiserver "the API server did not become ready"
  start_kube_controller_manager
  start_kube_scheduler
  start_containerd
  wait_until 30 containerd answers containerd || fail containerd "containerd does not answer on $CONTAINERD_SOCK"

  # The kubelet must not start before the sandbox image is in the registry, or the first
  # pod's sandbox pull fails and backs off.
  wait "$images_pid" || fail images "building or pushing the images failed"

  start_kubelet
  wait_until 120 node kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s ||
    fail kubelet "the node did not become Ready"
  wait_until 60 serviceaccount kubectl_admin -n default get serviceaccount default ||
    fail kube-controller-manager "the default ServiceAccount was not created"
  log "up in $((SECONDS - t0))s"
  usage
}

# The start functions below start one component each with its flags; up runs them in
# order and restart.sh runs one of them again. Each returns once the process is started:
# `answers NAME` (lib.sh) says when it serves.
start_etcd() {
  start etcd "$BIN/etcd" --name podkit --data-dir "$S/etcd" \
    --listen-client-urls "http://$ETCD_CLIENT" --advertise-client-urls "http://$ETCD_CLIENT" \
    --listen-peer-urls "http://$ETCD_PEER" --initial-advertise-peer-urls "http://$ETCD_PEER" \
    --initial-cluster "podkit=http://$ETCD_PEER" --listen-metrics-urls "" \
    --quota-backend-bytes 2147483648 --log-level warn
}

start_kube_apiserver() {
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://$ETCD_CLIENT" \
    --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" --advertise-address "$ADVERTISE_ADDR" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --allow-privileged=true --profiling=false
}

start_kube_controller_manager() {
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$S/kubeconfigs/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
}

start_kube_scheduler() {
  start kube-scheduler "$BIN/kube-scheduler" --config "$S/config/scheduler.yaml" \
    --authentication-kubeconfig "$S/kubeconfigs/scheduler.kubeconfig" \
    --authorization-kubeconfig "$S/kubeconfigs/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --profiling=false
}

start_kubelet() {
  start kubelet "$BIN/kubelet" --config "$S/config/kubelet.yaml" \
    --kubeconfig "$S/kubeconfigs/kubelet.kubeconfig" --root-dir "$S/kubelet" \
    --hostname-override "$NODE_NAME" --v 1
}

# healthy succeeds when every component runs and the node is Ready.
healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || return 1; done
  [ -f "$S/kubeconfig" ] && kubectl_admin get --raw /readyz >/dev/null 2>&1 &&
    [ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

usage() {
  echo "cluster: logs in $LOGS, kubectl in $S/bin/kubectl" >&2
  echo "export KUBECONFIG=$S/kubeconfig"
}

# fail COMPONENT MESSAGE shows the tail of the component's log, so CI output says why.
fail() {
  log "$2; last lines of $LOGS/$1.log:"
  tail -n 40 "$LOGS/$1.log" >&2 || true
  exit 1
}

install_packages() {
  # containerd itself is built from source (build-binaries.sh); Debian's runc runs the
  # containers.
  local want=(runc containernetworking-plugins busybox-static debootstrap docker-registry
    skopeo openssl curl iptables iproute2 util-linux procps gcc libc6-dev ca-certificates) missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >>"$LOGS/apt.log" 2>&1 || { tail "$LOGS/apt.log" >&2; die "apt-get update failed"; }
  # Packages' init scripts must not start services of their own (a registry on :5000):
  # this script starts what it needs itself.
  local policy=0 rc=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 || rc=$?
  [ $policy = 0 ] || rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { tail -20 "$LOGS/apt.log" >&2; die "apt-get install failed"; }
}

# Old logs move aside, so $LOGS holds this run's and the one before.
rotate_logs() {
  mkdir -p "$LOGS"
  if compgen -G "$LOGS/*.log" >/dev/null; then
    rm -rf "$LOGS/previous"
    mkdir -p "$LOGS/previous"
    mv "$LOGS"/*.log "$LOGS/previous/"
  fi
}

prepare_host() {
  mkdir -p "$S/bin" "$S/config" "$RUN"
  ln -sfn "$BIN/kubectl" "$S/bin/kubectl"
  ln -sfn "$BIN/crictl" "$S/bin/crictl"

  # Volume mounts made by the kubelet must propagate into containers; a root mount that
  # is private (common without systemd) breaks that. Down restores what was here.
  findmnt -no PROPAGATION / >"$RUN/root-propagation"
  mount --make-rshared /
  if ! ip -4 addr show dev lo | grep -q " $ADVERTISE_ADDR/32"; then
    ip addr add "$ADVERTISE_ADDR/32" dev lo label "$ADVERTISE_LABEL"
  fi
  # The kubelet sets these kernel tunables (as on every node); down.sh puts them back.
  local k
  for k in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops; do
    echo "$k $(cat "/proc/sys/$k")"
  done >"$RUN/sysctl.orig"
}

write_configs() {
  local cert_dir=$S/containerd/certs.d h
  mkdir -p "$S/cni/net.d" "$S/pod-logs"
  # No ipMasq and no portmap: pods reach the host, nothing else, and teardown has no
  # iptables rules of the CNI plugins to remove.
  cat >"$S/cni/net.d/10-podkit.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$S/cni/ipam"
      }
    }
  ]
}
EOF

  # Registry mirrors: docker.io, registry.k8s.io and every other registry (_default)
  # resolve to the local registry only, so pulls never leave the machine and a name that
  # is not there fails fast with ErrImagePull instead of timing out upstream.
  for h in docker.io registry.k8s.io _default; do
    mkdir -p "$cert_dir/$h"
    cat >"$cert_dir/$h/hosts.toml" <<EOF
server = "http://$REGISTRY_ADDR"

[host."http://$REGISTRY_ADDR"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
EOF
  done

  # Config version 4, containerd 2.4's own: an older version is migrated on every start,
  # with a warning in the log.
  cat >"$S/config/containerd.toml" <<EOF
version = 4
root = "$S/containerd/root"
state = "$S/containerd/state"
oom_score = 0
# Nothing from the host's /etc/containerd/conf.d (containerd 2's default import).
imports = []

[plugins."io.containerd.server.v1.grpc"]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.server.v1.ttrpc"]
  address = "$CONTAINERD_SOCK.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$S/containerd/opt"

# NRI stays on as in production, with its socket in this cluster's run directory rather
# than /var/run/nri.
[plugins."io.containerd.nri.v1.nri"]
  socket_path = "$RUN/nri.sock"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$cert_dir"

[plugins."io.containerd.cri.v1.runtime"]
  # Required on hosts without CAP_SYS_RESOURCE in the container manager's user namespace:
  # a negative oom_score_adj is refused and every sandbox would fail to start.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$S/containerd/runc"
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$S/cni/net.d"

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF

  cat >"$S/config/scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $S/kubeconfigs/scheduler.kubeconfig
leaderElection:
  leaderElect: false
EOF

  # Upstream defaults except where this machine needs otherwise (see each comment).
  cat >"$S/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# Loopback only: the apiserver reaches the kubelet (logs, exec) on 127.0.0.1.
address: 127.0.0.1
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
# No systemd manages cgroups here, and the host still mounts cgroup v1.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podLogsDir: $S/pod-logs
# There is no cluster DNS, but every real cluster configures one; without it the kubelet
# puts a MissingClusterDNS warning event on every pod, which tests of event handling see.
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
# Never garbage-collect images: the locally built pause image cannot be pulled back from
# anywhere but the local registry, and a removed sandbox image stalls pods.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# Build machines have small, busy disks: the default 10-15 % thresholds would taint the
# node with disk pressure and evict test pods.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
EOF
}

start_registry() {
  mkdir -p "$PODKIT_CLUSTER_CACHE/registry/data"
  # Only what a local mirror needs: no auth, storage in the cache so a warm start pushes
  # nothing, loopback address.
  cat >"$S/config/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $PODKIT_CLUSTER_CACHE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  start registry /usr/bin/docker-registry serve "$S/config/registry.yml"
  wait_until 20 registry answers registry || fail registry "the local registry did not start on $REGISTRY_ADDR"
}

# restart.sh sources this file for its start functions; only running it starts the cluster.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
