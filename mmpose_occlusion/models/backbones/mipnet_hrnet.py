"""HRNet with Multi-Instance Modulation Blocks (MIPNet §3.2, §4).

MIMBs sit at named positions, one per branch there:

* ``'stage{k}_in'`` (k = 2, 3, 4): the inputs of stage k, after the
  transition into it (every branch of stage k);
* ``'stage4_out'``: the output of stage 4 (its first branch, or all of them
  with ``multiscale_output``).

The default, ``('stage4_in', 'stage4_out')``, is the official code's
(``SE_MODULES [False, False, True, True]``: the paper's "end of stages 3 and
4"); for HRNet-W32 its MIMBs add 67,200 parameters, the paper's 28.5 M ->
28.6 M. Module names of the stock ``HRNet`` are kept, so its weights load
unchanged; the MIMBs are the only new parameters.

Shapes: ``x`` (B, 3, H, W); ``selectors`` (B, M, N): M instance selectors per
image over N instances (one-hot for λ = 0..N-1, soft for interpolation).
Outputs are ordered image-major: row ``b * M + m`` is image b under selector m.

Everything before the first MIMB (the trunk) runs once on B images; the rest
runs once on B * M rows.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS

from ..utils.mimb import MIMB
from .hrnet_stages import run_hrnet_stem, run_hrnet_transition
from .multi_instance import MultiInstanceBackboneMixin

__all__ = ['MIPHRNet']

POSITIONS = ('stage2_in', 'stage3_in', 'stage4_in', 'stage4_out')
# the forward pass as steps: (kind, stage); MIMB positions between them
_STEPS: Tuple[Tuple[str, object],
              ...] = (('transition', 2), ('mimb', 'stage2_in'), ('stage', 2),
                      ('transition', 3), ('mimb', 'stage3_in'), ('stage', 3),
                      ('transition', 4), ('mimb', 'stage4_in'), ('stage', 4),
                      ('mimb', 'stage4_out'))


@MODELS.register_module()
class MIPHRNet(MultiInstanceBackboneMixin, HRNet):
    """HRNet conditioned on an instance selector λ.

    Args:
        num_instances (int): N. Defaults to 2.
        mimb_positions (Sequence[str]): where the MIMBs go, from
            ``'stage2_in'``, ``'stage3_in'``, ``'stage4_in'``,
            ``'stage4_out'``. Defaults to the official
            ``('stage4_in', 'stage4_out')``.
        mimb_cfg (dict, optional): arguments of every ``MIMB`` (reduction,
            init, ...).
        **kwargs: the arguments of MMPose's ``HRNet``.
    """

    def __init__(self,
                 num_instances: int = 2,
                 mimb_positions: Sequence[str] = ('stage4_in', 'stage4_out'),
                 mimb_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(**kwargs)
        unknown = set(mimb_positions) - set(POSITIONS)
        if not mimb_positions or unknown:
            raise ValueError(f'mimb_positions must be a non-empty subset of '
                             f'{POSITIONS}, got {tuple(mimb_positions)}')
        self.num_instances = num_instances
        self.mimb_positions = tuple(p for p in POSITIONS
                                    if p in mimb_positions)
        self.mimb = nn.ModuleDict({
            pos:
            nn.ModuleList([
                MIMB(c, num_instances, **(mimb_cfg or {}))
                for c in self._position_channels(pos)
            ])
            for pos in self.mimb_positions
        })
        first = self.mimb_positions[0]
        self._split = _STEPS.index(('mimb', first))

    def _position_channels(self, pos: str) -> List[int]:
        stage = int(pos[len('stage')])
        cfg = getattr(self, f'stage{stage}_cfg')
        block = self.blocks_dict[cfg['block']]
        channels = [c * get_expansion(block) for c in cfg['num_channels']]
        if pos.endswith('_in') or cfg.get('multiscale_output', False):
            return channels
        return channels[:1]

    def _run(self, steps, y_list, selector=None):
        for kind, arg in steps:
            if kind == 'transition':
                y_list = run_hrnet_transition(self, arg, y_list)
            elif kind == 'stage':
                y_list = getattr(self, f'stage{arg}')(y_list)
            elif arg in self.mimb_positions:
                y_list = [
                    m(y, selector) for m, y in zip(self.mimb[arg], y_list)
                ]
        return y_list

    def forward_trunk(self, x: torch.Tensor):
        """Stem to the first MIMB (exclusive)."""
        y_list = [self.layer1(run_hrnet_stem(self, x))]
        return self._run(_STEPS[:self._split], y_list)

    def forward_instances(self, trunk, selector: torch.Tensor):
        """The first MIMB and the rest, on B * M rows; ``selector`` is
        (B * M, N)."""
        return tuple(self._run(_STEPS[self._split:], list(trunk), selector))
