#!/usr/bin/env bash
# Builds pinned upstream Kubernetes and etcd binaries from the Go module proxy and caches
# them by version outside the work tree. A warm run only checks the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.sh"

out="$PODKIT_CLUSTER_CACHE/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION"
want=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl etcd etcdctl)
have_all() { for b in "${want[@]}"; do [ -x "$out/$b" ] || return 1; done; }
if have_all; then echo "binaries: cached in $out"; exit 0; fi

# One build at a time: a second caller waits for the first and then finds the cache.
mkdir -p "$PODKIT_CLUSTER_CACHE"
exec 9>"$PODKIT_CLUSTER_CACHE/build.lock"
flock 9
if have_all; then echo "binaries: cached in $out"; exit 0; fi

export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
export GOMODCACHE="$PODKIT_CLUSTER_CACHE/gomod" GOCACHE="$PODKIT_CLUSTER_CACHE/gobuild"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
start=$(date +%s)
mkdir -p "$out.tmp"

# Kubernetes: upstream's go.mod replaces its staging modules with local paths, so wrap it
# in a module that points each staging module at its published version instead.
kmod="$PODKIT_CLUSTER_CACHE/src/k8s-$KUBE_VERSION"
mkdir -p "$kmod"
cd "$kmod"
[ -f go.mod ] || go mod init podkit.local/k8s-build >/dev/null 2>&1
upstream_gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
staging_version="v0.${KUBE_VERSION#v1.}"
grep -Eo '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_gomod" |
  awk '{print $1}' | sort -u | while read -r m; do
    go mod edit -replace "$m=$m@$staging_version"
  done
echo "binaries: $(grep -c '=> k8s.io' go.mod) staging modules pinned to $staging_version"
pkgs=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
go get "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
for p in "${pkgs[@]}"; do go get "k8s.io/kubernetes/cmd/$p@$KUBE_VERSION" >/dev/null; done
minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for p in "${pkgs[@]}"; do
  echo "binaries: building $p"
  go build -trimpath -tags selinux,notest -ldflags "$ld" -o "$out.tmp/$p" "k8s.io/kubernetes/cmd/$p"
done

# etcd
emod="$PODKIT_CLUSTER_CACHE/src/etcd-$ETCD_VERSION"
mkdir -p "$emod"
cd "$emod"
[ -f go.mod ] || go mod init podkit.local/etcd-build >/dev/null 2>&1
go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION" >/dev/null
echo "binaries: building etcd"
go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcdctl" go.etcd.io/etcd/etcdctl/v3

rm -rf "$out"
mv "$out.tmp" "$out"
echo "binaries: built in $(( $(date +%s) - start ))s into $out"
