# Sourced by the set-up scripts: puts a Node.js >= 22 first on PATH. When the machine's
# Node is older, installs the npm registry's `node` package (real Node binaries) into a
# cache outside the work tree and uses that.
podkit_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
PODKIT_NODE_VERSION=${PODKIT_NODE_VERSION:-24}
PODKIT_NODE_PREFIX=${PODKIT_NODE_PREFIX:-/opt/podkit-node}
if [ -x "$PODKIT_NODE_PREFIX/node_modules/.bin/node" ]; then
  export PATH="$PODKIT_NODE_PREFIX/node_modules/.bin:$PATH"
fi
if [ "$(podkit_node_major)" -lt 22 ]; then
  command -v npm >/dev/null || { echo "podkit: npm is needed to install Node.js $PODKIT_NODE_VERSION" >&2; return 1; }
  echo "podkit: Node.js $(node --version 2>/dev/null || echo none) is too old, installing node@$PODKIT_NODE_VERSION into $PODKIT_NODE_PREFIX" >&2
  mkdir -p "$PODKIT_NODE_PREFIX"
  npm install --no-save --no-audit --no-fund --prefix "$PODKIT_NODE_PREFIX" "node@$PODKIT_NODE_VERSION" >&2
  export PATH="$PODKIT_NODE_PREFIX/node_modules/.bin:$PATH"
  if [ "$(podkit_node_major)" -lt 22 ]; then
    echo "podkit: could not install Node.js >= 22 (got $(node --version 2>/dev/null || echo none))" >&2
    return 1
  fi
fi
