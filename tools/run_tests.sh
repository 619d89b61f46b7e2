#!/usr/bin/env bash
# The test suite on a fresh machine: install what is missing, then pytest.
# Extra arguments go to pytest (e.g. -k synthetic, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
exec "${PYTHON:-python3}" -m pytest tests "$@"
