#!/usr/bin/env bash
# The main job from a fresh clone: Node, dependencies, a cluster (the one you have
# configured, else the project's local single-node cluster), then the first reference
# example through the podkit command line: a Debian pod that prints 1 to 10.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
if [ -z "${KUBECONFIG:-}" ] && [ ! -f "$HOME/.kube/config" ] && [ -z "${KUBERNETES_SERVICE_HOST:-}" ]; then
  npm run --silent cluster:up
fi
exec node cli/main.ts run examples/kestra/launch-a-pod.yaml "$@"
