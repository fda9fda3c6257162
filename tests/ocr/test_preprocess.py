from __future__ import annotations

import io

import pytest
from PIL import Image

from ocr.base import OcrFailed
from ocr.preprocess import reduced, upright


def _truncated_png(path, orientation=1):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.effect_noise((400, 400), 60).save(buffer, "PNG", exif=exif)
    path.write_bytes(buffer.getvalue()[:2000])
    return path


@pytest.mark.parametrize("prepare", [reduced, upright])
def test_undecodable_pixels_are_an_ocr_error(tmp_path, prepare):
    page = _truncated_png(tmp_path / "page.png", orientation=6)
    with pytest.raises(OcrFailed, match=r"page.png: unreadable image \(OSError\)"):
        prepare(page, tmp_path)
