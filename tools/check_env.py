"""Report which parts of the pinned toolchain are missing from this Python.

Usage: ``python tools/check_env.py [--names]``. Prints one line per part and
exits 0 only when every part is present and imports cleanly. With
``--names`` it prints just the names of the missing parts (one per line),
which is what ``tools/install.sh`` reads to decide what to install.

Deliberately imports nothing from this repository (it runs before install).
"""
import argparse
import importlib
import importlib.metadata as md
import os.path as osp
import subprocess
import sys

try:
    from packaging.requirements import Requirement
except ImportError:  # a bare Python: pip always vendors packaging
    from pip._vendor.packaging.requirements import Requirement

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _requirements(filename):
    """The requirement lines of ``requirements/<filename>``."""
    reqs = []
    with open(osp.join(ROOT, 'requirements', filename)) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                reqs.append(Requirement(line))
    return reqs


def _check_pins(filename):
    problems = []
    for req in _requirements(filename):
        have = _version(req.name)
        if have is None:
            problems.append(f'{req.name} not installed')
        elif not req.specifier.contains(have, prereleases=True):
            problems.append(f'{req.name} {have} installed, '
                            f'{req.specifier} required')
    return problems


def _check_import(code):
    """Import in a subprocess so a broken extension cannot crash us."""
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ['?'])[-1]
        return [f'import failed: {last}']
    return []


def check_build():
    return _check_pins('build.txt')


def check_torch():
    return _check_pins('torch.txt') or _check_import(
        'import torch, torchvision; from torchvision.ops import nms')


def check_openmmlab():
    return _check_pins('openmmlab.txt') or _check_import(
        'import mmcv.ops, mmdet.apis, mmpose.apis')


def check_xtcocotools():
    return _check_pins('xtcocotools.txt') or _check_import(
        'from xtcocotools.coco import COCO; '
        'from xtcocotools.cocoeval import COCOeval')


def check_runtime():
    return _check_pins('runtime.txt')


def check_mim():
    return (
        _check_pins('mim.txt') +
        ([] if _version('openmim') == '0.3.9' else ['openmim 0.3.9 missing']))


def check_tests():
    return _check_pins('tests.txt') or _check_import(
        'import onnx, onnxruntime')


def check_package():
    """mmpose_occlusion must be installed (editable) from *this* checkout."""
    spec = importlib.util.find_spec('mmpose_occlusion')
    if spec is None or spec.origin is None:
        return ['mmpose_occlusion not installed']
    where = osp.dirname(osp.dirname(osp.abspath(spec.origin)))
    if osp.realpath(where) != osp.realpath(ROOT):
        return [f'mmpose_occlusion installed from {where}, not {ROOT}']
    return []


PARTS = dict(
    build=check_build,
    torch=check_torch,
    openmmlab=check_openmmlab,
    xtcocotools=check_xtcocotools,
    runtime=check_runtime,
    mim=check_mim,
    tests=check_tests,
    package=check_package)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--names',
        action='store_true',
        help='print only the names of missing parts')
    args = parser.parse_args()
    # judge the installed package, not this checkout (which PYTHONPATH=. or
    # `python -m` would put first on the import path)
    sys.path = [p for p in sys.path if osp.realpath(p or '.') != ROOT]
    missing = []
    for name, fn in PARTS.items():
        problems = fn()
        if problems:
            missing.append(name)
        if not args.names:
            print(
                f'{name:12s} {"ok" if not problems else "; ".join(problems)}')
    if args.names:
        print('\n'.join(missing))
    sys.exit(1 if missing else 0)


if __name__ == '__main__':
    main()
