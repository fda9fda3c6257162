"""Image preparation before OCR.

Only steps that lowered CER on ../shared/samples are applied by the pipeline; the
measurements (grayscale, autocontrast, Otsu binarisation, unsharp mask, upscaling)
are in bench/RESULTS.md. What is kept:
- EXIF orientation is applied (Tesseract ignores it; a sideways phone scan reads as nothing);
- a reduced copy for the cheap selection pass.
Deskew is left to Tesseract's own line finding: the samples' 0.3-1.9° skew did not hurt.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from ocr.inputs import DECODE_ERRORS, unreadable_image

EXIF_ORIENTATION = 0x0112


def upright(path: Path, workdir: Path) -> Path:
    """The path Tesseract should read: the original, or a transposed copy in ``workdir``."""
    try:
        with Image.open(path) as im:
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
