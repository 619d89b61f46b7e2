"""Running MMPose's ``HRNet`` one stage at a time (for backbones that insert
blocks between its stages or re-run part of it)."""
from typing import List

import torch

__all__ = ['run_hrnet_stem', 'run_hrnet_transition', 'run_hrnet_stage']


def run_hrnet_stem(hrnet, x: torch.Tensor) -> torch.Tensor:
    """HRNet's stem (two stride-2 conv-norm-ReLU), before layer1."""
    x = hrnet.relu(hrnet.norm1(hrnet.conv1(x)))
    return hrnet.relu(hrnet.norm2(hrnet.conv2(x)))


def run_hrnet_transition(hrnet, stage: int,
                         y_list: List[torch.Tensor]) -> List[torch.Tensor]:
    """The transition into ``stage`` (2, 3 or 4), as ``HRNet.forward`` does:
    the inputs of that stage's branches; ``y_list`` is the previous stage's
    output (layer1's as a 1-list)."""
    transition = getattr(hrnet, f'transition{stage - 1}')
    cfg = getattr(hrnet, f'stage{stage}_cfg')
    x_list = []
    for i in range(cfg['num_branches']):
        if transition[i] is not None:
            x_list.append(transition[i](y_list[-1]))
        else:
            x_list.append(y_list[i])
    return x_list


def run_hrnet_stage(hrnet, stage: int,
                    y_list: List[torch.Tensor]) -> List[torch.Tensor]:
    """Transition into ``stage`` (2, 3 or 4) and run it."""
    return getattr(hrnet, f'stage{stage}')(
        run_hrnet_transition(hrnet, stage, y_list))
