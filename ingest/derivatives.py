"""Access copy (pyramidal tiled TIFF) and thumbnail from a page image, with libvips.

The master is never touched: these functions read it and write new files. Derivatives are always
upright (EXIF/TIFF orientation applied), 8-bit, and grey or sRGB, because viewers, IIIF clients and
Tesseract all ignore or mishandle the alternatives:
- 16-bit grey/RGB is scaled to 8 bits by libvips' colourspace (Pillow's convert gives a white page);
- alpha (palette PNG with transparency, RGBA) is flattened onto white (otherwise it comes out black);
- CMYK and embedded ICC profiles (Adobe RGB) are transformed to sRGB.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips

from ingest.errors import InvalidFile
from ingest.validate import Format, vips_reason, open_lazy

_GREY = {"b-w", "grey16"}


def load_page(path: Path, name: str, fmt: Format, *, page: int = 0, orientation: int = 1,
              decoded: pyvips.Image | None = None) -> pyvips.Image:
    """The page, lazily. Call `validate.verify_decode` first: this load is not strict.

    `decoded`: the page as `verify_decode` kept it in memory, used instead of reading the file again.
    """
    if decoded is not None:
        return decoded
    if orientation == 1:
        return open_lazy(path, name, fmt, page=page)
    # Rotations read pixels out of order, which a sequential loader refuses.
    try:
        return pyvips.Operation.call(fmt.loader, str(path), access="random",
                                     **({"page": page} if fmt.name == "tiff" else {}))
    except pyvips.Error as exc:
        raise InvalidFile(name, f"unreadable {fmt.name.upper()} ({vips_reason(exc)})") from exc


def normalise(image: pyvips.Image) -> pyvips.Image:
    """Upright, 8-bit, grey or sRGB, no alpha."""
    image = image.autorot()
    interp = image.interpretation
    if interp == "cmyk" or image.get_typeof("icc-profile-data") != 0:
        image = _to_srgb_icc(image)
        interp = image.interpretation
    if interp in _GREY or (interp not in ("srgb", "rgb16", "scrgb") and image.bands in (1, 2)):
        image = image.colourspace("b-w")
    elif interp != "srgb":
        image = image.colourspace("srgb")
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.format != "uchar":
        image = image.cast("uchar")
    return image


def _to_srgb_icc(image: pyvips.Image) -> pyvips.Image:
    fallback = "cmyk" if image.interpretation == "cmyk" else "srgb"
    try:
        return image.icc_transform("srgb", embedded=True, input_profile=fallback, depth=8)
    except pyvips.Error:
        # A damaged embedded profile: libvips' own conversion is better than failing the page.
        return image.colourspace("srgb")


def is_plain(image: pyvips.Image, fmt: Format, orientation: int, pages: int) -> bool:
    """Whether Tesseract can be given the master itself (so OCR sees exactly what raw Tesseract would)."""
    return (fmt.name in ("jpeg", "png", "tiff") and orientation == 1 and pages == 1
            and image.format == "uchar" and not image.hasalpha()
            and image.interpretation in ("b-w", "srgb") and image.bands in (1, 3))


@dataclass(frozen=True)
class Derived:
    width: int
    height: int


def make_access(image: pyvips.Image, out: Path, name: str, *, quality: int) -> Derived:
    """Pyramidal tiled TIFF, JPEG-compressed, 256 px tiles."""
    try:
        image.tiffsave(str(out), tile=True, pyramid=True, compression="jpeg", Q=quality,
                       tile_width=256, tile_height=256, strip=True)
    except pyvips.Error as exc:
        raise InvalidFile(name, f"access copy cannot be made ({vips_reason(exc)})") from exc
    return Derived(image.width, image.height)


def make_thumb(access: Path, out: Path, *, size: int) -> None:
    """Thumbnail JPEG from the access pyramid (reads a small level, not the full page)."""
    thumb = pyvips.Image.thumbnail(str(access), size)
    thumb.jpegsave(str(out), Q=80, strip=True)


def write_ocr_input(image: pyvips.Image, out: Path, name: str) -> Path:
    """Lossless copy of the normalised page for Tesseract (when the master cannot be given as is)."""
    try:
        image.pngsave(str(out), compression=1)
    except pyvips.Error as exc:
        raise InvalidFile(name, f"OCR copy cannot be made ({vips_reason(exc)})") from exc
    return out
