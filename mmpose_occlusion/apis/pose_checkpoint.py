"""Loading a pose checkpoint into the chain's pose model, refusing one made
for another model instead of loading the matching half with warnings."""
import os.path as osp

import torch

__all__ = ['CheckpointMismatchError', 'load_pose_checkpoint']


class CheckpointMismatchError(ValueError):
    """A pose checkpoint does not fit its config."""


def load_pose_checkpoint(model: torch.nn.Module, checkpoint: str,
                         config_name: str) -> dict:
    """Load ``checkpoint`` into ``model``, refusing one made for another
    model (other keypoint count, other architecture) instead of loading the
    matching half with warnings. Returns the checkpoint's meta."""
    from mmengine.runner import CheckpointLoader
    if not osp.isfile(checkpoint) and '://' not in checkpoint:
        raise FileNotFoundError(
            f'pose checkpoint {checkpoint!r} does not exist; pass the '
            '.pth written by training (e.g. work_dirs/<config>/epoch_N.pth)')
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {
        k[7:] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    own = model.state_dict()
    shape_diff = [(k, tuple(v.shape), tuple(own[k].shape))
                  for k, v in state.items()
                  if k in own and hasattr(v, 'shape')
                  and tuple(v.shape) != tuple(own[k].shape)]
    missing = [k for k in own if k not in state]
    if shape_diff:
        k, theirs, ours = shape_diff[0]
        raise CheckpointMismatchError(
            f'pose checkpoint {checkpoint!r} does not match config '
            f'{config_name!r}: {len(shape_diff)} tensors differ in shape, '
            f'e.g. {k} is {theirs} in the checkpoint and {ours} in the model '
            '(another keypoint count or model width?). Pass the config the '
            'checkpoint was trained with.')
    if len(missing) > len(own) // 2:
        raise CheckpointMismatchError(
            f'pose checkpoint {checkpoint!r} does not match config '
            f'{config_name!r}: {len(missing)} of the model\'s {len(own)} '
            f'tensors are not in it (e.g. {missing[0]}). Pass the config the '
            'checkpoint was trained with.')
    model.load_state_dict(state, strict=False)
    return ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
