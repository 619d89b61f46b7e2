"""Synthetic crowded scenes with COCO keypoint annotations.

A scene is a textured background with ``P`` articulated people drawn back to
front (by the y of their feet, so nearer people hide farther ones). Keypoint
visibility follows COCO: 2 = visible, 1 = inside the image but hidden by a
person in front, 0 = outside the image (then x = y = 0).

Shapes: ``image`` (H, W, 3) uint8 BGR; ``id_map`` (H, W) uint16 where value
``i + 1`` marks pixels showing the i-th person of ``people`` (drawing order);
``keypoints`` (P, K, 3) float32 as (x, y, v).
"""
from dataclasses import dataclass, field

import numpy as np

from .body import NUM_KEYPOINTS, sample_pose
from .render import draw_background, draw_person, random_style

__all__ = ['SceneConfig', 'Scene', 'generate_scene']


@dataclass
class SceneConfig:
    """How scenes are drawn.

    Args:
        width, height: image size in pixels.
        min_people, max_people: people per image, uniform in this range.
        min_height, max_height: standing height of a person in pixels.
        overlap: probability that a new person is placed right next to an
            existing one, so that their boxes overlap heavily (most such pairs
            have box IoU > 0.5, as in OCHuman). 0 places everyone uniformly.
    """
    width: int = 320
    height: int = 256
    min_people: int = 1
    max_people: int = 5
    min_height: float = 100.0
    max_height: float = 190.0
    overlap: float = 0.5

    def __post_init__(self):
        if not 1 <= self.min_people <= self.max_people:
            raise ValueError('need 1 <= min_people <= max_people, got '
                             f'{self.min_people}, {self.max_people}')
        if not 0.0 <= self.overlap <= 1.0:
            raise ValueError(f'overlap must be in [0, 1], got {self.overlap}')
        if not 0 < self.min_height <= self.max_height:
            raise ValueError('need 0 < min_height <= max_height')


@dataclass
class Scene:
    """One generated image and its people (in drawing order, back first)."""
    image: np.ndarray
    id_map: np.ndarray
    keypoints: np.ndarray
    bboxes: np.ndarray  # (P, 4) xywh, amodal (whole person), clipped
    areas: np.ndarray  # (P,) amodal silhouette area in pixels
    num_keypoints: np.ndarray = field(default=None)  # (P,) count of v > 0


def _place(rng, cfg, placed):
    """Choose (centre_x, foot_y, height) for the next person."""
    h = rng.uniform(cfg.min_height, cfg.max_height)
    if placed and rng.random() < cfg.overlap:
        cx0, fy0, h0 = placed[rng.integers(len(placed))]
        h = h0 * rng.uniform(0.85, 1.15)
        # A shift of up to a third of a body width keeps box IoU high.
        cx = cx0 + rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.3) * h0 * 0.45
        fy = fy0 + rng.uniform(-0.08, 0.08) * h0
    else:
        cx = rng.uniform(0.05, 0.95) * cfg.width
        fy = rng.uniform(0.6, 1.1) * cfg.height
        fy = max(fy, h * 0.7)
    return cx, fy, h


def generate_scene(rng: np.random.Generator, cfg: SceneConfig) -> Scene:
    """Draw one scene. Deterministic given the generator's state."""
    num = int(rng.integers(cfg.min_people, cfg.max_people + 1))
    placed = []
    for _ in range(num):
        placed.append(_place(rng, cfg, placed))
    # Depth: the lower the feet, the nearer the person; ties broken randomly.
    depth = np.array([fy for _, fy, _ in placed]) + rng.normal(0, 3.0, num)
    placed = [placed[i] for i in np.argsort(depth)]

    image = draw_background(rng, cfg.height, cfg.width)
    id_map = np.zeros((cfg.height, cfg.width), np.uint16)
    poses, masks = [], []
    for pid, (cx, fy, h) in enumerate(placed, start=1):
        pose = sample_pose(rng, cx, fy, h)
        mask = np.zeros_like(id_map, dtype=np.uint8)
        draw_person(image, id_map, mask, pose, random_style(rng), pid)
        poses.append(pose)
        masks.append(mask)

    keypoints = np.zeros((num, NUM_KEYPOINTS, 3), np.float32)
    bboxes = np.zeros((num, 4), np.float32)
    areas = np.zeros(num, np.float32)
    for i, (pose, mask) in enumerate(zip(poses, masks)):
        xy = pose.keypoints
        inside = ((xy[:, 0] >= 0) & (xy[:, 0] <= cfg.width - 1) &
                  (xy[:, 1] >= 0) & (xy[:, 1] <= cfg.height - 1))
        px = np.clip(
            np.round(xy).astype(int), 0, [cfg.width - 1, cfg.height - 1])
        shown = id_map[px[:, 1], px[:, 0]] == i + 1
        vis = np.where(inside, np.where(shown, 2, 1), 0)
        keypoints[i, :, :2] = np.where(inside[:, None], xy, 0.0)
        keypoints[i, :, 2] = vis
        ys, xs = np.nonzero(mask)
        if len(xs):
            x0, y0 = xs.min(), ys.min()
            bboxes[i] = (x0, y0, xs.max() + 1 - x0, ys.max() + 1 - y0)
        areas[i] = float(len(xs))
    return Scene(
        image=image,
        id_map=id_map,
        keypoints=keypoints,
        bboxes=bboxes,
        areas=areas,
        num_keypoints=(keypoints[:, :, 2] > 0).sum(1))
