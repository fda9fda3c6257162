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


def _png_with_late_exif(path, orientation):
    """A PNG whose eXIf chunk comes after the image data (Pillow finds it only by decoding)."""
    import struct
    import zlib
    buffer = io.BytesIO()
    Image.new("L", (40, 20), 255).save(buffer, "PNG")
    data = buffer.getvalue()
    exif = Image.Exif()
    exif[0x0112] = orientation
    body = exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif\x00\x00") else exif.tobytes()
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body))
    iend = data.rindex(b"IEND") - 4
    path.write_bytes(data[:iend] + chunk + data[iend:])
    return path


def test_upright_finds_exif_after_the_image_data(tmp_path):
    page = _png_with_late_exif(tmp_path / "late.png", orientation=6)
    out = upright(page, tmp_path)
    assert out != page
    with Image.open(out) as im:
        assert im.size == (20, 40)


def test_upright_keeps_a_png_without_orientation(tmp_path):
    page = tmp_path / "plain.png"
    Image.new("L", (40, 20), 255).save(page, "PNG", pnginfo=None)
    assert upright(page, tmp_path) == page
