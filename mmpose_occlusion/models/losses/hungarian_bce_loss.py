"""The sequential person decoder's loss (the sequential-decoder paper, eq. 2):
BCE between the steps and the people they are matched to by the Hungarian
algorithm, plus all-zero stop steps.

Shapes: per image, T steps of K logits (T, K, H, W), P annotated people with
disk targets (P, K, H, W), keypoint weights (P, K), a pixel mask (H, W)
(0 on people without annotation, MMPose's ``heatmap_mask``); N = H·W.

For one image with P people and a limit of M people (the curriculum,
``max_people``)::

    m     = min(P, M) matched steps, stop = 2 if P <= M else 0
    C[t, p] = 1/(N K) Σ_k w_pk Σ_i mask_i BCE(f_tk(x_i), h_pk(x_i))
    σ     = linear_sum_assignment(C[:m, :] / (Σ_k w_pk / K))   (SciPy)
    L     = ( Σ_t C[t, σ(t)] + Σ_{t=m}^{m+stop-1} 1/(N K) Σ_k,i mask_i
              BCE(f_tk(x_i), 0) ) / (m + stop)

which is eq. 2's 1/(N K (P + 2)) Σ over the P matched and two stop steps when
P <= M. The matching (ours) compares people by their cost per labelled
keypoint: with the plain sum a sparsely labelled person always costs less,
so under the curriculum (M of P people matched) the steps would be taught
the cut-off, barely labelled people rather than the ones they predict best.
The loss itself is eq. 2's. When an image has more people than the
curriculum allows (P > M), M steps are matched to the best M people and no
stop step is taught: more people remain, so an empty step would be a wrong
target. The loss is the mean over the images of the batch.

BCE is computed from logits (``BCE(x, y) = softplus(x) - y x``), so the whole
cost matrix is two reductions and one einsum; the matching runs on its
detached copy and the loss takes the matched entries, with their gradients.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from scipy.optimize import linear_sum_assignment
from torch import Tensor, nn

__all__ = ['HungarianBCELoss', 'bce_cost_matrix', 'steps_needed']


def steps_needed(num_people: int, max_people: Optional[int],
                 stop_steps: int) -> Tuple[int, int]:
    """(matched steps, stop steps) for an image with ``num_people``."""
    limit = num_people if max_people is None else max_people
    matched = min(num_people, limit)
    return matched, (stop_steps if num_people <= limit else 0)


def bce_cost_matrix(logits: Tensor,
                    targets: Tensor,
                    weights: Optional[Tensor] = None,
                    mask: Optional[Tensor] = None) -> Tensor:
    """Mean BCE of every step against every person.

    Args:
        logits (Tensor): (T, K, H, W) step logits.
        targets (Tensor): (P, K, H, W) binary targets.
        weights (Tensor, optional): (P, K) keypoint weights.
        mask (Tensor, optional): (H, W) pixel mask.

    Returns:
        Tensor: (T, P) costs, 1/(N K) Σ_k w_pk Σ_i mask_i BCE.
    """
    t, k, h, w = logits.shape
    p = targets.shape[0]
    m = logits.new_ones(h, w) if mask is None else mask.to(logits)
    x = logits.flatten(2)  # (T, K, N)
    y = targets.to(logits).flatten(2)  # (P, K, N)
    m = m.reshape(1, 1, -1)
    softplus = (F.softplus(x) * m).sum(-1)  # (T, K)
    cross = torch.einsum('tkn,pkn->tpk', x * m, y)  # (T, P, K)
    per_kpt = softplus[:, None] - cross
    wk = logits.new_ones(p, k) if weights is None else weights.to(logits)
    return (per_kpt * wk[None]).sum(-1) / (h * w * k)


@MODELS.register_module()
class HungarianBCELoss(nn.Module):
    """Hungarian-matched BCE over decoder steps, with stop steps.

    Args:
        stop_steps (int): all-zero steps taught after the last person (2 in
            the paper).
        loss_weight (float): multiplies the loss.
    """

    def __init__(self, stop_steps: int = 2, loss_weight: float = 1.0):
        super().__init__()
        if stop_steps < 0:
            raise ValueError(f'stop_steps must be >= 0, got {stop_steps}')
        self.stop_steps = stop_steps
        self.loss_weight = loss_weight

    def num_steps(self, num_people: Sequence[int],
                  max_people: Optional[int]) -> int:
        """Steps the decoder must run for a batch with these people."""
        return max((sum(steps_needed(p, max_people, self.stop_steps))
                    for p in num_people),
                   default=0)

    def match(self,
              logits: Tensor,
              targets: Tensor,
              weights: Optional[Tensor] = None,
              mask: Optional[Tensor] = None,
              max_people: Optional[int] = None
              ) -> Tuple[Tensor, np.ndarray, np.ndarray]:
        """Loss of one image and its matching.

        Args:
            logits (Tensor): (T, K, H, W), T >= the steps needed.
            targets (Tensor): (P, K, H, W).
            weights (Tensor, optional): (P, K).
            mask (Tensor, optional): (H, W).
            max_people (int, optional): curriculum limit M.

        Returns:
            tuple: the loss (scalar), matched step indices, matched person
            indices (step ``rows[i]`` was taught person ``cols[i]``).
        """
        p = targets.shape[0]
        matched, stop = steps_needed(p, max_people, self.stop_steps)
        if logits.shape[0] < matched + stop:
            raise ValueError(f'{matched + stop} decoder steps needed '
                             f'({p} people, limit {max_people}), got '
                             f'{logits.shape[0]}')
        total = logits.new_zeros(())
        rows = cols = np.zeros(0, np.int64)
        if matched:
            cost = bce_cost_matrix(logits[:matched], targets, weights, mask)
            fair = cost.detach().float()
            if weights is not None:  # per labelled keypoint (ours)
                k = weights.shape[1]
                labelled = weights.detach().float().sum(1).clamp(min=1.0)
                fair = fair / (labelled / k)[None]
            rows, cols = linear_sum_assignment(fair.cpu().numpy())
            total = total + cost[torch.as_tensor(rows),
                                 torch.as_tensor(cols)].sum()
        if stop:
            k, h, w = logits.shape[1:]
            empty = targets.new_zeros(1, k, h, w)
            total = total + bce_cost_matrix(logits[matched:matched + stop],
                                            empty, None, mask).sum()
        return total / max(matched + stop, 1), rows, cols

    def forward(self,
                logits: Tensor,
                targets: List[Tensor],
                weights: List[Tensor],
                masks: Optional[Tensor] = None,
                max_people: Optional[int] = None) -> Tensor:
        """Mean loss over a batch.

        Args:
            logits (Tensor): (B, T, K, H, W) decoder steps.
            targets (list[Tensor]): per image (P_b, K, H, W).
            weights (list[Tensor]): per image (P_b, K).
            masks (Tensor, optional): (B, H, W).
            max_people (int, optional): curriculum limit M.
        """
        losses = [
            self.match(logits[b], targets[b], weights[b],
                       None if masks is None else masks[b], max_people)[0]
            for b in range(logits.shape[0])
        ]
        return torch.stack(losses).mean() * self.loss_weight
