#!/usr/bin/env bash
# Create the virtualenv and install kubetraffic with its test extras.
# Usage: scripts/bootstrap.sh PYTHON VENV
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "kubetraffic needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating virtualenv $venv"
  "$python" -m venv "$venv"
fi
echo "==> installing kubetraffic and its test dependencies into $venv"
"$venv/bin/python" -m pip install -qq --upgrade pip
"$venv/bin/python" -m pip install -qq -e '.[test]'
