"""Access pyramids and thumbnails: upright, 8-bit, grey or sRGB, masters untouched."""
from __future__ import annotations

import pytest
import pyvips
from PIL import Image

from ingest.derivatives import is_plain, load_page, make_access, make_thumb, normalise
from ingest.validate import check_file, read_header

from tests.ingest.conftest import page


def variants(tmp_path):
    base = Image.open(page(tmp_path / "base.png")).crop((0, 0, 600, 400))
    base.convert("I").point(lambda v: v * 257).convert("I;16").save(tmp_path / "grey16.png")
    rgba = base.convert("RGBA")
    rgba.putalpha(base.point(lambda v: 255 - v))  # ink opaque, paper transparent
    rgba.convert("P").save(tmp_path / "palette-alpha.png", transparency=0)
    base.convert("CMYK").save(tmp_path / "cmyk.jpg")
    turned = base.rotate(90, expand=True)
    exif = turned.getexif()
    exif[0x0112] = 6
    turned.save(tmp_path / "exif6.jpg", exif=exif)
    return ["grey16.png", "palette-alpha.png", "cmyk.jpg", "exif6.jpg"]


@pytest.fixture
def made(tmp_path):
    return tmp_path, variants(tmp_path)


@pytest.mark.parametrize("name", ["grey16.png", "palette-alpha.png", "cmyk.jpg", "exif6.jpg"])
def test_access_copy_is_upright_8bit_and_not_black_or_white(made, name):
    folder, _ = made
    path = folder / name
    before = path.read_bytes()
    fmt = check_file(path, name, max_bytes=1 << 30)
    head = read_header(path, name, fmt, max_pixels=10**8, max_png_text=1 << 20)
    image = load_page(path, name, fmt, orientation=head.orientation)
    assert not is_plain(image, fmt, head.orientation, head.pages)
    derived = make_access(normalise(image), folder / "access.tif", name, quality=90)
    assert (derived.width, derived.height) == (600, 400)  # exif6 came out upright
    access = pyvips.Image.new_from_file(str(folder / "access.tif"))
    assert access.format == "uchar" and access.interpretation in ("b-w", "srgb") and not access.hasalpha()
    with Image.open(folder / "access.tif") as tif:
        assert tif.tag_v2[322] == 256 and tif.tag_v2[323] == 256  # TileWidth, TileLength
        assert tif.tag_v2[259] == 7  # JPEG compression
    assert pyvips.Image.new_from_file(str(folder / "access.tif"), page=1).width == 300  # a pyramid level
    assert 200 < access.avg() < 250  # a page with text: neither white nor black
    assert path.read_bytes() == before  # the master is never touched
    make_thumb(folder / "access.tif", folder / "thumb.jpg", size=400)
    thumb = pyvips.Image.new_from_file(str(folder / "thumb.jpg"))
    assert max(thumb.width, thumb.height) == 400


def test_plain_masters_go_to_ocr_as_they_are(tmp_path):
    path = page(tmp_path / "p.png")
    fmt = check_file(path, "p.png", max_bytes=1 << 30)
    assert is_plain(load_page(path, "p.png", fmt), fmt, 1, 1)


def test_jpeg2000_pages_are_read_by_libvips(tmp_path):
    src = Image.open(page(tmp_path / "p.png")).crop((0, 0, 400, 300))
    src.save(tmp_path / "p.jp2")
    path = tmp_path / "p.jp2"
    fmt = check_file(path, "p.jp2", max_bytes=1 << 30)
    assert fmt.name == "jp2"
    head = read_header(path, "p.jp2", fmt, max_pixels=10**8, max_png_text=1 << 20)
    image = load_page(path, "p.jp2", fmt)
    assert (head.width, head.height) == (400, 300) and not is_plain(image, fmt, 1, 1)
    assert make_access(normalise(image), tmp_path / "a.tif", "p.jp2", quality=90).width == 400
