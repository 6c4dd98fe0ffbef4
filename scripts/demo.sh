#!/usr/bin/env bash
# `make demo`, the README's first command: the interactive view on the bundled demo cluster
# when this build has it; otherwise the demo's answers from the commands that exist.
# Usage: scripts/demo.sh VENV
set -uo pipefail
venv=${1:-.venv}
kt="$venv/bin/kubetraffic"

if "$venv/bin/python" -c 'import kubetraffic.ui.app' 2>/dev/null && [ -t 1 ]; then
  exec "$kt" --demo
fi

has() { "$kt" "$1" --help >/dev/null 2>&1; }
run() {
  printf '\n$ kubetraffic --demo %s\n' "$*"
  "$kt" --demo "$@"
  local rc=$?
  [ "$rc" -le 1 ] || echo "(exit $rc)"  # 1 is an answer (broken / denied), not a failure
}

echo "The bundled demo cluster \"shop\" (every output is marked demo; nothing is contacted)."
run summary
if has trace; then
  run trace https://admin.example.com/
  run trace https://shop.example.com/api/cart
fi
if has egress; then
  run egress payments/payments-api api.stripe.com:443
fi
if ! "$venv/bin/python" -c 'import kubetraffic.ui.app' 2>/dev/null; then
  printf '\n(the interactive view is not in this build yet: `kubetraffic --demo` will open it)\n'
fi
exit 0
