"""The interface of backbones conditioned on an instance selector λ.

A multi-instance backbone splits its forward pass in two:

* ``forward_trunk(x)`` runs the part before the first λ-conditioned block, once
  per image (B rows);
* ``forward_instances(trunk, lam)`` runs the rest on B * M rows, where ``lam``
  is (B * M, N).

:class:`MultiInstanceBackboneMixin` supplies ``forward(x, lams=None)`` on top:
``lams`` (B, M, N) holds M selectors per image; the trunk's outputs are
repeated M times (image-major: row ``b * M + m``) and the rest runs once as a
batch. Without ``lams`` the backbone behaves as a stock single-instance
backbone predicting λ = 0, so it also works inside a stock
``TopdownPoseEstimator``.
"""
import torch

__all__ = ['MultiInstanceBackboneMixin', 'one_hot_selectors', 'repeat_rows']


def one_hot_selectors(batch_size: int,
                      num_instances: int,
                      device=None) -> torch.Tensor:
    """All one-hot selectors λ = 0..N-1 for each image: (B, N, N)."""
    eye = torch.eye(num_instances, device=device)
    return eye.unsqueeze(0).expand(batch_size, -1, -1)


class MultiInstanceBackboneMixin:
    """``forward(x, lams)`` for a backbone with ``forward_trunk`` and
    ``forward_instances``; the class must set ``num_instances``."""

    def forward(self, x: torch.Tensor, lams: torch.Tensor = None):
        if lams is None:
            lams = one_hot_selectors(x.shape[0], self.num_instances,
                                     x.device)[:, :1]
        if lams.dim() != 3 or lams.shape[0] != x.shape[0] or \
                lams.shape[2] != self.num_instances:
            raise ValueError(f'lams must be (B, M, N) = ({x.shape[0]}, M, '
                             f'{self.num_instances}), got {tuple(lams.shape)}')
        num_sel = lams.shape[1]
        trunk = self.forward_trunk(x)
        trunk = repeat_rows(trunk, num_sel)
        return self.forward_instances(trunk, lams.reshape(-1, lams.shape[2]))


def repeat_rows(feats, times):
    """Repeat every row ``times`` times (image-major), through lists and
    tuples, with shape ops only, so that ONNX export keeps ``times`` (the
    number of selectors or cues) a dynamic size."""
    if isinstance(feats, torch.Tensor):
        rows = feats.unsqueeze(1)
        return rows.expand(-1, times,
                           *([-1] * (feats.dim() - 1))).flatten(0, 1)
    return type(feats)(repeat_rows(f, times) for f in feats)
