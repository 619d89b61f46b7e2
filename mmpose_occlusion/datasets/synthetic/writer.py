"""Write synthetic crowded scenes to disk as a COCO keypoint dataset.

Layout written under ``out_dir``::

    annotations/person_keypoints_{split}.json
    {split}/{image_id:012d}.jpg

Each image is generated from its own seed, ``(seed, split index, image
index)``, so a split is reproducible image by image and independent of the
other splits. The JSON is written last and atomically (a temporary file
renamed into place), so its presence means the split is complete.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np

from mmpose_occlusion.utils import Progress
from .body import COCO_KEYPOINT_NAMES, COCO_SKELETON
from .scene import SceneConfig, generate_scene

__all__ = ['SPLITS', 'generate_split', 'annotation_path', 'split_is_complete']

#: split name -> index mixed into each image's seed.
SPLITS = {'train': 0, 'val': 1, 'test': 2}


def annotation_path(out_dir: str, split: str) -> str:
    """Where the COCO JSON of ``split`` lives."""
    return osp.join(out_dir, 'annotations', f'person_keypoints_{split}.json')


def split_is_complete(out_dir: str, split: str) -> bool:
    """True when the split's JSON exists (it is written last)."""
    return osp.isfile(annotation_path(out_dir, split))


def _image_id(split: str, index: int) -> int:
    return SPLITS[split] * 10_000_000 + index + 1


def generate_split(out_dir: str,
                   split: str,
                   num_images: int,
                   seed: int = 0,
                   cfg: Optional[SceneConfig] = None,
                   progress: bool = True) -> Dict:
    """Generate ``num_images`` scenes of ``split`` and return the COCO dict.

    Args:
        out_dir: dataset root; created if missing.
        split: one of :data:`SPLITS`.
        num_images: how many images to draw.
        seed: base seed; the same seed gives byte-identical annotations.
        cfg: scene parameters (:class:`SceneConfig`); defaults if None.
        progress: show the progress (MMEngine's bar on a terminal, a few
            lines with images/s in a log file).
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {sorted(SPLITS)}, '
                         f'got {split!r}')
    if num_images < 1:
        raise ValueError(f'num_images must be >= 1, got {num_images}')
    cfg = cfg or SceneConfig()
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(osp.dirname(annotation_path(out_dir, split)), exist_ok=True)

    images, annotations = [], []
    bar = Progress(num_images, 'images') if progress else None
    for index in range(num_images):
        rng = np.random.default_rng([seed, SPLITS[split], index])
        scene = generate_scene(rng, cfg)
        image_id = _image_id(split, index)
        file_name = f'{image_id:012d}.jpg'
        img_path = osp.join(img_dir, file_name)
        if not cv2.imwrite(img_path, scene.image,
                           [cv2.IMWRITE_JPEG_QUALITY, 95]):
            raise OSError(f'could not write {img_path}')
        images.append(
            dict(
                id=image_id,
                file_name=file_name,
                width=cfg.width,
                height=cfg.height))
        for p in range(len(scene.keypoints)):
            annotations.append(
                dict(
                    id=image_id * 100 + p + 1,
                    image_id=image_id,
                    category_id=1,
                    iscrowd=0,
                    bbox=[round(float(v), 2) for v in scene.bboxes[p]],
                    area=round(float(scene.areas[p]), 2),
                    num_keypoints=int(scene.num_keypoints[p]),
                    keypoints=[
                        round(float(v), 2)
                        for v in scene.keypoints[p].reshape(-1)
                    ],
                    # Drawing order (0 = farthest), kept for analysis tools.
                    depth_order=p,
                ))
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()

    coco = dict(
        info=dict(
            description='mmpose_occlusion synthetic crowded scenes',
            seed=seed,
            scene_config=vars(cfg)),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[
            dict(
                id=1,
                name='person',
                supercategory='person',
                keypoints=list(COCO_KEYPOINT_NAMES),
                skeleton=[list(s) for s in COCO_SKELETON])
        ],
    )
    path = annotation_path(out_dir, split)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(coco, f)
    os.replace(tmp, path)
    return coco
