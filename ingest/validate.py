"""Validation of input files before any library decodes their pixels.

Order matters: size and magic bytes first (the extension is never trusted: an SVG or a text file
named `page.png` must not reach a sniffing loader or Tesseract), then the declared dimensions from
the header only (libvips has no pixel limit and would happily spool a 200000×200000 TIFF to disk),
then PNG text chunks (libpng inflates them while reading the header). Full-decode checks
(`verify_jpeg_strict`, and libvips `fail_on="warning"` in derivatives) come last.
"""
from __future__ import annotations

import codecs
import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyvips

from ingest.errors import InvalidFile


@dataclass(frozen=True)
class Format:
    name: str  # jpeg png tiff jp2 pdf
    mime: str
    ext: str  # extension used for the stored master
    loader: str | None  # libvips loader operation; None for PDF


FORMATS: dict[str, Format] = {
    "jpeg": Format("jpeg", "image/jpeg", "jpg", "jpegload"),
    "png": Format("png", "image/png", "png", "pngload"),
    "tiff": Format("tiff", "image/tiff", "tif", "tiffload"),
    "jp2": Format("jp2", "image/jp2", "jp2", "jp2kload"),
    "pdf": Format("pdf", "application/pdf", "pdf", None),
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"\xffO\xffQ", "jp2"),  # raw JPEG 2000 codestream
)

# What a non-image most likely is, for a helpful message (never the file's contents).
_LOOKS_LIKE: tuple[tuple[bytes, str], ...] = (
    (b"<?xml", "XML or SVG"), (b"<svg", "SVG"), (b"<!DOCTYPE html", "HTML"), (b"<html", "HTML"),
    (b"PK\x03\x04", "ZIP or office document"), (b"GIF8", "GIF (not accepted)"),
    (b"RIFF", "RIFF/WebP (not accepted)"), (b"BM", "BMP (not accepted)"),
)

HEAD_BYTES = 1024


