"""Loading MMEngine checkpoints safely on torch >= 2.6.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses
any pickled object outside a small allow-list. MMEngine 0.10.7 calls
``torch.load`` without ``weights_only``, so it refuses the checkpoints its own
Runner writes: their ``meta`` holds numpy arrays (MMPose's ``dataset_meta``),
numpy scalars and MMEngine's ``HistoryBuffer`` (the message hub).

Rather than switching the safety off for every file, this module

* allow-lists exactly the types our checkpoints hold
  (:func:`safe_checkpoint_globals`, registered with
  ``torch.serialization.add_safe_globals``). ``HistoryBuffer`` pickles its
  statistics methods as ``getattr(HistoryBuffer, 'min')``; a general
  ``getattr`` would reopen the door that ``weights_only`` closes, so
  ``builtins.getattr`` is served by :func:`restricted_getattr`, which resolves
  only those methods, and
* replaces MMEngine's local-file loader (scheme ``''``) with
  :func:`load_from_local`, which keeps ``weights_only=True`` and, when a
  file needs more than the allow-list, raises :class:`UntrustedCheckpointError`
  naming the offending type and how to opt in for a file you trust:
  ``MMPOSE_OCCLUSION_TRUSTED_CHECKPOINTS=/path/a.pth:/path/b.pth`` or
  :func:`trust_checkpoint`.

:func:`register_checkpoint_loader` does both; ``import mmpose_occlusion`` calls
it once.

The loader also upgrades checkpoints of our older model layouts
(:func:`upgrade_state_dict`, the renames in :data:`LEGACY_KEY_RENAMES`), so
the Runner's ``load_from``/``resume``, ``mmpose.apis.init_model`` and
``load_checkpoint`` load them into today's models. Each rename maps keys that
only the old layout has (a module that moved between the head and the neck:
a ``_load_state_dict_pre_hook`` of either only sees its own keys).
"""
import os
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import List, Set, Tuple

import numpy as np
import torch
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = [
    'TRUST_ENV', 'UntrustedCheckpointError', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint', 'is_trusted',
    'load_from_local', 'register_checkpoint_loader', 'LEGACY_KEY_RENAMES',
    'upgrade_state_dict'
]

#: Environment variable listing trusted checkpoint paths (``os.pathsep``
#: separated). Trusted files may be unpickled with ``weights_only=False``.
TRUST_ENV = 'MMPOSE_OCCLUSION_TRUSTED_CHECKPOINTS'

_trusted: Set[str] = set()


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects outside the allow-list."""


def restricted_getattr(obj, name: str):
    """``getattr`` for unpickling, limited to HistoryBuffer's statistics.

    MMEngine's ``HistoryBuffer.__getstate__`` stores its statistics methods,
    which pickle as ``getattr(HistoryBuffer, 'min')`` and so on. Anything
    else is refused.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'GLOBAL getattr({getattr(obj, "__qualname__", type(obj).__name__)}, '
        f'{name!r}) is not allowed')


