"""Reading users' images into the BGR uint8 arrays MMPose expects.

Photographs come as 8-bit RGB JPEGs, but also grayscale, palette, RGBA and
16-bit PNG/TIFF; files are truncated or are not images at all.
``load_image`` turns every readable one into (H, W, 3) uint8 BGR and raises
``ImageLoadError`` naming the file and the problem otherwise (a truncated
file is an error, not a silently grey-padded picture).
"""
import os.path as osp

import numpy as np

__all__ = ['ImageLoadError', 'load_image', 'IMAGE_EXTENSIONS']

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class ImageLoadError(ValueError):
    """An input image could not be read."""


def load_image(path: str) -> np.ndarray:
    """Read an image file as (H, W, 3) uint8 BGR.

    Grayscale is replicated to three channels, alpha is dropped, palette
    images are expanded, 16-bit and float images are scaled to 8 bits, and
    the EXIF orientation is applied (as OpenCV does).

    Raises:
        ImageLoadError: the file is missing, not an image, truncated or
            empty.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError
    if not osp.exists(path):
        raise ImageLoadError(f'{path}: no such file; check the path')
    if osp.isdir(path):
        raise ImageLoadError(f'{path}: is a folder, not an image')
    try:
        with Image.open(path) as im:
            im.load()  # decodes everything: a truncated file raises here
            im = ImageOps.exif_transpose(im)
            mode = im.mode
            if mode in ('I;16', 'I;16B', 'I;16L', 'I', 'F'):
                arr = np.asarray(im, np.float64)
                if mode == 'F':  # floats: [0, 1], else their own range
                    top = max(float(arr.max()), 1.0)
                else:  # 16-bit (mode 'I' holds 8 or 16 bits)
                    top = 65535.0 if mode != 'I' or arr.max() > 255 else 255.
                gray = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
                rgb = np.repeat(gray[..., None], 3, axis=2)
            else:
                rgb = np.asarray(im.convert('RGB'))
    except UnidentifiedImageError as e:
        raise ImageLoadError(
            f'{path}: not an image PIL can read ({e}); convert it to '
            'JPEG or PNG, or remove it from the input') from e
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageLoadError(
            f'{path}: unreadable or truncated image ({e}); re-export or '
            'remove it') from e
    if rgb.ndim != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageLoadError(f'{path}: empty image of shape {rgb.shape}')
    return np.ascontiguousarray(rgb[..., ::-1])
