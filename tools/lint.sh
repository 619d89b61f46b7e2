#!/usr/bin/env bash
# The linters CI runs: flake8, isort and yapf with the settings in setup.cfg
# (OpenMMLab's). `bash tools/lint.sh --fix` lets isort and yapf rewrite the
# files first. Needs requirements/tests.txt (tools/install.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PATHS=(mmpose_occlusion tools demo tests configs setup.py)
if [ "${1:-}" = "--fix" ]; then
  "$PY" -m isort -q "${PATHS[@]}"
  "$PY" -m yapf -i -r "${PATHS[@]}"
fi
"$PY" -m flake8 "${PATHS[@]}"
"$PY" -m isort --check-only --diff "${PATHS[@]}"
out=$("$PY" -m yapf --diff -r "${PATHS[@]}" || true)
if [ -n "$out" ]; then
  echo "$out"
  echo "[lint] yapf would reformat the files above: bash tools/lint.sh --fix"
  exit 1
fi
echo "[lint] flake8, isort and yapf pass"
