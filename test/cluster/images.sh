#!/usr/bin/env bash
# Builds the test images locally (no image registry is reachable from the build machines)
# and pushes them into the local registry that containerd uses as mirror for docker.io and
# registry.k8s.io, so pods name them as usual: busybox, debian:stable-slim, centos, and the
# sandbox image registry.k8s.io/pause. Image archives are cached in $PODKIT_CLUSTER_CACHE;
# a warm run pushes nothing.
set -euo pipefail
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  IMAGES=$PODKIT_CLUSTER_CACHE/images
  mkdir -p "$IMAGES"
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null || die "the local registry on $REGISTRY_ADDR does not answer; run test/cluster/up.sh"

  build_pause
  build_busybox
  build_debian
  build_centos

  push pause.tar pause:3.10
  push busybox.tar library/busybox:latest library/busybox:stable library/busybox:1.35
  push debian.tar library/debian:stable-slim library/debian:bookworm-slim library/debian:12-slim \
    library/debian:stable library/debian:bookworm library/debian:12 library/debian:latest
  push centos.tar library/centos:latest library/centos:7 library/centos:stream9
}

PATH_ENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'

# layer_tar DIR OUT packs DIR as a reproducible layer: sorted, fixed mtime, numeric owners.
layer_tar() {
  tar --sort=name --mtime=@0 --numeric-owner --format=posix --pax-option=delete=atime,delete=ctime \
    -C "$1" -cf "$2" .
}

# archive OUT CONFIG_JSON LAYER_TAR... writes a docker-archive image (what `docker save`
# writes) that skopeo can push. CONFIG_JSON is the `config` object of the image config.
archive() {
  local out=$1 config=$2 work diff_ids="" layers="" sum l cfg
  shift 2
  work=$(mktemp -d "$IMAGES/.archive.XXXXXX")
  for l in "$@"; do
    sum=$(sha256sum "$l" | cut -d' ' -f1)
    mkdir -p "$work/$sum"
    ln "$l" "$work/$sum/layer.tar" 2>/dev/null || cp "$l" "$work/$sum/layer.tar"
    diff_ids+="${diff_ids:+,}\"sha256:$sum\""
    layers+="${layers:+,}\"$sum/layer.tar\""
  done
  cfg="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":$config,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]}}"
  sum=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" >"$work/$sum.json"
  printf '[{"Config":"%s.json","RepoTags":null,"Layers":[%s]}]' "$sum" "$layers" >"$work/manifest.json"
  tar --sort=name --mtime=@0 --numeric-owner -C "$work" -cf "$out.tmp" .
  mv -f "$out.tmp" "$out"
  rm -rf "$work"
}

# Each image is rebuilt only when its inputs change: a stamp beside the archive records them.
fresh() { [ -f "$IMAGES/$1" ] && [ "$(cat "$IMAGES/$1.inputs" 2>/dev/null)" = "$2" ]; }
done_stamp() { printf '%s' "$2" >"$IMAGES/$1.inputs"; }

build_pause() {
  local src=$here/images/pause.c inputs work
  inputs="pause $(sha256sum "$src" | cut -d' ' -f1)"
  fresh pause.tar "$inputs" && return
  log "building image registry.k8s.io/pause:3.10 (static C)"
  work=$(mktemp -d)
  mkdir -p "$work/root"
  gcc -Os -static -s -o "$work/root/pause" "$src"
  layer_tar "$work/root" "$work/layer.tar"
  archive "$IMAGES/pause.tar" "{\"Entrypoint\":[\"/pause\"],\"Labels\":{\"org.opencontainers.image.description\":\"podkit test image: pause built from test/cluster/images/pause.c\"}}" "$work/layer.tar"
  rm -rf "$work"
  done_stamp pause.tar "$inputs"
}

build_busybox() {
  local inputs work a
  inputs="busybox $(dpkg-query -W -f '${Version}' busybox-static) v2"
  fresh busybox.tar "$inputs" && return
  log "building image busybox (Debian busybox-static)"
  work=$(mktemp -d)
  local r=$work/root
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home" "$r/var" "$r/usr/bin" "$r/usr/sbin" "$r/sbin"
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list-full); do
    [ "$a" = bin/busybox ] || ln -sf /bin/busybox "$r/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
  layer_tar "$r" "$work/layer.tar"
  archive "$IMAGES/busybox.tar" "{\"Env\":[$PATH_ENV],\"Cmd\":[\"sh\"],\"Labels\":{\"org.opencontainers.image.description\":\"podkit test image: BusyBox from Debian busybox-static\"}}" "$work/layer.tar"
  rm -rf "$work"
  done_stamp busybox.tar "$inputs"
}

