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
  echo "total RSS of the components: $((total / 1024)) MiB"
  local shims=0 n=0 p
  for p in $(cluster_shims); do
    shims=$((shims + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    n=$((n + 1))
  done
  echo "containerd shims: $n, $((shims / 1024)) MiB RSS"
  if [ -r /sys/fs/cgroup/memory/kubepods/memory.usage_in_bytes ]; then
    echo "pods (cgroup kubepods): $(($(cat /sys/fs/cgroup/memory/kubepods/memory.usage_in_bytes) / 1048576)) MiB incl. page cache"
  fi
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
