#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, then the
# quickstart (synthetic data -> stock and MIPNet -> table -> picture).
# Extra arguments go to tools/analysis/quickstart.py (--retrain, --epochs N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
exec "${PYTHON:-python3}" tools/analysis/quickstart.py "$@"