def sniff(head: bytes) -> str | None:
    """Format name from the first bytes of a file, or None if it is not an accepted format."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    # The PDF header may follow some junk, as readers accept it within the first 1024 bytes.
    if b"%PDF-" in head[:HEAD_BYTES]:
        return "pdf"
    return None


def _looks_like(head: bytes) -> str:
    stripped = head.lstrip()
    for magic, label in _LOOKS_LIKE:
        if stripped[: len(magic)].lower() == magic.lower():
            return label
    try:
        # Incremental: the 1 KiB head may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "unknown binary data"
    return "text"


def check_file(path: Path, name: str, *, max_bytes: int) -> Format:
    """Size and magic-byte checks; returns the detected format. `name` is what messages call the file."""
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InvalidFile(name, f"cannot be read ({exc.strerror or 'I/O error'})") from exc
    if size == 0:
        raise InvalidFile(name, "empty file (0 bytes)")
    if size > max_bytes:
        raise InvalidFile(name, f"file is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit")
    fmt = sniff(head)
    if fmt is None:
        raise InvalidFile(name, f"not a supported image or PDF (content looks like {_looks_like(head)}; "
                                "accepted: TIFF, JPEG, PNG, JPEG 2000, PDF)")
    return FORMATS[fmt]


@dataclass(frozen=True)
class ImageHeader:
    width: int
    height: int
    pages: int  # frames in the file (multi-page TIFF), else 1
    bands: int
    orientation: int  # EXIF/TIFF orientation 1..8; 1 = upright (also when absent)


def check_pixels(name: str, width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise InvalidFile(name, f"declares an empty page ({width}×{height} pixels)")
    if width * height > max_pixels:
        raise InvalidFile(name, f"declares {width}×{height} pixels, over the limit of {max_pixels:,} pixels")


def read_header(path: Path, name: str, fmt: Format, *, max_pixels: int, max_png_text: int,
                page: int = 0) -> ImageHeader:
    """Dimensions, frame count and orientation, reading headers only (no pixel is decoded)."""
    if fmt.name == "png":
        # Our own IHDR parse first: libpng inflates text chunks while reading the header.
        width, height = png_size(path, name)
        check_pixels(name, width, height, max_pixels)
        check_png_text(path, name, max_png_text)
    image = open_lazy(path, name, fmt, page=page)
    check_pixels(name, image.width, image.height, max_pixels)
    fields = set(image.get_fields())
    pages = image.get("n-pages") if "n-pages" in fields else 1
    orientation = image.get("orientation") if "orientation" in fields else 1
    return ImageHeader(image.width, image.height, max(1, int(pages)), image.bands,
                       int(orientation) if 1 <= int(orientation) <= 8 else 1)


def open_lazy(path: Path, name: str, fmt: Format, *, page: int = 0, strict: bool = False) -> pyvips.Image:
    """Open with the loader of the sniffed format (never libvips' own content sniffing).

    Lazy: libvips reads the header now and decodes pixels only when they are used. With `strict`
    any decoder warning (truncation, corrupt data) becomes an error at decode time.
    """
    if fmt.loader is None:
        raise InvalidFile(name, f"{fmt.name} is not a raster image")
    options: dict[str, object] = {"access": "sequential"}
    if strict:
        options["fail_on"] = "warning"
    if fmt.name == "tiff":
        options["page"] = page
    try:
        return pyvips.Operation.call(fmt.loader, str(path), **options)
    except pyvips.Error as exc:
        raise InvalidFile(name, f"unreadable {fmt.name.upper()} header ({vips_reason(exc)})") from exc


def vips_reason(exc: pyvips.Error) -> str:
    # libvips messages name the loader and the problem, not file contents; keep the last line only
    # and drop the path (which may be a resolved temporary name).
    detail = (exc.detail or str(exc)).strip().splitlines()
    text = detail[-1] if detail else "decoder error"
    return text.split(": ", 1)[-1][:160]


def png_size(path: Path, name: str) -> tuple[int, int]:
    with open(path, "rb") as fh:
        head = fh.read(33)
    if len(head) < 33 or head[12:16] != b"IHDR":
        raise InvalidFile(name, "PNG without a valid IHDR header")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def check_png_text(path: Path, name: str, max_text: int) -> None:
    """Walk the PNG chunks (skipping image data) and refuse text chunks that inflate past `max_text`."""
    total = 0
    with open(path, "rb") as fh:
        fh.seek(8)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return  # truncation of the image data is found when decoding
            length, ctype = struct.unpack(">I4s", header)
            if ctype in (b"tEXt", b"zTXt", b"iTXt"):
                if length > max_text * 4 + 1024:
                    raise InvalidFile(name, f"PNG text chunk of {length:,} bytes, over the limit")
                total += _text_chunk_size(fh.read(length), ctype, max_text - total + 1)
                if total > max_text:
                    raise InvalidFile(name, f"PNG text chunks inflate to over {max_text:,} bytes "
                                            "(decompression bomb); refused")
                fh.seek(4, os.SEEK_CUR)
            elif ctype == b"IEND":
                return
            else:
                fh.seek(length + 4, os.SEEK_CUR)


def _text_chunk_size(body: bytes, ctype: bytes, budget: int) -> int:
    if ctype == b"tEXt":
        return len(body)
    if ctype == b"zTXt":
        keyword_end = body.find(b"\x00")
        compressed = body[keyword_end + 2:]
    else:  # iTXt: keyword \0 flag method lang \0 translated \0 text
        keyword_end = body.find(b"\x00")
        if keyword_end < 0 or len(body) < keyword_end + 3 or body[keyword_end + 1] == 0:
            return len(body)
        rest = body[keyword_end + 3:]
        lang_end = rest.find(b"\x00")
        trans_end = rest.find(b"\x00", lang_end + 1)
        compressed = rest[trans_end + 1:]
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, max(budget, 1))
    except zlib.error:
        return len(body)  # libpng will refuse or skip a broken chunk; its size is what counts here
    return len(out)


_SAMPLE_BYTES = {"uchar": 1, "char": 1, "ushort": 2, "short": 2, "uint": 4, "int": 4, "float": 4,
                 "double": 8, "complex": 8, "dpcomplex": 16}


def verify_decode(path: Path, name: str, fmt: Format, *, page: int = 0,
                  keep_bytes: int = 0) -> pyvips.Image | None:
    """Decode every pixel once, strictly (any decoder warning is an error).

    A separate pass because libvips 8.14 can crash (segfault) when a strict load fails inside
    a pyramidal tiffsave; a failing `avg` or memory copy just raises. A page whose decoded pixels
    fit in `keep_bytes` is returned in memory (so the derivatives need not decode the file again);
    a larger one is only checked and nothing is kept (memory stays small: sequential access).
    """
    try:
        image = open_lazy(path, name, fmt, page=page, strict=True)
        sample = _SAMPLE_BYTES.get(image.format)
        if sample is not None and image.width * image.height * image.bands * sample <= keep_bytes:
            return image.copy_memory()
        image.avg()
    except pyvips.Error as exc:
        raise InvalidFile(name, f"image data is corrupt or truncated ({vips_reason(exc)})") from exc
    return None


def verify_jpeg_strict(path: Path, name: str, timeout_s: int = 60) -> None:
    """Decode a JPEG with `djpeg -strict`: libjpeg warnings (corrupt Huffman data, premature end)
    become errors. Pillow and libvips decode such files silently, filling the damage with grey.

    Skipped when djpeg (libjpeg-turbo-progs) is not installed; libvips `fail_on="warning"` in the
    derivative step still catches truncation.
    """
    djpeg = shutil.which("djpeg")
    if djpeg is None:
        return
    try:
        done = subprocess.run([djpeg, "-strict", "-outfile", os.devnull, str(path)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InvalidFile(name, "JPEG decoding timed out") from exc
    if done.returncode != 0:
        raise InvalidFile(name, f"JPEG data is {_jpeg_problem(done.stderr)}")


def _jpeg_problem(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").lower()
    if "premature end" in text:
        return "truncated (premature end of file)"
    if "corrupt" in text or "huffman" in text or "extraneous" in text:
        return "corrupt (damaged compressed data)"
    return "not decodable"
