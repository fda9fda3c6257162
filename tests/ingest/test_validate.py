"""Validation before decoding: magic bytes, empty and oversized files, declared pixels, PNG text
bombs, truncated and corrupt JPEGs, EXIF orientation."""
from __future__ import annotations

import time

import pytest
from PIL import Image

from ingest.errors import InvalidFile
from ingest.validate import FORMATS, check_file, read_header, sniff, verify_decode, verify_jpeg_strict

from tests.ingest.conftest import page, png_declaring, png_text_bomb, truncated_jpeg

MB = 1 << 20


def header(path, max_pixels=100_000_000):
    fmt = check_file(path, path.name, max_bytes=100 * MB)
    return fmt, read_header(path, path.name, fmt, max_pixels=max_pixels, max_png_text=1 << 20)


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "p1.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InvalidFile, match=r"p1\.jpg: empty file \(0 bytes\)"):
        check_file(empty, "p1.jpg", max_bytes=MB)


def test_size_limit(tmp_path):
    big = page(tmp_path / "p.png")
    with pytest.raises(InvalidFile, match="over the 0 MiB limit"):
        check_file(big, "p.png", max_bytes=1000)


@pytest.mark.parametrize("content,looks", [
    (b"root:x:0:0:root:/root:/bin/bash\n", "text"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "XML or SVG"),
    (b"PK\x03\x04" + bytes(100), "ZIP"),
])
def test_non_image_with_image_extension(tmp_path, content, looks):
    fake = tmp_path / "page.png"
    fake.write_bytes(content)
    with pytest.raises(InvalidFile, match=f"not a supported image or PDF .*{looks}") as err:
        check_file(fake, "page.png", max_bytes=MB)
    assert "root:x" not in str(err.value)  # the file's contents never reach a message


def test_magic_bytes_decide_not_the_extension(tmp_path):
    png = page(tmp_path / "p.png")
    renamed = png.rename(tmp_path / "scan.jpg")
    assert check_file(renamed, "scan.jpg", max_bytes=100 * MB).name == "png"
    assert sniff(b"%PDF-1.7\n") == "pdf" and sniff(b"junk\n%PDF-1.4") == "pdf"
    assert sniff(b"\x00\x00\x00\x0cjP  \r\n\x87\n") == "jp2"


def test_png_declaring_huge_dimensions_is_refused_from_the_header(tmp_path):
    bomb = png_declaring(tmp_path / "bomb.png", 100_000, 100_000)
    started = time.monotonic()
    with pytest.raises(InvalidFile, match=r"declares 100000×100000 pixels, over the limit"):
        header(bomb)
    assert time.monotonic() - started < 1  # nothing was decoded


def test_png_text_chunk_bomb(tmp_path):
    bomb = png_text_bomb(tmp_path / "text.png")
    with pytest.raises(InvalidFile, match="decompression bomb"):
        header(bomb)


def test_truncated_jpeg_is_detected(tmp_path):
    cut = truncated_jpeg(tmp_path / "p2.jpg")
    fmt, head = header(cut)  # the header itself is intact
    with pytest.raises(InvalidFile, match="truncated"):
        verify_jpeg_strict(cut, "p2.jpg")
    # libvips alone would fill the missing half with grey; in strict mode it fails instead.
    with pytest.raises(InvalidFile, match="corrupt or truncated"):
        verify_decode(cut, "p2.jpg", fmt)


def test_truncated_png_is_detected(tmp_path):
    png = page(tmp_path / "p.png")
    png.write_bytes(png.read_bytes()[:20000])
    fmt, head = header(png)
    with pytest.raises(InvalidFile, match="corrupt or truncated"):
        verify_decode(png, "p.png", fmt)


def test_corrupt_jpeg_data_is_detected(tmp_path):
    good = page(tmp_path / "p.jpg")
    data = bytearray(good.read_bytes())
    # A marker where entropy-coded data should be: libjpeg warns, so only a strict decoder notices.
    middle = len(data) // 2
    data[middle:middle + 2] = b"\xff\xd4"
    good.write_bytes(bytes(data))
    with pytest.raises(InvalidFile, match="corrupt|truncated"):
        verify_jpeg_strict(good, "p.jpg")


def test_exif_orientation_is_noted(tmp_path):
    src = page(tmp_path / "p.jpg")
    with Image.open(src) as im:
        exif = im.getexif()
        exif[0x0112] = 6
        im.rotate(90, expand=True).save(tmp_path / "turned.jpg", exif=exif)
    fmt, head = header(tmp_path / "turned.jpg")
    assert fmt == FORMATS["jpeg"] and head.orientation == 6
