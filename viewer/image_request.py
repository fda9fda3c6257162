"""IIIF Image API 3.0 request parameters: parsing and arithmetic, as pure functions.

Nothing here touches pixels, files or HTTP. `parse_request` turns the four path segments into an
`ImageRequest`; `resolve` applies it to an image of known size and gives a `Plan`: the region box in
full-image pixels, the output size, mirroring/rotation, quality, format and the canonical form of the
request (§4.8), which is also what the tile cache and the ETag are keyed on. `choose_level` and
`level_box` map a plan onto a pyramid level. Every error raised is a `BadRequest` (400) except a valid
request the service does not implement (`NotImplementedFeature`, 501).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from viewer.errors import BadRequest

QUALITIES = ("default", "color", "gray", "bitonal")
# Formats we encode, with their media types (§4.5); any other format is a 400, as §4.5 asks.
FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

_INT = r"\d+"
_FLOAT = r"(?:\d+(?:\.\d+)?|\.\d+)"  # §4.7: digits and "." only; ".9" tolerated on input
_PX4 = re.compile(rf"^({_INT}),({_INT}),({_INT}),({_INT})$")
_PCT4 = re.compile(rf"^pct:({_FLOAT}),({_FLOAT}),({_FLOAT}),({_FLOAT})$")
_PCT1 = re.compile(rf"^pct:({_FLOAT})$")
_WH = re.compile(rf"^(!)?({_INT})?,({_INT})?$")
_ROT = re.compile(rf"^(!)?({_FLOAT})$")


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class RegionSpec:
    kind: str  # "full" | "square" | "px" | "pct"
    values: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class SizeSpec:
    kind: str  # "max" | "w" | "h" | "pct" | "wh" | "confined"
    upscale: bool = False
    w: int | None = None
    h: int | None = None
    pct: float | None = None


@dataclass(frozen=True)
class Rotation:
    mirror: bool
    degrees: float  # 0 <= degrees < 360; a request for 360 is the same image as 0


@dataclass(frozen=True)
class Limits:
    """Server-imposed output limits (§5.2); None means no limit of that kind."""

    max_width: int | None = None
    max_height: int | None = None
    max_area: int | None = None


@dataclass(frozen=True)
class ImageRequest:
    region: RegionSpec
    size: SizeSpec
    rotation: Rotation
    quality: str
    format: str


@dataclass(frozen=True)
class Plan:
    """A request applied to an image: everything the pixel backend needs, in full-image pixels."""

    box: Box  # region of the full image
    width: int  # size the region is scaled to, before rotation
    height: int
    mirror: bool
    degrees: float
    quality: str
    format: str
    canonical: str  # "region/size/rotation/quality.format" in the canonical form of §4.8

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]


# --- parsing -----------------------------------------------------------------------------------

def parse_region(text: str) -> RegionSpec:
    if text in ("full", "square"):
        return RegionSpec(text)
    match = _PX4.match(text)
    if match:
        return RegionSpec("px", tuple(float(v) for v in match.groups()))  # type: ignore[arg-type]
    match = _PCT4.match(text)
    if match:
        return RegionSpec("pct", tuple(float(v) for v in match.groups()))  # type: ignore[arg-type]
    raise BadRequest(f"region {text!r} is not full, square, x,y,w,h or pct:x,y,w,h")


def parse_size(text: str) -> SizeSpec:
    upscale = text.startswith("^")
    body = text[1:] if upscale else text
    if body == "max":
        return SizeSpec("max", upscale)
    match = _PCT1.match(body)
    if match:
        pct = float(match.group(1))
        if pct <= 0:
            raise BadRequest(f"size {text!r}: the percentage must be above 0")
        if pct > 100 and not upscale:
            raise BadRequest(f"size {text!r}: over 100% needs the ^ prefix (^pct:n)")
        return SizeSpec("pct", upscale, pct=pct)
    match = _WH.match(body)
    if match and (match.group(2) or match.group(3)):
        bang, w_text, h_text = match.groups()
        w = int(w_text) if w_text else None
        h = int(h_text) if h_text else None
        if w == 0 or h == 0:
            raise BadRequest(f"size {text!r}: width and height must be at least 1")
        if bang:
            if w is None or h is None:
                raise BadRequest(f"size {text!r}: !w,h needs both a width and a height")
            return SizeSpec("confined", upscale, w=w, h=h)
        if w is not None and h is not None:
            return SizeSpec("wh", upscale, w=w, h=h)
        return SizeSpec("w" if w is not None else "h", upscale, w=w, h=h)
    raise BadRequest(f"size {text!r} is not max, w,, ,h, pct:n, w,h or !w,h (each optionally with ^)")


def parse_rotation(text: str) -> Rotation:
    match = _ROT.match(text)
    if not match:
        raise BadRequest(f"rotation {text!r} is not a number of degrees, optionally after !")
    degrees = float(match.group(2))
    if degrees > 360:
        raise BadRequest(f"rotation {text!r} is over 360 degrees")
    return Rotation(bool(match.group(1)), degrees % 360.0)


def parse_quality_format(text: str) -> tuple[str, str]:
    quality, dot, fmt = text.rpartition(".")
    if not dot:
        raise BadRequest(f"{text!r} is not quality.format (e.g. default.jpg)")
    if quality not in QUALITIES:
        raise BadRequest(f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
    if fmt not in FORMATS:
        raise BadRequest(f"format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")
    return quality, fmt


def parse_request(region: str, size: str, rotation: str, quality_format: str) -> ImageRequest:
    quality, fmt = parse_quality_format(quality_format)
    return ImageRequest(parse_region(region), parse_size(size), parse_rotation(rotation), quality, fmt)


# --- arithmetic --------------------------------------------------------------------------------

def _round(value: float) -> int:
    # Half up, not Python's half-to-even: 124.5 px of a region is pixel 125 however it is asked for.
    return int(math.floor(value + 0.5))


def resolve_region(spec: RegionSpec, width: int, height: int) -> Box:
    """The region in full-image pixels, cropped at the image's edge (§4.1)."""
    if spec.kind == "full":
        return Box(0, 0, width, height)
    if spec.kind == "square":
        side = min(width, height)  # centred in the longer dimension, as §4.1 suggests
        return Box((width - side) // 2, (height - side) // 2, side, side)
    if spec.kind == "px":
        x, y, w, h = (int(v) for v in spec.values)
    else:
        px, py, pw, ph = spec.values
        x, y = _round(px * width / 100), _round(py * height / 100)
        # A positive percentage never becomes an empty region by rounding alone.
        w = max(1, _round(pw * width / 100)) if pw > 0 else 0
        h = max(1, _round(ph * height / 100)) if ph > 0 else 0
    if w == 0 or h == 0:
        raise BadRequest("region width and height must be above 0")
    if x >= width or y >= height:
        raise BadRequest(f"region starts outside the {width}x{height} image")
    return Box(x, y, min(w, width - x), min(h, height - y))


def _limit_scale(rw: int, rh: int, limits: Limits) -> float:
    """Largest scale of a rw×rh region that keeps within the server's limits (inf: none)."""
    scale = math.inf
    if limits.max_width:
        scale = min(scale, limits.max_width / rw)
    max_height = limits.max_height or limits.max_width  # §5.2: maxHeight defaults to maxWidth
    if max_height:
        scale = min(scale, max_height / rh)
    if limits.max_area:
        scale = min(scale, math.sqrt(limits.max_area / (rw * rh)))
    return scale


def _within_limits(w: int, h: int, limits: Limits) -> bool:
    max_height = limits.max_height or limits.max_width
    return not (
        (limits.max_width and w > limits.max_width)
        or (max_height and h > max_height)
        or (limits.max_area and w * h > limits.max_area)
    )


def _scaled(rw: int, rh: int, scale: float, limits: Limits) -> tuple[int, int]:
    w, h = max(1, _round(rw * scale)), max(1, _round(rh * scale))
    # Rounding up may cross a limit by a pixel; step down until the size fits.
    while not _within_limits(w, h, limits) and (w > 1 or h > 1):
        scale *= 0.999
        w, h = max(1, math.floor(rw * scale)), max(1, math.floor(rh * scale))
    return w, h


def resolve_size(spec: SizeSpec, rw: int, rh: int, limits: Limits = Limits()) -> tuple[int, int]:
    """Output size for a rw×rh region (§4.2). Without ^, no dimension may exceed the region's."""
    if spec.kind == "max":
        scale = _limit_scale(rw, rh, limits)
        if not spec.upscale or scale == math.inf:
            scale = min(scale, 1.0)  # ^max without any declared limit has nothing to grow to
        w, h = _scaled(rw, rh, scale, limits)
    elif spec.kind == "w":
        w, h = spec.w, max(1, _round(rh * spec.w / rw))  # type: ignore[operator]
    elif spec.kind == "h":
        w, h = max(1, _round(rw * spec.h / rh)), spec.h  # type: ignore[operator]
    elif spec.kind == "pct":
        w, h = max(1, _round(rw * spec.pct / 100)), max(1, _round(rh * spec.pct / 100))  # type: ignore[operator]
    elif spec.kind == "wh":
        w, h = spec.w, spec.h  # type: ignore[assignment]
    else:  # confined: the largest size that fits in the w×h box, keeping the aspect ratio
        scale = min(spec.w / rw, spec.h / rh)  # type: ignore[operator]
        if scale > 1 and not spec.upscale:
            # §4.2 would clamp to the region, but the IIIF validator (size_noup) and Cantaloupe treat
            # a box larger than the region as a request to upscale: it needs ^.
            raise BadRequest(f"size !{spec.w},{spec.h} would upscale the {rw}x{rh} region; use ^!w,h")
        scale = min(scale, _limit_scale(rw, rh, limits))
        w, h = _scaled(rw, rh, scale, limits)
        w, h = min(w, spec.w), min(h, spec.h)  # type: ignore[type-var]
    assert w is not None and h is not None
    if not spec.upscale and (w > rw or h > rh):
        raise BadRequest(f"size {w}x{h} is larger than the {rw}x{rh} region; prefix ^ to upscale")
    if not _within_limits(w, h, limits):
        raise BadRequest(f"size {w}x{h} is over this server's limits")
    return w, h


def format_number(value: float) -> str:
    """§4.7: an integer where possible, else plain decimals without trailing zeros."""
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def canonical_path(box: Box, size: tuple[int, int], rotation: Rotation, quality: str, fmt: str,
                   width: int, height: int, limits: Limits = Limits()) -> str:
    """The canonical "region/size/rotation/quality.format" of §4.8."""
    region = "full" if box == Box(0, 0, width, height) else f"{box.x},{box.y},{box.w},{box.h}"
    upscaled = size[0] > box.w or size[1] > box.h
    if not upscaled and size == resolve_size(SizeSpec("max"), box.w, box.h, limits):
        size_text = "max"
    elif upscaled and size == resolve_size(SizeSpec("max", True), box.w, box.h, limits):
        size_text = "^max"
    else:
        size_text = ("^" if upscaled else "") + f"{size[0]},{size[1]}"
    rotation_text = ("!" if rotation.mirror else "") + format_number(rotation.degrees)
    return f"{region}/{size_text}/{rotation_text}/{quality}.{fmt}"


def resolve(request: ImageRequest, width: int, height: int, limits: Limits = Limits()) -> Plan:
    box = resolve_region(request.region, width, height)
    size = resolve_size(request.size, box.w, box.h, limits)
    canonical = canonical_path(box, size, request.rotation, request.quality, request.format,
                               width, height, limits)
    return Plan(box, size[0], size[1], request.rotation.mirror, request.rotation.degrees,
                request.quality, request.format, canonical)


# --- pyramid levels ----------------------------------------------------------------------------

def level_factor(full: tuple[int, int], level: tuple[int, int]) -> float:
    """Scale factor of a pyramid level. Levels halve with rounding down (libvips), so 2481 px has a
    1240 px level: its factor is 2, not 2.0008, or tile edges would drift by a pixel."""
    raw = full[0] / level[0]
    nominal = 2.0 ** round(math.log2(raw)) if raw >= 1 else raw
    if abs(full[0] / nominal - level[0]) <= 1 and abs(full[1] / nominal - level[1]) <= 1:
        return nominal
    return raw


def level_box(box: Box, factor: float, level: tuple[int, int]) -> Box:
    """The smallest box of level pixels covering `box` (given in full-image pixels)."""
    x0, y0 = math.floor(box.x / factor), math.floor(box.y / factor)
    x1 = min(level[0], math.ceil((box.x + box.w) / factor))
    y1 = min(level[1], math.ceil((box.y + box.h) / factor))
    return Box(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def choose_level(box: Box, out: tuple[int, int], full: tuple[int, int],
                 levels: Sequence[tuple[int, int]]) -> int:
    """Index of the smallest level whose copy of `box` is still at least the output size.

    One pixel of slack: an edge tile of an odd-sized image is 216 px at the level but 217 px when
    computed as ceil(433 / 2); reading the level and stretching by one pixel is invisible and far
    cheaper than reading the level above.
    """
    slack = 1 if min(out) >= 64 else 0  # small outputs show a stretched pixel; never stretch them
    best = 0
    for index, level in enumerate(levels):
        lb = level_box(box, level_factor(full, level), level)
        if lb.w >= out[0] - slack and lb.h >= out[1] - slack:
            best = index
    return best
