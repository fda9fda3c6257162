"""Refuse anything that is not one readable page image before Tesseract sees it.

Tesseract treats a text file as a list of image paths and exits 0 on images it cannot
read (input-pitfalls.md), so the checks happen here, with clean messages.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ocr.base import OcrFailed

# Formats Leptonica (Tesseract's image library) reads, by Pillow's format name.
READABLE_FORMATS = frozenset({"PNG", "JPEG", "MPO", "TIFF", "BMP", "GIF", "WEBP", "PPM", "JPEG2000"})
# What Pillow raises for a damaged or hostile image, when opening it or when decoding its pixels.
DECODE_ERRORS = (OSError, ValueError, Image.DecompressionBombError)


def unreadable_image(name: str, exc: BaseException) -> OcrFailed:
    # Only the exception's type: Pillow's messages can quote bytes of the file.
    return OcrFailed(f"{name}: unreadable image ({type(exc).__name__})")


def ensure_page_image(path: Path) -> str:
    """Return the image format of ``path`` or raise OcrFailed naming the cause."""
    name = path.name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise OcrFailed(f"{name}: file does not exist") from None
    except OSError as exc:
        raise OcrFailed(f"{name}: cannot be read ({exc.strerror})") from None
    # lstat, not stat: a symlink is refused rather than followed to wherever it points.
    if not stat.S_ISREG(st.st_mode):
        raise OcrFailed(f"{name}: not a regular file")
    if st.st_size == 0:
        raise OcrFailed(f"{name}: empty file (0 bytes)")
    try:
        with Image.open(path) as im:
            fmt = im.format or "unknown"
            frames = getattr(im, "n_frames", 1)
    except UnidentifiedImageError:
        raise OcrFailed(f"{name}: not an image file") from None
    except DECODE_ERRORS as exc:
        raise unreadable_image(name, exc) from None
    if fmt not in READABLE_FORMATS:
        raise OcrFailed(f"{name}: image format {fmt} is not supported for OCR")
    if frames > 1 and fmt != "MPO":
        raise OcrFailed(f"{name}: {frames}-page image; OCR takes one page at a time")
    return fmt
