#!/usr/bin/env bash
# The whole test suite from a fresh clone: Node, dependencies, a cluster, then unit and
# integration tests. Uses the cluster of KUBECONFIG when set, else starts the project's
# local single-node cluster (test/cluster) and leaves it running for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
if [ -z "${KUBECONFIG:-}" ] && [ "${PODKIT_TEST_CLUSTER:-}" != k3s ]; then
  npm run --silent cluster:up
fi
npm run --silent typecheck
npx vitest run "$@"
