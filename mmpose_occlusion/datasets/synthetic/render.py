"""Draw articulated people and textured backgrounds with OpenCV.

Every person is drawn as the same list of primitives (thick limb segments,
a torso polygon, a head disk) onto three canvases at once: the colour image,
an instance-id map (uint16, 0 = background, i = the i-th person drawn) and the
person's own amodal mask. People are drawn back to front, so whatever is drawn
later hides what is behind it in both the image and the id map; that id map is
what keypoint visibility is read from.

Shapes: images are (H, W, 3) uint8 BGR; id maps (H, W) uint16; masks (H, W)
uint8.
"""
import cv2
import numpy as np

from .body import COCO_KEYPOINT_NAMES, BodyPose

__all__ = ['PersonStyle', 'random_style', 'draw_person', 'draw_background']

_K = {name: i for i, name in enumerate(COCO_KEYPOINT_NAMES)}

# (from, to, thickness in head units, which colour)
_LIMBS_BACK = [('left_hip', 'left_knee', 0.75, 'pants'),
               ('left_knee', 'left_ankle', 0.6, 'pants'),
               ('right_hip', 'right_knee', 0.75, 'pants'),
               ('right_knee', 'right_ankle', 0.6, 'pants')]
_LIMBS_FRONT = [('left_shoulder', 'left_elbow', 0.5, 'shirt'),
                ('left_elbow', 'left_wrist', 0.42, 'skin'),
                ('right_shoulder', 'right_elbow', 0.5, 'shirt'),
                ('right_elbow', 'right_wrist', 0.42, 'skin')]


class PersonStyle(dict):
    """BGR colours of one person: ``shirt``, ``pants``, ``skin``, ``line``."""


def _hsv_to_bgr(h, s, v):
    px = np.uint8([[[int(h) % 180, int(s), int(v)]]])
    return tuple(int(c) for c in cv2.cvtColor(px, cv2.COLOR_HSV2BGR)[0, 0])


def random_style(rng: np.random.Generator) -> PersonStyle:
    """Random clothes and skin colours; the outline is always dark."""
    shirt = _hsv_to_bgr(
        rng.integers(0, 180), rng.integers(80, 255), rng.integers(90, 255))
    pants = _hsv_to_bgr(
        rng.integers(0, 180), rng.integers(40, 200), rng.integers(50, 200))
    skin = _hsv_to_bgr(
        rng.integers(5, 20), rng.integers(60, 160), rng.integers(120, 240))
    return PersonStyle(shirt=shirt, pants=pants, skin=skin, line=(25, 25, 25))


def _segment(canvases, values, p, q, thickness):
    p = tuple(int(round(c)) for c in p)
    q = tuple(int(round(c)) for c in q)
    for canvas, value in zip(canvases, values):
        cv2.line(
            canvas,
            p,
            q,
            value,
            max(int(round(thickness)), 1),
            lineType=cv2.LINE_8)


def _fill(canvases, values, pts):
    pts = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
    for canvas, value in zip(canvases, values):
        cv2.fillPoly(canvas, [pts], value, lineType=cv2.LINE_8)


def _disk(canvases, values, c, r):
    c = tuple(int(round(v)) for v in c)
    for canvas, value in zip(canvases, values):
        cv2.circle(
            canvas, c, max(int(round(r)), 1), value, -1, lineType=cv2.LINE_8)


def draw_person(image: np.ndarray, id_map: np.ndarray, mask: np.ndarray,
                pose: BodyPose, style: PersonStyle, person_id: int) -> None:
    """Draw one person over what is already on the canvases (in place).

    Each primitive is drawn twice on the image, a dark outline then its fill,
    and once on the id map and the mask with the outline's extent, so the id
    map covers exactly the pixels the person occupies in the image.
    """
    k = pose.keypoints
    u = pose.unit
    edge = max(1.0, 0.12 * u)
    canvases = (image, id_map, mask)

    def limb(a, b, t, colour):
        _segment(canvases, (style['line'], person_id, 1), k[_K[a]], k[_K[b]],
                 t * u + 2 * edge)
        _segment((image, ), (style[colour], ), k[_K[a]], k[_K[b]], t * u)

    for a, b, t, colour in _LIMBS_BACK:
        limb(a, b, t, colour)
    # Torso: shoulders to hips, a little wider than the joints.
    ls, rs = k[_K['left_shoulder']], k[_K['right_shoulder']]
    lh, rh = k[_K['left_hip']], k[_K['right_hip']]
    widen = 0.25 * u * (ls - rs) / (np.linalg.norm(ls - rs) + 1e-6)
    torso = np.stack(
        [ls + widen, lh + widen * 0.8, rh - widen * 0.8, rs - widen])
    centre = torso.mean(0)
    outline = centre + (torso - centre) * (1 + edge / (0.5 * u + 1e-6) * 0.5)
    _fill(canvases, (style['line'], person_id, 1), outline)
    _fill((image, ), (style['shirt'], ), torso)
    # Neck.
    _segment((image, id_map, mask), (style['skin'], person_id, 1),
             (ls + rs) / 2, pose.head_center, 0.35 * u)
    for a, b, t, colour in _LIMBS_FRONT:
        limb(a, b, t, colour)
    # Head with a face: dark eyes, a nose tip, ears as small darker dots.
    _disk(canvases, (style['line'], person_id, 1), pose.head_center,
          pose.head_radius + edge)
    _disk((image, ), (style['skin'], ), pose.head_center, pose.head_radius)
    eye_r = max(1.0, 0.09 * u)
    for name in ('left_eye', 'right_eye'):
        _disk((image, ), ((30, 30, 30), ), k[_K[name]], eye_r)
    _disk((image, ), ((60, 60, 170), ), k[_K['nose']], eye_r)
    dark_skin = tuple(int(c * 0.7) for c in style['skin'])
    for name in ('left_ear', 'right_ear'):
        _disk((image, ), (dark_skin, ), k[_K[name]], eye_r * 1.2)


def draw_background(rng: np.random.Generator, height: int,
                    width: int) -> np.ndarray:
    """A cluttered background: a smooth colour gradient, random blobs and
    bars (some limb-like), and pixel noise."""
    base = rng.integers(40, 220, size=(2, 2, 3)).astype(np.float32)
    image = cv2.resize(base, (width, height), interpolation=cv2.INTER_LINEAR)
    for _ in range(rng.integers(4, 12)):
        colour = tuple(float(c) for c in rng.integers(0, 255, 3))
        kind = rng.integers(3)
        c = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        if kind == 0:
            axes = (int(rng.integers(5, width // 4)),
                    int(rng.integers(5, height // 4)))
            cv2.ellipse(image, c, axes, float(rng.uniform(0, 180)), 0, 360,
                        colour, -1)
        elif kind == 1:
            d = (int(rng.integers(5, width // 3)),
                 int(rng.integers(5, height // 3)))
            cv2.rectangle(image, c, (c[0] + d[0], c[1] + d[1]), colour, -1)
        else:
            q = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(image, c, q, colour, int(rng.integers(2, 8)))
    image += rng.normal(0.0, 6.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)
