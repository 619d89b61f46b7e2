#!/usr/bin/env bash
# The OpenMMLab stack for a GPU machine that has its own Python and CUDA
# build of torch but no package registry (docs/benchmark.md, "The GPU path").
#
#   bash tools/misc/offline_stack.sh download [PYVER]   # here, with the registry
#   bash tools/misc/offline_stack.sh install            # there, offline
#   export PYTHONPATH=/tmp/site:$PWD
#
# download: the pure-Python OpenMMLab wheels and the compiled helpers for
# CPython PYVER (default 3.12) into .whl/, and xtcocotools' sources into
# .whl/src/ (it has no wheel for 3.12). MMCV comes as mmcv-lite, MMCV without
# its compiled ops (building them takes minutes that a short GPU loan does
# not have). MMPose 1.3.2 imports ``mmcv.ops`` when its model package loads
# (the ED-Pose head), though none of the crowd benchmark's models runs an op:
# ``install`` therefore writes a stand-in ``mmcv/_ext.py`` whose every op
# raises a RuntimeError that names it. Anything that runs a compiled op
# (MMDetection's detectors, the detector demo) needs the full MMCV built on
# that machine instead (docs/benchmark.md).
# install: the wheels into SITE (default /tmp/site), xtcocotools built there
# (needs Cython and NumPy on that machine), the stand-in ops module.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHL=${WHL:-.whl}
SITE=${SITE:-/tmp/site}
PKGS="mmengine==0.10.7 mmpose==1.3.2 mmdet==3.3.0 mmcv-lite==2.1.0
pycocotools==2.0.11 shapely==2.2.0 terminaltables==3.1.10
json_tricks==3.17.3 munkres==3.0.0 addict==2.4.0 yapf==0.43.0
platformdirs==4.14.8 termcolor==3.3.0"
case "${1:-}" in
download)
    ver=${2:-3.12}
    mkdir -p "$WHL/src"
    # shellcheck disable=SC2086
    python3 -m pip download -q --no-deps --only-binary=:all: \
        --python-version "$ver" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d "$WHL" $PKGS
    python3 -m pip download -q --no-deps --no-binary :all: -d "$WHL/src" \
        xtcocotools==1.14.3
    du -sh "$WHL" ;;
install)
    python3 -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target "$SITE" "$WHL"/*.whl
    python3 -m pip install -q --no-index --no-deps --no-build-isolation \
        --no-cache-dir --target "$SITE" "$WHL"/src/xtcocotools-*.tar.gz
    if [ ! -e "$SITE"/mmcv/_ext.py ] && ! ls "$SITE"/mmcv/_ext*.so \
            >/dev/null 2>&1; then
        cat > "$SITE"/mmcv/_ext.py <<'PY'
"""Stand-in for MMCV's compiled ops (mmcv-lite, tools/misc/offline_stack.sh):
importing works, running any op raises."""


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)

    def missing(*args, **kwargs):
        raise RuntimeError(
            f'mmcv.ops: {name!r} is a compiled op, and this MMCV is mmcv-lite '
            'with a stand-in ops module (tools/misc/offline_stack.sh). Build '
            'the full MMCV on this machine to run it.')
    return missing
PY
    fi
    PYTHONPATH="$SITE:$PWD" python3 -c "
import torch, mmcv, mmengine, mmpose, xtcocotools, mmpose_occlusion
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
      'mmcv', mmcv.__version__, 'mmengine', mmengine.__version__,
      'mmpose', mmpose.__version__)" ;;
*)
    echo "usage: $0 download [PYVER] | install" >&2; exit 2 ;;
esac
