"""The package's imports run one way: structures, utils and the registries
at the bottom, then models, datasets and the other roles, then proposals,
then apis (tools and demo sit on top, outside the package). A module may
import its own subpackage and anything in a lower layer, never a higher or
equal one: that is what keeps the import graph free of circles."""
import ast
import os.path as osp
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'mmpose_occlusion'
LAYERS = {
    'structures': 0,
    'utils': 0,
    'registry': 0,
    'version': 0,
    'upstream': 0,
    'codecs': 1,
    'models': 1,
    'datasets': 1,
    'engine': 1,
    'evaluation': 1,
    'proposals': 2,
    'apis': 3,
    '': 4,  # the package itself imports every role to register it
}


def _imports(path: Path):
    """(line, absolute module name) of every mmpose_occlusion import in
    ``path``, function-level (lazy) imports included."""
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    pkg = parts[:-1]  # the package a relative import starts from
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(pkg[:len(pkg) - node.level + 1])
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ''
            if name.startswith('mmpose_occlusion'):
                yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('mmpose_occlusion'):
                    yield node.lineno, alias.name


def _role(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


FILES = sorted(PACKAGE.rglob('*.py'))


def test_every_role_has_a_layer():
    roles = {
        p.relative_to(PACKAGE).parts[0].removesuffix('.py')
        for p in FILES
    }
    roles.discard('__init__')
    assert roles <= set(LAYERS), sorted(roles - set(LAYERS))


@pytest.mark.parametrize(
    'path', FILES, ids=[osp.relpath(p, PACKAGE) for p in FILES])
def test_imports_run_downwards(path):
    rel = path.relative_to(PACKAGE)
    own = '' if rel.parts == ('__init__.py', ) else \
        rel.parts[0].removesuffix('.py')
    for line, module in _imports(path):
        role = _role(module)
        if role == own:
            continue
        assert LAYERS[role] < LAYERS[own], (
            f'{rel}:{line} imports {module}: layer {own or "(package)"} '
            f'({LAYERS[own]}) may not import {role or "(package)"} '
            f'({LAYERS[role]})')


def test_no_module_over_400_lines():
    """One file per role: a module past 400 lines holds two roles."""
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in FILES if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long, long
