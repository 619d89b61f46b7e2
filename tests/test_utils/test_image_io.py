"""load_image: every readable kind becomes (H, W, 3) uint8 BGR; the rest
raise ImageLoadError naming the file."""
import cv2
import numpy as np
import pytest
from PIL import Image

from mmpose_occlusion.utils import ImageLoadError, load_image


@pytest.fixture()
def bgr():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)


def test_color_gray_rgba_16bit(tmp_path, bgr):
    cv2.imwrite(str(tmp_path / 'c.png'), bgr)
    np.testing.assert_array_equal(load_image(str(tmp_path / 'c.png')), bgr)

    gray = bgr[..., 0]
    cv2.imwrite(str(tmp_path / 'g.png'), gray)
    out = load_image(str(tmp_path / 'g.png'))
    assert out.shape == (12, 16, 3) and out.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], gray)

    rgba = np.dstack([bgr[..., ::-1], np.zeros_like(gray)])  # transparent
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'a.png')
    np.testing.assert_array_equal(load_image(str(tmp_path / 'a.png')), bgr)

    cv2.imwrite(str(tmp_path / 'd.png'), gray.astype(np.uint16) * 257)
    out = load_image(str(tmp_path / 'd.png'))
    np.testing.assert_array_equal(out[..., 1], gray)  # 16 -> 8 bits

    Image.fromarray(gray).convert('P').save(tmp_path / 'p.png')
    assert load_image(str(tmp_path / 'p.png')).shape == (12, 16, 3)


def test_bad_files_name_themselves(tmp_path, bgr):
    with pytest.raises(ImageLoadError, match='nope.jpg: no such file'):
        load_image(str(tmp_path / 'nope.jpg'))
    (tmp_path / 'text.jpg').write_text('hello')
    with pytest.raises(ImageLoadError, match='text.jpg: not an image'):
        load_image(str(tmp_path / 'text.jpg'))
    cv2.imwrite(str(tmp_path / 'full.jpg'), bgr)
    data = (tmp_path / 'full.jpg').read_bytes()
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) // 2])
    with pytest.raises(
            ImageLoadError, match='cut.jpg: unreadable or '
            'truncated'):
        load_image(str(tmp_path / 'cut.jpg'))
    with pytest.raises(ImageLoadError, match='is a folder'):
        load_image(str(tmp_path))