_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def safe_checkpoint_globals() -> List[object]:
    """Types and functions that MMEngine/MMPose checkpoints pickle.

    numpy arrays and scalars (``dataset_meta``, logged scalars) and MMEngine's
    ``HistoryBuffer`` (the message hub's ``log_scalars``). Nothing here can
    run arbitrary code when unpickled.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = getattr(np, '_core', None) or np.core
    allowed = [
        multiarray.multiarray._reconstruct, multiarray.multiarray.scalar,
        np.ndarray, np.dtype, HistoryBuffer
    ]
    # numpy >= 1.25 pickles dtypes through their classes (np.dtypes.*DType).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed + [(restricted_getattr, 'builtins.getattr')]


def _key(path: str) -> str:
    return osp.realpath(osp.expanduser(path))


def trust_checkpoint(path: str) -> None:
    """Allow ``path`` to be fully unpickled (``weights_only=False``).

    Only do this for files you made or got from a source you trust:
    unpickling can run arbitrary code.
    """
    _trusted.add(_key(path))


def is_trusted(path: str) -> bool:
    """Whether ``path`` was trusted by :func:`trust_checkpoint` or
    :data:`TRUST_ENV`."""
    env = [p for p in os.environ.get(TRUST_ENV, '').split(os.pathsep) if p]
    return _key(path) in _trusted | {_key(p) for p in env}


#: Key renames from our older model layouts to today's, as MMEngine's
#: ``revise_keys``: (pattern, replacement) for ``re.sub``, applied to the
#: ``state_dict`` of every checkpoint :func:`load_from_local` reads.
LEGACY_KEY_RENAMES: List[Tuple[str, str]] = [
    # SequentialDecoderHead's part-feature fusion (its 1x1 laterals) became
    # the neck PyramidSumFusion; the rest of the head kept its keys
    (r'^head\.part_localizer\.laterals\.', 'neck.laterals.'),
]


def upgrade_state_dict(state_dict: dict) -> dict:
    """A model state dict with the keys of older layouts renamed
    (:data:`LEGACY_KEY_RENAMES`); the same object when nothing matches.

    Args:
        state_dict (dict): parameter name -> tensor, as ``model.state_dict()``
            gives it (an optional ``_metadata`` attribute, the modules'
            versions, is renamed along).

    Returns:
        dict: the upgraded state dict, in the same order.
    """

    def rename(key: str) -> str:
        for pattern, repl in LEGACY_KEY_RENAMES:
            key = re.sub(pattern, repl, key)
        return key

    if not any(rename(k) != k for k in state_dict):
        return state_dict
    out = OrderedDict((rename(k), v) for k, v in state_dict.items())
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        # module prefixes have no trailing dot: rename 'prefix.' and strip it
        out._metadata = OrderedDict(
            (rename(k + '.')[:-1] if k else k, v) for k, v in metadata.items())
    return out


def load_from_local(filename: str, map_location=None):
    """MMEngine's local loader, with ``weights_only=True`` and a clear error.

    Args:
        filename: path of the checkpoint file.
        map_location: as in :func:`torch.load`.

    Raises:
        FileNotFoundError: the file does not exist.
        UntrustedCheckpointError: the file needs types outside
            :func:`safe_checkpoint_globals` and is not trusted.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    if is_trusted(filename):
        return _upgrade(
            torch.load(
                filename, map_location=map_location, weights_only=False))
    try:
        return _upgrade(
            torch.load(filename, map_location=map_location, weights_only=True))
    except pickle.UnpicklingError as e:
        found = re.findall(r'GLOBAL ([\w.]+(?:\([^)]*\))?)', str(e))
        what = found[0] if found else 'an object'
        raise UntrustedCheckpointError(
            f'checkpoint {filename} holds {what}, which is outside the types '
            'that mmpose_occlusion allows torch.load to unpickle (torch >= '
            '2.6 loads with weights_only=True). If you trust this file, opt '
            f'in for it: `export {TRUST_ENV}={filename}` (several paths '
            f'separated by "{os.pathsep}"), or call '
            'mmpose_occlusion.utils.trust_checkpoint(path) before loading; '
            'to allow one more type for all files, call '
            'torch.serialization.add_safe_globals([...]).') from e


def _upgrade(checkpoint):
    """A loaded checkpoint with :func:`upgrade_state_dict` applied to its
    ``state_dict`` (or to itself, a plain state dict)."""
    if not isinstance(checkpoint, dict):
        return checkpoint
    if isinstance(checkpoint.get('state_dict'), dict):
        checkpoint['state_dict'] = upgrade_state_dict(checkpoint['state_dict'])
        return checkpoint
    return upgrade_state_dict(checkpoint)


def register_checkpoint_loader() -> None:
    """Allow-list our checkpoint types and make MMEngine load local files
    through :func:`load_from_local`. Safe to call more than once."""
    torch.serialization.add_safe_globals(safe_checkpoint_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