# The Debian mirror apt already uses on this machine (it is reachable), else the default.
debian_mirror() {
  local m
  m=$(grep -hoE '^(deb|URIs:)\s+http[^ ]*/debian/?(\s|$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -1 || true)
  [ -n "$m" ] && grep -hqE "^(deb|URIs:)\s+.*$m" /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || m=http://deb.debian.org/debian
  echo "${m%/}"
}

# A real Debian (debootstrap minbase) without apt lists, docs and manuals, like the
# official slim image. The layer is the slow part of a cold start (~1 min), so it is cached.
debian_layer() {
  local suite=bookworm out=$IMAGES/debian-bookworm-layer.tar work
  [ -f "$out" ] && return
  log "debootstrap Debian $suite (minbase) from $(debian_mirror)"
  work=$(mktemp -d "$IMAGES/.debootstrap.XXXXXX")
  debootstrap --variant=minbase "$suite" "$work/root" "$(debian_mirror)" >"$LOGS/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $LOGS/debootstrap.log"
  (
    cd "$work/root"
    rm -rf var/cache/apt/* var/lib/apt/lists/* var/log/* usr/share/man/* usr/share/info/* tmp/* dev/*
    find usr/share/doc -type f ! -name copyright -delete
    find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  )
  layer_tar "$work/root" "$out.tmp"
  mv -f "$out.tmp" "$out"
  rm -rf "$work"
}

build_debian() {
  local inputs="debian bookworm v1"
  fresh debian.tar "$inputs" && return
  debian_layer
  log "building image debian:stable-slim (Debian bookworm via debootstrap)"
  archive "$IMAGES/debian.tar" "{\"Env\":[$PATH_ENV],\"Cmd\":[\"bash\"],\"Labels\":{\"org.opencontainers.image.description\":\"podkit test image: Debian bookworm minbase via debootstrap\"}}" \
    "$IMAGES/debian-bookworm-layer.tar"
  done_stamp debian.tar "$inputs"
}

# CentOS images cannot be had here. The stand-in is the Debian layer (it has sh, bash, cp,
# tar) plus a file and labels that say what it is, so nobody mistakes it for CentOS.
build_centos() {
  local inputs="centos stand-in v1" work
  fresh centos.tar "$inputs" && return
  debian_layer
  log "building image centos (labelled stand-in: Debian bookworm, not CentOS)"
  work=$(mktemp -d)
  mkdir -p "$work/root/etc"
  echo "podkit test stand-in for the centos image: a Debian bookworm rootfs, not CentOS" >"$work/root/etc/podkit-stand-in"
  layer_tar "$work/root" "$work/label.tar"
  archive "$IMAGES/centos.tar" "{\"Env\":[$PATH_ENV],\"Cmd\":[\"bash\"],\"Labels\":{\"io.podkit.stand-in\":\"true\",\"org.opencontainers.image.description\":\"podkit test stand-in for centos: a Debian bookworm rootfs, not CentOS\"}}" \
    "$IMAGES/debian-bookworm-layer.tar" "$work/label.tar"
  rm -rf "$work"
  done_stamp centos.tar "$inputs"
}

# push ARCHIVE REPO:TAG... puts an archive into the registry under each name, unless a
# stamp in the registry's own storage says that exact archive is already there. Only the
# first name is copied from the archive (compressing the layers); the others are tagged
# from it inside the registry, which moves no layer.
push() {
  local tar=$1 first=$2 ref id stamps=$PODKIT_CLUSTER_CACHE/registry/pushed
  shift
  id=$(stat -c '%s-%Y' "$IMAGES/$tar")
  mkdir -p "$stamps"
  for ref in "$@"; do
    local stamp=$stamps/${ref//\//_}
    if [ "$(cat "$stamp" 2>/dev/null)" = "$id" ] && curl -fsS -o /dev/null \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$REGISTRY_ADDR/v2/${ref%:*}/manifests/${ref##*:}"; then
      continue
    fi
    log "pushing $ref"
    local src="docker-archive:$IMAGES/$tar"
    [ "$ref" = "$first" ] || src="docker://$REGISTRY_ADDR/$first"
    skopeo copy --quiet --insecure-policy --src-tls-verify=false --dest-tls-verify=false \
      "$src" "docker://$REGISTRY_ADDR/$ref" >>"$LOGS/images.log" 2>&1 ||
      die "could not push $ref to $REGISTRY_ADDR, see $LOGS/images.log"
    echo "$id" >"$stamp"
  done
}

main "$@"
