"""Binary disk heatmaps for the sequential person decoder (the
sequential-decoder paper, §4.3).

Shapes: N people, K keypoints, heatmap (H, W) = ``heatmap_size`` (W, H)
reversed, stride = input_size / heatmap_size (4 in the paper).

Encoding (training targets, eq. 1 and eq. 2): a pixel x of the heatmap is 1
when ``||x - y|| <= R`` for a keypoint y in heatmap pixels (R = ``radius``,
3 in the paper), else 0:

- ``heatmaps`` (K, H, W): identity-free part heatmaps, the union of every
  person's disks (the part localizer's target);
- ``instance_heatmaps`` (N, K, H, W, uint8): one person's disks each (the
  person decoder's targets, matched to the steps by the Hungarian loss);
- ``keypoint_weights`` (N, K): 1 for a labelled keypoint inside the heatmap,
  0 otherwise (an unlabelled keypoint is left out of that person's loss,
  not taught as background).

Decoding: one step's K heatmaps -> the maximum of each (its value is the
keypoint score), refined by a quarter pixel towards the higher neighbour
(MMPose's ``refine_keypoints``), scaled to the input size.
"""
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.codecs.utils import get_heatmap_maximum, refine_keypoints
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['SequentialDiskHeatmap', 'render_disks']


def render_disks(points: np.ndarray, valid: np.ndarray,
                 heatmap_size: Tuple[int, int], radius: float) -> np.ndarray:
    """Disks of ``radius`` around points in heatmap pixels.

    Args:
        points (np.ndarray): (..., 2) x, y in heatmap pixels.
        valid (np.ndarray): (...) bool, which points to draw.
        heatmap_size (tuple): (W, H).
        radius (float): disk radius in heatmap pixels.

    Returns:
        np.ndarray: (..., H, W) uint8, 1 inside a disk.
    """
    w, h = heatmap_size
    xs = np.arange(w, dtype=np.float32)
    ys = np.arange(h, dtype=np.float32)
    dx = xs - points[..., 0:1]  # (..., W)
    dy = ys - points[..., 1:2]  # (..., H)
    inside = dy[..., :, None]**2 + dx[..., None, :]**2 <= radius**2
    return (inside & valid[..., None, None]).astype(np.uint8)


@KEYPOINT_CODECS.register_module()
class SequentialDiskHeatmap(BaseKeypointCodec):
    """Part and per-person disk targets; per-step heatmap decoding.

    Args:
        input_size (tuple): model input (W, H).
        heatmap_size (tuple): heatmap (W, H), input_size / 4 in the paper.
        radius (float): disk radius R in heatmap pixels (3 in the paper).
    """

    field_mapping_table = dict(
        heatmaps='heatmaps', heatmap_mask='heatmap_mask')
    label_mapping_table = dict(
        instance_heatmaps='instance_heatmaps',
        keypoint_weights='keypoint_weights')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 radius: float = 3.0):
        super().__init__()
        if radius <= 0:
            raise ValueError(f'radius must be > 0, got {radius}')
        self.input_size = tuple(input_size)
        self.heatmap_size = tuple(heatmap_size)
        self.radius = radius
        self.scale_factor = (
            np.array(input_size, np.float32) /
            np.array(heatmap_size, np.float32))

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Targets of one image.

        Args:
            keypoints (np.ndarray): (N, K, 2) in input pixels.
            keypoints_visible (np.ndarray, optional): (N, K), > 0 where
                labelled (all labelled when omitted). A keypoint outside
                the heatmap or not finite gets weight 0 and no disk.

        Returns:
            dict: ``heatmaps`` (K, H, W) float32, ``instance_heatmaps``
            (N, K, H, W) uint8, ``keypoint_weights`` (N, K) float32.
        """
        keypoints = np.asarray(keypoints, np.float32)
        if keypoints.ndim != 3 or keypoints.shape[-1] < 2:
            raise ValueError('SequentialDiskHeatmap.encode expects keypoints '
                             f'(N, K, 2), got shape {keypoints.shape}; give '
                             'one person as keypoints[None]')
        n, k = keypoints.shape[:2]
        if keypoints_visible is None:
            keypoints_visible = np.ones((n, k), np.float32)
        if np.shape(keypoints_visible)[:2] != (n, k):
            raise ValueError(f'keypoints_visible must be (N, K) = {(n, k)} '
                             'like the keypoints, got shape '
                             f'{np.shape(keypoints_visible)}')
        if np.ndim(keypoints_visible) == 3:  # MMPose's (N, K, 2) form
            keypoints_visible = np.asarray(keypoints_visible)[..., 0]
        points = keypoints[..., :2] / self.scale_factor
        w, h = self.heatmap_size
        inside = ((points[..., 0] >= 0) & (points[..., 0] <= w - 1) &
                  (points[..., 1] >= 0) & (points[..., 1] <= h - 1))
        valid = (np.asarray(keypoints_visible) > 0) & inside
        instance = render_disks(points, valid, self.heatmap_size, self.radius)
        heatmaps = instance.max(0) if n else np.zeros((k, h, w), np.uint8)
        return dict(
            heatmaps=heatmaps.astype(np.float32),
            instance_heatmaps=instance,
            keypoint_weights=valid.astype(np.float32))

    def decode(
        self,
        encoded: np.ndarray,
        input_size: Optional[Tuple[int, int]] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints of decoded people.

        Args:
            encoded (np.ndarray): (S, K, H, W) heatmaps in [0, 1], one
                person per step.
            input_size (tuple, optional): (W, H) of the input these heatmaps
                come from, when it is not the codec's (e.g. after
                ``BottomupResize`` with ``resize_mode='expand'``).

        Returns:
            tuple: keypoints (S, K, 2) in input pixels, scores (S, K).
        """
        heatmaps = np.asarray(encoded, np.float32)
        if heatmaps.ndim != 4:
            raise ValueError('SequentialDiskHeatmap.decode expects (S, K, H, '
                             f'W) heatmaps, got shape {heatmaps.shape}')
        s, k, h, w = heatmaps.shape
        if s == 0:
            return (np.zeros((0, k, 2),
                             np.float32), np.zeros((0, k), np.float32))
        scale = self.scale_factor if input_size is None else (
            np.array(input_size, np.float32) / np.array([w, h], np.float32))
        keypoints, scores = get_heatmap_maximum(heatmaps)
        for i in range(s):
            keypoints[i] = refine_keypoints(keypoints[i:i + 1], heatmaps[i])[0]
        return keypoints * scale, scores
