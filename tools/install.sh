#!/usr/bin/env bash
# Install mmpose_occlusion and its pinned OpenMMLab stack into the current
# Python ($PYTHON, default: python3). Safe to run twice: parts that are already
# present (as checked by tools/check_env.py) are skipped, so a second run takes
# seconds. See docs/install.md for what each step works around.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PIP="$PY -m pip install --progress-bar off"
say() { echo "[install] $*"; }

missing=$($PY tools/check_env.py --names || true)
if [ -z "$missing" ]; then
  say "everything is installed ($($PY -c 'import sys; print(sys.executable)'))"
  exit 0
fi
say "missing: $(echo $missing | tr '\n' ' ')"
has() { echo "$missing" | grep -qx "$1"; }
t0=$(date +%s)

if has build; then
  say "build tools (setuptools>=77,<81, wheel, cython, ninja)"
  $PIP -r requirements/build.txt
fi
if has torch; then
  # Pip prefers a local '+cpu' torch wheel (found through find-links) that has
  # no matching torchvision; --isolated ignores the machine's pip config so the
  # registry's matching pair is installed. TORCH_PIP_ARGS overrides this.
  say "torch + torchvision (matching pair, ~90 s)"
  $PIP ${TORCH_PIP_ARGS---isolated} -r requirements/torch.txt
fi
if has runtime; then
  say "runtime dependencies"
  $PIP -r requirements/runtime.txt
fi
if has openmmlab; then
  say "mmengine"
  $PIP mmengine==0.10.7
  say "mmcv 2.1.0 from source with CPU ops (~13 min on 2 cores the first time; pip caches the wheel)"
  MMCV_WITH_OPS=1 $PIP --no-build-isolation mmcv==2.1.0
  say "mmdet 3.3.0 and mmpose 1.3.2 (--no-deps: mmpose's metadata pulls chumpy)"
  $PIP --no-deps mmdet==3.3.0 mmpose==1.3.2
fi
if has xtcocotools; then
  say "xtcocotools from source (the registry wheel is built for numpy 1.x)"
  $PIP --no-binary xtcocotools --no-build-isolation -r requirements/xtcocotools.txt
fi
if has mim; then
  say "openmim 0.3.9 (--no-deps: opendatalab would downgrade setuptools)"
  $PIP -r requirements/mim.txt
  $PIP --no-deps openmim==0.3.9
fi
if has tests; then
  say "test tools"
  $PIP -r requirements/tests.txt
fi
say "mmpose_occlusion (editable)"
$PIP --no-deps --no-build-isolation -e .

if ! $PY tools/check_env.py; then
  say "FAILED: the parts above marked with problems are still missing"
  exit 1
fi
say "done in $(( $(date +%s) - t0 )) s"
