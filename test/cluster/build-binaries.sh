#!/usr/bin/env bash
# Builds pinned upstream Kubernetes, etcd, crictl and containerd binaries from the Go module
# proxy and caches them by version outside the work tree. A warm run only checks the cache.
set -euo pipefail
# The whole body is one function, parsed before it runs: bash reads scripts lazily, so
# editing this file (a git pull) during a long build would otherwise break the run.
main() {
  local here
  here=$(cd "$(dirname "$0")" && pwd)
  source "$here/versions.sh"

  out="$PODKIT_CLUSTER_CACHE/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION"
  ctrd="$PODKIT_CLUSTER_CACHE/bin/containerd-$CONTAINERD_VERSION"
  kube=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
  containerd=(containerd containerd-shim-runc-v2 ctr)
  if missing "${kube[@]}" etcd etcdctl crictl || out=$ctrd missing "${containerd[@]}"; then :; else
    echo "binaries: cached in $out and $ctrd"
    exit 0
  fi

  # One build at a time: a second caller waits for the first and then finds the cache.
  mkdir -p "$PODKIT_CLUSTER_CACHE" "$out" "$ctrd"
  exec 9>"$PODKIT_CLUSTER_CACHE/build.lock"
  flock 9

  # Debian's golang (1.19) is too old for Kubernetes 1.34 (it needs Go >= 1.24); the build
  # machines have a current Go in /usr/local/go, which a non-login PATH may lack.
  [ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
  local gov
  gov=$(go env GOVERSION 2>/dev/null || true)
  case "$gov" in
    go1.2[4-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
    *) echo "binaries: cannot build Kubernetes $KUBE_VERSION: it needs Go >= 1.24 on PATH, found '${gov:-no go}'" >&2; exit 1 ;;
  esac
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  export GOMODCACHE="$PODKIT_CLUSTER_CACHE/gomod" GOCACHE="$PODKIT_CLUSTER_CACHE/gobuild"
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
  local start
  start=$(date +%s)

  if missing "${kube[@]}"; then build_kubernetes; fi
  if missing etcd etcdctl; then build_etcd; fi
  if missing crictl; then build_crictl; fi
  if out=$ctrd missing "${containerd[@]}"; then out=$ctrd build_containerd; fi
  echo "binaries: built in $(( $(date +%s) - start ))s into $out and $ctrd"
}

# missing NAME... succeeds when any of the binaries is not in the cache yet.
missing() {
  local b
  for b in "$@"; do [ -x "$out/$b" ] || return 0; done
  return 1
}

# quiet COMMAND... runs a go command without its long list of module downloads, but shows
# everything when it fails.
quiet() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ $rc != 0 ]; then
    echo "$out" >&2
    echo "binaries: failed: $*" >&2
    exit $rc
  fi
  [ -z "$out" ] || grep -v '^go: \(downloading\|added\|upgraded\|finding\)' <<<"$out" || true
}

# gobuild NAME PACKAGE [FLAGS...] builds one binary beside its final name and renames it,
# so an interrupted build never leaves a half-written binary that looks cached.
gobuild() {
  local name=$1 pkg=$2
  shift 2
  echo "binaries: building $name"
  go build -trimpath "$@" -o "$out/.$name.tmp" "$pkg"
  mv -f "$out/.$name.tmp" "$out/$name"
}

build_kubernetes() {
  # Upstream's go.mod replaces its staging modules with local paths, so wrap it in a
  # module that points each staging module at its published version instead.
  local kmod="$PODKIT_CLUSTER_CACHE/src/k8s-$KUBE_VERSION" upstream_gomod m p pkg
  mkdir -p "$kmod"
  cd "$kmod"
  [ -f go.mod ] || go mod init podkit.local/k8s-build >/dev/null 2>&1
  upstream_gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  local staging_version="v0.${KUBE_VERSION#v1.}"
  grep -Eo '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_gomod" |
    awk '{print $1}' | sort -u | while read -r m; do
      go mod edit -replace "$m=$m@$staging_version"
    done
  echo "binaries: $(grep -c '=> k8s.io' go.mod) staging modules pinned to $staging_version"
  quiet go get "k8s.io/kubernetes@$KUBE_VERSION"
  for p in "${kube[@]}"; do quiet go get "k8s.io/kubernetes/cmd/$p@$KUBE_VERSION"; done
  local minor ld="-s -w"
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  # Without these the binaries report v0.0.0, which kubectl and the kubelet warn about.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for p in "${kube[@]}"; do
    missing "$p" || continue
    gobuild "$p" "k8s.io/kubernetes/cmd/$p" -tags selinux,notest -ldflags "$ld"
  done
}

build_etcd() {
  local emod="$PODKIT_CLUSTER_CACHE/src/etcd-$ETCD_VERSION"
  mkdir -p "$emod"
  cd "$emod"
  [ -f go.mod ] || go mod init podkit.local/etcd-build >/dev/null 2>&1
  quiet go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION"
  gobuild etcd go.etcd.io/etcd/server/v3 -ldflags "-s -w"
  gobuild etcdctl go.etcd.io/etcd/etcdctl/v3 -ldflags "-s -w"
}

# crictl lets teardown stop pod sandboxes through the CRI, so containerd itself removes
# their network namespaces, veths and iptables rules.
build_crictl() {
  local cmod="$PODKIT_CLUSTER_CACHE/src/cri-tools-$CRI_TOOLS_VERSION"
  mkdir -p "$cmod"
  cd "$cmod"
  [ -f go.mod ] || go mod init podkit.local/cri-tools-build >/dev/null 2>&1
  quiet go get "sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION"
  gobuild crictl sigs.k8s.io/cri-tools/cmd/crictl \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRI_TOOLS_VERSION"
}

# containerd from source rather than Debian's 1.6.20, whose CRI plugin closes a container's
# output FIFOs when the container exits, before the shim has copied the rest of the
# container's pipe into them: the tail of a burst printed just before exit never reaches
# the log file (README.md has the measurements). The shim comes from the same version:
# the daemon finds it on PATH (up.sh puts this directory first).
build_containerd() {
  local cmod="$PODKIT_CLUSTER_CACHE/src/containerd-$CONTAINERD_VERSION" c
  mkdir -p "$cmod"
  cd "$cmod"
  [ -f go.mod ] || go mod init podkit.local/containerd-build >/dev/null 2>&1
  quiet go get "github.com/containerd/containerd/v2@$CONTAINERD_VERSION"
  # CGO stays off: these tags leave out the snapshotters that need C libraries (btrfs,
  # devmapper, zfs); the cluster uses overlayfs. The shim needs no seccomp library: runc
  # (Debian's) applies the profiles.
  for c in "${containerd[@]}"; do
    gobuild "$c" "github.com/containerd/containerd/v2/cmd/$c" \
      -tags "no_btrfs no_devmapper no_zfs urfave_cli_no_docs" \
      -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
  done
}

main "$@"
