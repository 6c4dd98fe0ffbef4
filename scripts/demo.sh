#!/usr/bin/env bash
# `make demo`, the README's first command: the interactive view on the bundled demo cluster.
# Without a terminal (piped, CI logs) it prints the demo's answers instead.
# Usage: scripts/demo.sh VENV
set -uo pipefail
venv=${1:-.venv}
kt="$venv/bin/kubetraffic"

if [ -t 0 ] && [ -t 1 ]; then
  exec "$kt" --demo
fi

run() {
  printf '\n$ kubetraffic --demo %s\n' "$*"
  "$kt" --demo "$@"
  local rc=$?
  [ "$rc" -le 1 ] || echo "(exit $rc)"  # 1 is an answer (broken / denied), not a failure
}

echo "The bundled demo cluster \"shop\" (every output is marked demo; nothing is contacted)."
echo "Run 'make demo' in a terminal for the interactive view."
run summary
run trace https://admin.example.com/
run trace https://shop.example.com/api/cart
run egress payments/payments-api api.stripe.com:443
exit 0
