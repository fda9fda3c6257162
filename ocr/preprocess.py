"""Image preparation before OCR.

Only steps that lowered CER on ../shared/samples are applied by the pipeline; the
measurements (grayscale, autocontrast, Otsu binarisation, unsharp mask, upscaling)
are in bench/RESULTS.md. What is kept:
- EXIF orientation is applied (Tesseract ignores it; a sideways phone scan reads as nothing);
- a reduced copy for the cheap selection pass.
Deskew is left to Tesseract's own line finding: the samples' 0.3-1.9° skew did not hurt.
"""
from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image, ImageOps

from ocr.inputs import DECODE_ERRORS, unreadable_image

EXIF_ORIENTATION = 0x0112


def upright(path: Path, workdir: Path) -> Path:
    """The path Tesseract should read: the original, or a transposed copy in ``workdir``."""
    try:
        with Image.open(path) as im:
            if im.format == "PNG" and _png_upright_without_decoding(path, im):
                return path
            orientation = im.getexif().get(EXIF_ORIENTATION, 1)
            if orientation in (None, 1):
                return path
            turned = ImageOps.exif_transpose(im)
            dpi = _dpi(im)
    except DECODE_ERRORS as exc:
        raise unreadable_image(path.name, exc) from None
    out = workdir / "upright.png"
    turned.save(out, dpi=dpi, compress_level=1)
    return out


# PNG chunks Pillow reads orientation from: eXIf itself, and text chunks ("Raw profile type exif",
# XMP in iTXt) which, after the image data, Pillow only sees once it has decoded every pixel.
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_PNG_ORIENTATION_KEYS = ("exif", "Raw profile type exif", "XML:com.adobe.xmp")


def _png_upright_without_decoding(path: Path, im: Image.Image) -> bool:
    """True when the PNG surely has no orientation, known without decoding it.

    Pillow's `getexif` decodes the whole PNG to look for an eXIf chunk after the image data (a
    full decode per page for nothing, on scans that have none). Walking the chunk headers gives the
    same answer: no eXIf chunk anywhere, no text chunk after the image data, and none of the
    orientation sources among the chunks Pillow already read. Otherwise (False) Pillow decides.
    """
    if any(key in im.info for key in _PNG_ORIENTATION_KEYS):
        return False
    seen_data = False
    with open(path, "rb") as fh:
        fh.seek(8)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False  # truncated: let Pillow decide (and fail) as before
            length, ctype = struct.unpack(">I4s", header)
            if ctype == b"eXIf" or (seen_data and ctype in _PNG_TEXT):
                return False
            if ctype == b"IDAT":
                seen_data = True
            elif ctype == b"IEND":
                return True
            fh.seek(length + 4, 1)


def reduced(path: Path, workdir: Path, factor: int = 2) -> Path:
    """A grayscale copy shrunk by ``factor`` (box filter), for the selection pass.

    The original's dpi is divided too, so Tesseract's size estimates stay right.
    """
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            gray = im.convert("L").reduce(factor)
            dpi = tuple(d / factor for d in _dpi(im))
    except DECODE_ERRORS as exc:
        raise unreadable_image(path.name, exc) from None
    out = workdir / "reduced.png"
    gray.save(out, dpi=dpi, compress_level=1)
    return out


def _dpi(im: Image.Image) -> tuple[float, float]:
    dpi = im.info.get("dpi") or (300, 300)
    # Scanners often write 1 or 72 dpi placeholders; our masters are ~300 dpi scans.
    return tuple(float(d) if d and float(d) >= 100 else 300.0 for d in dpi[:2])  # type: ignore[return-value]
