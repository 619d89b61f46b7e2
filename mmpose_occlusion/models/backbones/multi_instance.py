"""The interface of backbones conditioned on an instance selector λ.

A multi-instance backbone splits its forward pass in two:

* ``forward_trunk(x)`` runs the part before the first λ-conditioned block, once
  per image (B rows);
* ``forward_instances(trunk, selector)`` runs the rest on B * M rows, where
  ``selector`` is (B * M, N).

:class:`MultiInstanceBackboneMixin` supplies ``forward(x, selectors=None)`` on
top: ``selectors`` (B, M, N) holds M selectors per image; the trunk's outputs
are repeated M times (image-major: row ``b * M + m``) and the rest runs once as
a batch. Without ``selectors`` the backbone behaves as a stock single-instance
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
    """``forward(x, selectors)`` for a backbone with ``forward_trunk`` and
    ``forward_instances``; the class must set ``num_instances``."""

    def forward(self, x: torch.Tensor, selectors: torch.Tensor = None):
        if selectors is None:
            selectors = one_hot_selectors(x.shape[0], self.num_instances,
                                          x.device)[:, :1]
        if selectors.dim() != 3 or selectors.shape[0] != x.shape[0] or \
                selectors.shape[2] != self.num_instances:
            raise ValueError(
                f'selectors must be (B, M, N) = ({x.shape[0]}, M, '
                f'{self.num_instances}), got {tuple(selectors.shape)}')
        num_sel = selectors.shape[1]
        trunk = self.forward_trunk(x)
        trunk = repeat_rows(trunk, num_sel)
        return self.forward_instances(
            trunk, selectors.reshape(-1, selectors.shape[2]))


def repeat_rows(feats, times):
    """Repeat every row ``times`` times (image-major), through lists and
    tuples, with shape ops only, so that ONNX export keeps ``times`` (the
    number of selectors or cues) a dynamic size."""
    if isinstance(feats, torch.Tensor):
        rows = feats.unsqueeze(1)
        return rows.expand(-1, times,
                           *([-1] * (feats.dim() - 1))).flatten(0, 1)
    return type(feats)(repeat_rows(f, times) for f in feats)
