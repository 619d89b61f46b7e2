"""An articulated 2D body model in the COCO 17-keypoint layout.

People are front-facing (the person's left side appears on the image's right),
so a horizontal flip with COCO's ``flip_indices`` maps a valid person onto a
valid person; left and right are told apart by the face and the body's
orientation, as in real photographs, not by colour.

Shapes: one person's keypoints are a float array of shape (K, 2) with K = 17,
in pixels, (x, y) with y pointing down.
"""
from dataclasses import dataclass

import numpy as np

__all__ = [
    'COCO_KEYPOINT_NAMES', 'COCO_SKELETON', 'NUM_KEYPOINTS', 'BodyPose',
    'sample_pose'
]

COCO_KEYPOINT_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear',
                       'right_ear', 'left_shoulder', 'right_shoulder',
                       'left_elbow', 'right_elbow', 'left_wrist',
                       'right_wrist', 'left_hip', 'right_hip', 'left_knee',
                       'right_knee', 'left_ankle', 'right_ankle')
NUM_KEYPOINTS = len(COCO_KEYPOINT_NAMES)

#: COCO's skeleton, 1-based, exactly as in ``person_keypoints_*.json``.
COCO_SKELETON = ((16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12),
                 (7, 13), (6, 7), (6, 8), (7, 9), (8, 10), (9, 11), (2, 3),
                 (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7))

_K = {name: i for i, name in enumerate(COCO_KEYPOINT_NAMES)}


def _rot(v, deg):
    """Rotate 2D vector(s) ``v`` by ``deg`` degrees (image coordinates)."""
    t = np.deg2rad(deg)
    c, s = np.cos(t), np.sin(t)
    return np.stack(
        [c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]],
        axis=-1)


@dataclass
class BodyPose:
    """One sampled person.

    Attributes:
        keypoints (np.ndarray): (K, 2) keypoint positions in pixels.
        unit (float): the head-size unit in pixels (body height / 8); limb
            thicknesses are multiples of it.
        head_center (np.ndarray): (2,) centre of the head disk.
        head_radius (float): radius of the head disk in pixels.
    """
    keypoints: np.ndarray
    unit: float
    head_center: np.ndarray
    head_radius: float


def sample_pose(rng: np.random.Generator, center_x: float, foot_y: float,
                height: float) -> BodyPose:
    """Sample an articulated front-facing person.

    Args:
        rng: the random generator (the only source of randomness).
        center_x: x of the pelvis centre, in pixels.
        foot_y: y of the ground line below the person, in pixels.
        height: approximate standing height (head top to ankles), in pixels.
    """
    u = height / 8.0
    lean = rng.normal(0.0, 7.0)
    up = _rot(np.array([0.0, -1.0]), lean)
    right_of_image = _rot(np.array([1.0, 0.0]), lean)  # the person's left

    # Legs are about half the height: pelvis sits ~4u above the feet.
    pelvis = np.array([center_x, foot_y - 4.0 * u * rng.uniform(0.9, 1.0)])
    neck = pelvis + up * 3.0 * u * rng.uniform(0.9, 1.1)
    shoulder_half = u * rng.uniform(0.85, 1.1)
    hip_half = u * rng.uniform(0.5, 0.65)

    kpts = np.zeros((NUM_KEYPOINTS, 2))
    kpts[_K['left_shoulder']] = neck + right_of_image * shoulder_half
    kpts[_K['right_shoulder']] = neck - right_of_image * shoulder_half
    kpts[_K['left_hip']] = pelvis + right_of_image * hip_half
    kpts[_K['right_hip']] = pelvis - right_of_image * hip_half

    # Head: tilted a little relative to the torso.
    head_up = _rot(up, rng.normal(0.0, 10.0))
    head_right = _rot(head_up, 90.0)
    head_center = neck + head_up * 1.05 * u
    head_radius = 0.62 * u
    nose = head_center + head_up * (-0.1 * u) + head_right * rng.normal(
        0.0, 0.08 * u)
    kpts[_K['nose']] = nose
    for side, sign in (('left', 1.0), ('right', -1.0)):
        kpts[_K[f'{side}_eye']] = (
            head_center + head_up * 0.18 * u + head_right * sign * 0.24 * u)
        kpts[_K[f'{side}_ear']] = (
            head_center + head_up * 0.05 * u + head_right * sign * 0.5 * u)

    down = -up
    for side, sign in (('left', 1.0), ('right', -1.0)):
        # Arms: the upper arm swings out from hanging down (0 deg) to raised
        # (up to 150 deg); the elbow bends either way.
        raised = rng.random() < 0.25
        a1 = rng.uniform(60.0, 150.0) if raised else rng.uniform(-15.0, 45.0)
        a2 = a1 + rng.uniform(-40.0, 130.0)
        elbow = kpts[_K[f'{side}_shoulder']] + _rot(
            down, -sign * a1) * 1.5 * u * rng.uniform(0.9, 1.1)
        wrist = elbow + _rot(down, -sign * a2) * 1.3 * u * rng.uniform(
            0.9, 1.1)
        kpts[_K[f'{side}_elbow']] = elbow
        kpts[_K[f'{side}_wrist']] = wrist
        # Legs: the thigh swings out a little, the knee bends backwards.
        t1 = rng.uniform(-10.0, 30.0)
        t2 = t1 + rng.uniform(-35.0, 10.0)
        knee = kpts[_K[f'{side}_hip']] + _rot(
            down, -sign * t1) * 2.0 * u * rng.uniform(0.9, 1.05)
        ankle = knee + _rot(down, -sign * t2) * 2.0 * u * rng.uniform(
            0.9, 1.05)
        kpts[_K[f'{side}_knee']] = knee
        kpts[_K[f'{side}_ankle']] = ankle
    return BodyPose(
        keypoints=kpts,
        unit=u,
        head_center=head_center,
        head_radius=head_radius)
