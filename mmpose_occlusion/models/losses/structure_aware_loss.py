"""DetPoseNet's structure-aware heatmap loss (§III-C3, eq. 2).

    L_SA = 1/M Σ_n ( e_n + α2 Σ_{n' ∈ N(n)} e_n' ),
    e_n  = mean over pixels of (K_n - K̃_n)², times keypoint n's weight,

where N(n) are the neighbours of keypoint n in the paper's skeleton graph
(Fig. 7, ``graph='paper'``, the default): the limbs as pairs (shoulder-elbow,
elbow-wrist, hip-knee, knee-ankle), hip-hip and head-thorax, so that elbows
and knees, with two limb neighbours, get the three-way (triplet) term and
wrists and ankles the pair term. ``PAPER_GRAPHS`` holds it for COCO (17
keypoints; COCO has no thorax, so its head-thorax pair is left out, ours)
and CrowdPose (14; head-neck). ``graph='skeleton'`` takes the dataset's full
``skeleton_links`` instead, which adds the face and torso links and so
weights shoulders and eyes over wrists and ankles. The paper writes ‖·‖₂;
like its L_MSS and MMPose's ``KeypointMSELoss`` we use the squared error
averaged over pixels.

Shapes: output and target (B, M, H, W); target_weights (B, M) or None.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

__all__ = ['StructureAwareLoss', 'skeleton_neighbours', 'PAPER_GRAPHS']

# Fig. 7's graph, by number of keypoints: limb pairs, hip-hip, head-thorax.
PAPER_GRAPHS = {
    # COCO: 5/6 shoulders, 7/8 elbows, 9/10 wrists, 11/12 hips, 13/14 knees,
    # 15/16 ankles (no thorax keypoint)
    17: ((5, 7), (7, 9), (6, 8), (8, 10), (11, 13), (13, 15), (12, 14),
         (14, 16), (11, 12)),
    # CrowdPose: 0/1 shoulders, 2/3 elbows, 4/5 wrists, 6/7 hips, 8/9 knees,
    # 10/11 ankles, 12 head (top), 13 neck
    14: ((0, 2), (2, 4), (1, 3), (3, 5), (6, 8), (8, 10), (7, 9), (9, 11),
         (6, 7), (12, 13)),
}


def skeleton_neighbours(num_keypoints: int,
                        links: Sequence[Tuple[int, int]]) -> Tensor:
    """(M, M) 0/1 matrix A with A[n, n'] = 1 when n' ∈ N(n)."""
    adj = torch.zeros(num_keypoints, num_keypoints)
    for a, b in links:
        if not (0 <= a < num_keypoints and 0 <= b < num_keypoints):
            raise ValueError(f'skeleton link {(a, b)} is outside '
                             f'{num_keypoints} keypoints')
        if a != b:
            adj[a, b] = adj[b, a] = 1
    return adj


@MODELS.register_module()
class StructureAwareLoss(nn.Module):
    """Eq. (2) of DetPoseNet.

    Args:
        metainfo (str | dict): dataset metainfo giving ``num_keypoints`` (and
            ``skeleton_links`` for ``graph='skeleton'``): a file such as
            ``'configs/_base_/datasets/coco.py'`` (MMPose's own are found
            too), or a parsed dict. Ignored when ``skeleton`` is given.
        graph (str): ``'paper'`` (Fig. 7, ``PAPER_GRAPHS``; COCO and
            CrowdPose keypoints) or ``'skeleton'`` (the dataset's full
            skeleton).
        skeleton (list, optional): explicit (a, b) links instead.
        num_keypoints (int, optional): with ``skeleton``.
        alpha2 (float): weight α2 of the structural term. The paper gives no
            value; 0.5 lets a joint's own error count twice its neighbours'.
        use_target_weight (bool): weight each keypoint's error by its target
            weight. Defaults to True.
        loss_weight (float): scale of the loss. Defaults to 1.
    """

    def __init__(self,
                 metainfo='configs/_base_/datasets/coco.py',
                 graph: str = 'paper',
                 skeleton: Optional[Sequence[Tuple[int, int]]] = None,
                 num_keypoints: Optional[int] = None,
                 alpha2: float = 0.5,
                 use_target_weight: bool = True,
                 loss_weight: float = 1.0):
        super().__init__()
        if graph not in ('paper', 'skeleton'):
            raise ValueError(f"graph must be 'paper' or 'skeleton', got "
                             f'{graph!r}')
        if skeleton is None:
            if isinstance(metainfo, str):
                from mmpose.datasets.datasets.utils import parse_pose_metainfo
                metainfo = parse_pose_metainfo(dict(from_file=metainfo))
            num_keypoints = metainfo['num_keypoints']
            if graph == 'skeleton':
                skeleton = metainfo['skeleton_links']
            elif num_keypoints in PAPER_GRAPHS:
                skeleton = PAPER_GRAPHS[num_keypoints]
            else:
                raise ValueError(
                    f'no paper graph for {num_keypoints} keypoints (COCO 17 '
                    'and CrowdPose 14 have one): pass graph=\'skeleton\' '
                    'or an explicit skeleton')
        elif num_keypoints is None:
            raise ValueError('give num_keypoints with an explicit skeleton')
        self.register_buffer(
            'adjacency',
            skeleton_neighbours(num_keypoints, skeleton),
            persistent=False)
        self.alpha2 = alpha2
        self.use_target_weight = use_target_weight
        self.loss_weight = loss_weight

    def forward(self,
                output: Tensor,
                target: Tensor,
                target_weights: Optional[Tensor] = None,
                mask: Optional[Tensor] = None) -> Tensor:
        """The loss, averaged over the batch."""
        if output.shape != target.shape:
            raise ValueError(f'output {tuple(output.shape)} and target '
                             f'{tuple(target.shape)} differ')
        b, m = output.shape[:2]
        if m != len(self.adjacency):
            raise ValueError(f'{m} heatmaps, but the skeleton has '
                             f'{len(self.adjacency)} keypoints')
        sq = (output - target)**2
        if mask is not None:
            sq = sq * mask
        err = sq.reshape(b, m, -1).mean(-1)  # e_n, (B, M)
        if self.use_target_weight and target_weights is not None:
            err = err * target_weights.reshape(b, m)
        neighbours = err @ self.adjacency.to(err)  # Σ_{n'∈N(n)} e_n'
        per_sample = (err + self.alpha2 * neighbours).mean(1)
        return per_sample.mean() * self.loss_weight
