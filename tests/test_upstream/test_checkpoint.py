import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmpose_occlusion  # noqa: F401  (installs the loader)
from mmpose_occlusion.upstream import TRUST_ENV, UntrustedCheckpointError
from mmpose_occlusion.upstream import checkpoint as ckpt_mod
from mmpose_occlusion.upstream import trust_checkpoint


class NotAllowed:
    """A class no allow-list knows about."""

    def __init__(self):
        self.x = 1


def _meta_like_runner():
    hb = HistoryBuffer()
    hb.update(0.5)
    return dict(
        meta=dict(
            dataset_meta=dict(
                sigmas=np.array([0.026, 0.025], np.float32),
                flip_indices=[1, 0],
                colors=np.zeros((2, 3), np.uint8)),
            epoch=np.int64(3),
            seed=123,
            message_hub=dict(
                log_scalars={'train/loss': hb}, runtime_info=dict(iter=10)),
        ),
        state_dict={'w': torch.ones(2)},
    )


def test_runner_like_checkpoint_loads_with_weights_only(tmp_path):
    path = str(tmp_path / 'ok.pth')
    torch.save(_meta_like_runner(), path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['epoch'] == 3
    np.testing.assert_allclose(ckpt['meta']['dataset_meta']['sigmas'],
                               [0.026, 0.025])
    hb = ckpt['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(hb, HistoryBuffer) and hb.current() == 0.5


def test_foreign_object_is_refused_with_a_clear_message(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, extra=NotAllowed()), path)
    with pytest.raises(UntrustedCheckpointError) as err:
        _load_checkpoint(path, map_location='cpu')
    msg = str(err.value)
    assert path in msg
    assert 'NotAllowed' in msg
    assert TRUST_ENV in msg and 'trust_checkpoint' in msg


def test_trusted_file_loads_fully(tmp_path, monkeypatch):
    path = str(tmp_path / 'trusted.pth')
    torch.save(dict(extra=NotAllowed()), path)
    monkeypatch.setenv(TRUST_ENV, os.pathsep.join(['/elsewhere.pth', path]))
    assert isinstance(_load_checkpoint(path)['extra'], NotAllowed)
    monkeypatch.delenv(TRUST_ENV)
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(path)
    monkeypatch.setattr(ckpt_mod, '_trusted', set())
    trust_checkpoint(path)
    assert isinstance(_load_checkpoint(path)['extra'], NotAllowed)


def test_missing_file_names_the_file(tmp_path):
    path = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(path)


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    # Functions reached through getattr pickle as `getattr(owner, name)`;
    # only HistoryBuffer's statistics methods may be resolved that way.
    path = str(tmp_path / 'getattr.pth')
    torch.save(dict(f=HistoryBuffer.update), path)
    with pytest.raises(UntrustedCheckpointError, match='getattr'):
        _load_checkpoint(path)


def test_older_layouts_are_upgraded_on_load(tmp_path):
    """The loader renames the keys of our older layouts (the decoder's
    fusion moved from the head to the neck), with their module versions,
    in a Runner checkpoint and in a plain state dict; others are left
    alone."""
    from collections import OrderedDict

    from mmpose_occlusion.upstream import upgrade_state_dict
    old = OrderedDict([
        ('backbone.w', torch.ones(1)),
        ('head.part_localizer.laterals.0.weight', torch.full((2, ), 2.)),
        ('head.part_localizer.fuse.conv.weight', torch.ones(3))
    ])
    old._metadata = OrderedDict([('', dict(version=2)),
                                 ('head.part_localizer.laterals.0',
                                  dict(version=1)),
                                 ('head.part_localizer', dict(version=1))])
    new = upgrade_state_dict(old)
    assert list(new) == [
        'backbone.w', 'neck.laterals.0.weight',
        'head.part_localizer.fuse.conv.weight'
    ]
    assert new['neck.laterals.0.weight'] is old[
        'head.part_localizer.laterals.0.weight']
    assert list(
        new._metadata) == ['', 'neck.laterals.0', 'head.part_localizer']
    assert upgrade_state_dict(new) is new  # nothing left to rename
    runner_like = str(tmp_path / 'runner.pth')
    torch.save(dict(state_dict=old, meta=dict(epoch=1)), runner_like)
    assert list(_load_checkpoint(runner_like)['state_dict']) == list(new)
    plain = str(tmp_path / 'plain.pth')
    torch.save(old, plain)
    assert list(_load_checkpoint(plain)) == list(new)
