# Sourced by CI and the cross-runtime suite: puts Deno and Bun first on PATH. When either
# is missing, installs the npm registry's real binaries (`@deno/linux-x64-glibc`,
# `@oven/bun-linux-x64`, or their arm64 twins) into a cache outside the work tree.
# Needs npm (source scripts/ensure-node.sh first). Versions: PODKIT_DENO_VERSION,
# PODKIT_BUN_VERSION; cache: PODKIT_RUNTIMES_PREFIX.
PODKIT_DENO_VERSION=${PODKIT_DENO_VERSION:-2.9.6}
PODKIT_BUN_VERSION=${PODKIT_BUN_VERSION:-1.4.5}
PODKIT_RUNTIMES_PREFIX=${PODKIT_RUNTIMES_PREFIX:-/opt/podkit-runtimes}

podkit_runtime_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) echo "podkit: no Deno/Bun package for $(uname -m)" >&2; return 1 ;;
  esac
}

# podkit_install_runtime NAME VERSION PACKAGE RELATIVE_BINARY
podkit_install_runtime() {
  local name=$1 version=$2 package=$3 binary=$4
  local prefix="$PODKIT_RUNTIMES_PREFIX/$name-$version"
  if [ ! -x "$prefix/node_modules/$package/$binary" ]; then
    command -v npm >/dev/null || { echo "podkit: npm is needed to install $name $version" >&2; return 1; }
    echo "podkit: installing $package@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --no-save --no-audit --no-fund --prefix "$prefix" "$package@$version" >&2 || return 1
    chmod +x "$prefix/node_modules/$package/$binary"
  fi
  mkdir -p "$PODKIT_RUNTIMES_PREFIX/bin"
  ln -sf "$prefix/node_modules/$package/$binary" "$PODKIT_RUNTIMES_PREFIX/bin/$name"
}

podkit_ensure_runtimes() {
  local arch
  arch=$(podkit_runtime_arch) || return 1
  local deno_package="@deno/linux-$arch-glibc" bun_package="@oven/bun-linux-$arch"
  podkit_install_runtime deno "$PODKIT_DENO_VERSION" "$deno_package" deno || return 1
  podkit_install_runtime bun "$PODKIT_BUN_VERSION" "$bun_package" bin/bun || return 1
  export PATH="$PODKIT_RUNTIMES_PREFIX/bin:$PATH"
  local deno_got bun_got
  deno_got=$(deno --version 2>/dev/null | head -n1 | awk '{print $2}')
  bun_got=$(bun --version 2>/dev/null)
  if [ "$deno_got" != "$PODKIT_DENO_VERSION" ] || [ "$bun_got" != "$PODKIT_BUN_VERSION" ]; then
    echo "podkit: expected deno $PODKIT_DENO_VERSION and bun $PODKIT_BUN_VERSION, got deno ${deno_got:-none} and bun ${bun_got:-none}" >&2
    return 1
  fi
}
podkit_ensure_runtimes
