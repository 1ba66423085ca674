#!/usr/bin/env bash
# What of the local cluster runs, with PIDs, memory and where the logs are. Exits non-zero
# when a component is not running.
set -euo pipefail
main() {
  source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
  local c pid exe rss total=0 down=0
  printf '%-24s %-8s %-9s %s\n' COMPONENT PID RSS LOG
  for c in "${COMPONENTS[@]}"; do
    if pid_alive "$c"; then
      read -r pid exe <"$RUN/$c.pid"
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
      total=$((total + rss))
      printf '%-24s %-8s %-9s %s\n' "$c" "$pid" "$((rss / 1024))M" "$LOGS/$c.log"
    else
      printf '%-24s %-8s %-9s %s\n' "$c" - stopped "$LOGS/$c.log"
      down=1
    fi
  done
  echo "total RSS of the components: $((total / 1024)) MiB (containers not included)"
  if [ $down = 0 ]; then
    echo
    kubectl_admin get nodes -o wide 2>&1 || true
    echo
    kubectl_admin get pods -A 2>&1 || true
    echo
    echo "export KUBECONFIG=$S/kubeconfig"
    echo "kubectl: $S/bin/kubectl   crictl: $S/bin/crictl --runtime-endpoint unix://$CONTAINERD_SOCK"
  fi
  return $down
}
main "$@"
