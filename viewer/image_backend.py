"""Pixels for IIIF image requests, read from the pyramidal TIFF that ingest writes.

Three paths, all reading only the pyramid level that fits (`image_request.choose_level`):

- Pass-through (`ImageBackend.passthrough`): a jpg request that is exactly one whole stored tile of
  that level (aligned, unscaled, not rotated or mirrored, default/color quality) is answered with the
  tile's own JPEG bytes, spliced with the page's JPEGTables into one interchange JPEG: no decode, no
  encode. The answer then has the quality the pyramid was written with, not `jpeg_quality` (what a
  viewer asks for by default, so acceptable; ingest writes `IngestOptions.access_quality`). Edge tiles are stored padded to the
  full tile size with black, so a request for the image's last column or row of tiles is smaller
  than the stored tile and takes the next path.
- A request that falls inside one stored tile of that level (every tile a deep-zoom viewer asks for)
  reads that tile's compressed bytes with one `pread`, decodes it with Pillow and encodes the answer
  with Pillow. No libvips call at all: each one costs 70-100 µs of fixed overhead, and Pillow
  encodes a 256 px JPEG three times faster than libvips (shared/notes/iiif-speed.md).
- Anything else (views spanning tiles, arbitrary angles) goes through libvips, opened lazily on the
  level's page with random access, cropped to the region before any resize, so a request never
  decodes more than the tiles under its region.

`read_tiff_pages` is a small TIFF directory reader: Pillow refuses to open a sheet of more than
178 Mpx, and libvips cannot hand out the raw tile bytes.
"""
from __future__ import annotations

import io
import os
import struct
import threading
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import pyvips
from PIL import Image

from viewer.errors import NotFound, ViewerError
from viewer.image_request import Box, Plan, choose_level, level_box, level_factor

JPEG_COMPRESSION = 7  # TIFF "new-style" JPEG, what `vips tiffsave --compression jpeg` writes
PHOTOMETRIC_GRAY, PHOTOMETRIC_RGB = 1, 2
SOI, EOI = b"\xff\xd8", b"\xff\xd9"
# Adobe APP14 with transform 0: "the three components are RGB, not YCbCr". libvips writes its Q >= 90
# tiles as RGB (no subsampling) and marks that only by component ids "R", "G", "B", which
# libjpeg(-turbo) understands but other decoders need not; with this marker every decoder agrees.
ADOBE_RGB = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"
_SOF_MARKERS = {0xC0, 0xC1, 0xC2}  # baseline, extended, progressive
MAX_PAGES = 64  # more directories than any pyramid has: stop rather than follow a corrupt chain

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
               16: 8, 17: 8, 18: 8}
_TYPE_FORMATS = {1: "B", 3: "H", 4: "I", 13: "I", 16: "Q", 18: "Q", 6: "b", 8: "h", 9: "i", 17: "q"}
_WANTED = {256, 257, 258, 259, 262, 277, 322, 323, 324, 325, 347}


class PyramidError(ViewerError):
    """The access copy is not a pyramidal TIFF we can read (a server-side fault: 500)."""

    status = 500


@dataclass(frozen=True)
class TiffPage:
    width: int
    height: int
    tile_width: int
    tile_height: int
    compression: int
    photometric: int
    samples: int
    bits: int
    offsets: tuple[int, ...]
    counts: tuple[int, ...]
    jpeg_tables: bytes | None

    @property
    def raw_jpeg_tiles(self) -> bool:
        """Whether each tile is a JPEG stream Pillow can decode on its own (with the tables)."""
        return (self.compression == JPEG_COMPRESSION and self.tile_width > 0 and self.bits == 8
                and self.samples in (1, 3) and self.photometric in (1, 2, 6) and bool(self.offsets))

    @property
    def columns(self) -> int:
        return -(-self.width // self.tile_width) if self.tile_width else 0


def read_tiff_pages(stream: BinaryIO) -> list[TiffPage]:
    """The directories of a classic or Big TIFF, in file order (page 0 first)."""
    header = stream.read(16)
    if header[:2] == b"II":
        order = "<"
    elif header[:2] == b"MM":
        order = ">"
    else:
        raise PyramidError("the access copy is not a TIFF file")
    version = struct.unpack(order + "H", header[2:4])[0]
    if version == 42:
        big, offset = False, struct.unpack(order + "I", header[4:8])[0]
    elif version == 43:
        big, offset = True, struct.unpack(order + "Q", header[8:16])[0]
    else:
        raise PyramidError("the access copy is not a TIFF file")
    pages = []
    while offset and len(pages) < MAX_PAGES:
        try:
            tags, offset = _read_directory(stream, order, big, offset)
        except struct.error as exc:  # a count or value cut short by the end of the file
            raise PyramidError(f"the access copy's TIFF directory is damaged ({exc})") from exc
        pages.append(_page_from_tags(tags))
    return pages


def _read_directory(stream: BinaryIO, order: str, big: bool, offset: int) -> tuple[dict, int]:
    count_fmt, entry_size, next_fmt = ("Q", 20, "Q") if big else ("H", 12, "I")
    stream.seek(offset)
    count = struct.unpack(order + count_fmt, stream.read(struct.calcsize(count_fmt)))[0]
    raw = stream.read(count * entry_size + struct.calcsize(next_fmt))
    if len(raw) < count * entry_size + struct.calcsize(next_fmt):
        raise PyramidError("the access copy's TIFF directory is truncated")
    tags = {}
    inline = 8 if big else 4
    for index in range(count):
        entry = raw[index * entry_size:(index + 1) * entry_size]
        if big:
            tag, typ, n = struct.unpack(order + "HHQ", entry[:12])
            value = entry[12:20]
        else:
            tag, typ, n = struct.unpack(order + "HHI", entry[:8])
            value = entry[8:12]
        if tag not in _WANTED or typ not in _TYPE_SIZES:
            continue
        size = _TYPE_SIZES[typ] * n
        if size > inline:
            (where,) = struct.unpack(order + ("Q" if big else "I"), value)
            here = stream.tell()
            stream.seek(where)
            data = stream.read(size)
            stream.seek(here)
        else:
            data = value[:size]
        if typ in (7, 1) and tag == 347:
            tags[tag] = data
        elif typ in _TYPE_FORMATS:
            tags[tag] = struct.unpack(order + _TYPE_FORMATS[typ] * n, data)
    (next_offset,) = struct.unpack(order + next_fmt, raw[count * entry_size:])
    return tags, next_offset


def _page_from_tags(tags: dict) -> TiffPage:
    def first(tag: int, default: int = 0) -> int:
        return int(tags[tag][0]) if tag in tags and tags[tag] else default

    return TiffPage(
        width=first(256), height=first(257), tile_width=first(322), tile_height=first(323),
        compression=first(259, 1), photometric=first(262, 2), samples=first(277, 1), bits=first(258, 8),
        offsets=tuple(tags.get(324, ())), counts=tuple(tags.get(325, ())), jpeg_tables=tags.get(347),
    )


class Pyramid:
    """One opened access copy: its levels, an open file for tile reads, lazily opened libvips pages."""

    def __init__(self, path: str, stream: BinaryIO) -> None:
        self._stream = stream  # kept open: S3 copies are deleted after download, the fd keeps them
        self.pages = read_tiff_pages(stream)
        if not self.pages or not self.pages[0].width:
            raise PyramidError("the access copy has no image")
        self.full = (self.pages[0].width, self.pages[0].height)
        self.levels = _pyramid_levels(self.pages)
        self.path = path if os.path.exists(path) else f"/proc/self/fd/{stream.fileno()}"
        self._vips: dict[int, pyvips.Image] = {}
        self._lock = threading.Lock()

    @property
    def level_sizes(self) -> list[tuple[int, int]]:
        return [(self.pages[i].width, self.pages[i].height) for i in self.levels]

    def tile_bytes(self, page_index: int, column: int, row: int) -> bytes:
        """The stored (compressed) bytes of one tile, as the TIFF holds them."""
        page = self.pages[page_index]
        index = row * page.columns + column
        if index >= min(len(page.offsets), len(page.counts)):
            raise PyramidError(f"tile {index} of page {page_index} is missing from the access copy")
        data = os.pread(self._stream.fileno(), page.counts[index], page.offsets[index])
        if len(data) != page.counts[index]:
            raise PyramidError(f"tile {index} of page {page_index} is cut short in the access copy")
        return data

    def read_tile(self, page_index: int, column: int, row: int) -> Image.Image:
        page = self.pages[page_index]
        data = splice_jpeg(page.jpeg_tables, self.tile_bytes(page_index, column, row), adobe_rgb=False)
        image = Image.open(io.BytesIO(data))
        image.load()
        return image

    def vips_page(self, page_index: int) -> pyvips.Image:
        with self._lock:
            image = self._vips.get(page_index)
            if image is None:
                image = pyvips.Image.new_from_file(self.path, page=page_index, access="random")
                self._vips[page_index] = image
        return image


def _pyramid_levels(pages: list[TiffPage]) -> list[int]:
    """Indexes of the pages that form the pyramid: page 0, then each page smaller than the last
    with the same aspect (a thumbnail or a mask stored beside the pyramid is skipped)."""
    full = pages[0]
    levels = [0]
    for index, page in enumerate(pages[1:], start=1):
        last = pages[levels[-1]]
        if not page.width or page.width >= last.width:
            continue
        factor = full.width / page.width
        if abs(full.height / factor - page.height) <= 1.5:
            levels.append(index)
    return levels


class ImageBackend:
    """Renders `Plan`s from pyramids; keeps the last `max_open` pyramids open (LRU)."""

    def __init__(self, jpeg_quality: int = 90, max_open: int = 64) -> None:
        self.jpeg_quality = jpeg_quality
        self.max_open = max_open
        self._open: OrderedDict[tuple[str, str], Pyramid] = OrderedDict()
        self._lock = threading.Lock()

    def pyramid(self, key: str, identity: str,
                local_path: Callable[[str], AbstractContextManager[Path]]) -> Pyramid:
        """The opened pyramid for storage `key` at version `identity` (opened on first use)."""
        cache_key = (key, identity)
        with self._lock:
            found = self._open.get(cache_key)
            if found is not None:
                self._open.move_to_end(cache_key)
                return found
        with local_path(key) as path:
            try:
                stream = open(path, "rb")
            except FileNotFoundError:
                raise NotFound(f"the image file {key!r} is missing") from None
            try:
                pyramid = Pyramid(str(path), stream)
            except BaseException:
                stream.close()
                raise
        with self._lock:
            self._open[cache_key] = pyramid
            while len(self._open) > self.max_open:
                # No explicit close: a request still using the evicted pyramid holds a reference,
                # and its file closes when the last one goes.
                self._open.popitem(last=False)
        return pyramid

    def passthrough(self, pyramid: Pyramid, plan: Plan) -> bytes | None:
        """The stored tile as a JPEG, unchanged, when `plan` is exactly one whole stored tile of the
        level it reads; None when it is not (the caller then renders)."""
        if plan.format != "jpg" or plan.degrees or plan.mirror:
            return None
        sizes = pyramid.level_sizes
        k = choose_level(plan.box, (plan.width, plan.height), pyramid.full, sizes)
        page_index = pyramid.levels[k]
        page = pyramid.pages[page_index]
        if not _passes_through(page, plan.quality):
            return None
        box = level_box(plan.box, level_factor(pyramid.full, sizes[k]), sizes[k])
        if not _is_whole_tile(page, box, (plan.width, plan.height)):
            return None
        tile = pyramid.tile_bytes(page_index, box.x // page.tile_width, box.y // page.tile_height)
        size, adobe = _tile_header(tile)
        if size != (page.tile_width, page.tile_height):
            return None  # not the stream a TIFF tile should hold: let the decoder path judge it
        rgb = page.photometric == PHOTOMETRIC_RGB and not adobe
        return splice_jpeg(page.jpeg_tables, tile, adobe_rgb=rgb)

    def render(self, pyramid: Pyramid, plan: Plan) -> bytes:
        sizes = pyramid.level_sizes
        out = (plan.width, plan.height)
        k = choose_level(plan.box, out, pyramid.full, sizes)
        level = sizes[k]
        box = level_box(plan.box, level_factor(pyramid.full, level), level)
        page_index = pyramid.levels[k]
        if plan.degrees % 90 == 0 and _in_one_tile(pyramid.pages[page_index], box):
            return self._render_tile(pyramid, page_index, box, plan)
        return self._render_vips(pyramid.vips_page(page_index), box, plan)

    # --- the tile path: Pillow only -------------------------------------------------------------
    def _render_tile(self, pyramid: Pyramid, page_index: int, box: Box, plan: Plan) -> bytes:
        page = pyramid.pages[page_index]
        column, row = box.x // page.tile_width, box.y // page.tile_height
        image = pyramid.read_tile(page_index, column, row)
        left, top = box.x - column * page.tile_width, box.y - row * page.tile_height
        if (left, top, box.w, box.h) != (0, 0, *image.size):
            image = image.crop((left, top, left + box.w, top + box.h))
        if image.size != (plan.width, plan.height):
            image = image.resize((plan.width, plan.height), Image.Resampling.LANCZOS)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        if plan.mirror:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        turn = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                270: Image.Transpose.ROTATE_90}.get(int(plan.degrees))  # Pillow turns anticlockwise
        if turn is not None:
            image = image.transpose(turn)
        if plan.quality == "gray":
            image = image.convert("L")
        elif plan.quality == "bitonal":
            image = image.convert("L").point(_bitonal_level)
        return self._encode_pillow(image, plan.format)

    def _encode_pillow(self, image: Image.Image, fmt: str) -> bytes:
        buffer = io.BytesIO()
        if fmt == "jpg":
            image.save(buffer, "JPEG", quality=self.jpeg_quality)
        elif fmt == "png":
            image.save(buffer, "PNG", compress_level=3)  # tiles: speed over the last few bytes
        else:
            image.save(buffer, "WEBP", quality=self.jpeg_quality, method=2)
        return buffer.getvalue()

    # --- the general path: libvips --------------------------------------------------------------
    def _render_vips(self, image: pyvips.Image, box: Box, plan: Plan) -> bytes:
        image = image.crop(box.x, box.y, box.w, box.h)
        if (box.w, box.h) != (plan.width, plan.height):
            image = image.resize(plan.width / box.w, vscale=plan.height / box.h)
            if (image.width, image.height) != (plan.width, plan.height):
                # resize rounds its output size; pad or trim the odd pixel so the answer is exact
                image = image.gravity("centre", plan.width, plan.height, extend="copy")
        if image.hasalpha():
            image = image.flatten(background=[255])
        if plan.mirror:
            image = image.fliphor()
        transparent = plan.format in ("png", "webp")
        if plan.degrees == 90:
            image = image.rot90()
        elif plan.degrees == 180:
            image = image.rot180()
        elif plan.degrees == 270:
            image = image.rot270()
        elif plan.degrees:
            if transparent:
                image = image.bandjoin(255)  # §4.3: a transparent background where the format has one
                background = [0] * image.bands
            else:
                background = [255] * image.bands
            # vips_rotate turns clockwise for positive angles (y points down), as IIIF does.
            image = image.rotate(plan.degrees, background=background)
        image = _vips_quality(image, plan.quality)
        if plan.format == "jpg":
            if image.hasalpha():
                image = image.flatten(background=[255])
            return image.jpegsave_buffer(Q=self.jpeg_quality, strip=True)
        if plan.format == "png":
            return image.pngsave_buffer(compression=6, strip=True)
        return image.webpsave_buffer(Q=self.jpeg_quality, strip=True)


def _bitonal_level(value: int) -> int:
    return 255 if value >= 128 else 0


def _vips_quality(image: pyvips.Image, quality: str) -> pyvips.Image:
    if quality not in ("gray", "bitonal"):
        return image
    alpha = image[image.bands - 1] if image.hasalpha() else None
    colour = image.extract_band(0, n=image.bands - 1) if alpha is not None else image
    gray = colour.colourspace("b-w") if colour.bands >= 3 else colour
    if quality == "bitonal":
        gray = (gray >= 128).cast("uchar")  # relational ops give 0/255
    return gray.bandjoin(alpha) if alpha is not None else gray


def _in_one_tile(page: TiffPage, box: Box) -> bool:
    if not page.raw_jpeg_tiles:
        return False
    tw, th = page.tile_width, page.tile_height
    return box.x // tw == (box.x + box.w - 1) // tw and box.y // th == (box.y + box.h - 1) // th


# --- pass-through: a stored tile as a whole JPEG ---------------------------------------------------
def _passes_through(page: TiffPage, quality: str) -> bool:
    """Whether the page's tiles, unchanged, are what `quality` asks for."""
    if not page.raw_jpeg_tiles:
        return False
    if quality in ("default", "color"):
        return True  # the stored colours are the image's (a gray page stays gray, as when decoded)
    return quality == "gray" and page.photometric == PHOTOMETRIC_GRAY


def _is_whole_tile(page: TiffPage, box: Box, out: tuple[int, int]) -> bool:
    """`box` (level pixels) is one tile of the grid, wholly inside the image, and unscaled. Edge
    tiles partly outside the image are stored padded, so they never qualify."""
    tw, th = page.tile_width, page.tile_height
    return (box.x % tw == 0 and box.y % th == 0 and (box.w, box.h) == (tw, th) == out
            and box.x + tw <= page.width and box.y + th <= page.height)


def _tile_header(stream: bytes) -> tuple[tuple[int, int] | None, bool]:
    """(width, height) of a JPEG stream's frame header (None when no frame header comes before the
    scan) and whether it has an Adobe marker. Only the few marker segments before the scan are
    walked: the entropy-coded data is never read."""
    if stream[:2] != SOI:
        raise PyramidError("a tile of the access copy is not a JPEG stream")
    at, adobe = 2, False
    while at + 9 <= len(stream) and stream[at] == 0xFF:
        marker = stream[at + 1]
        if marker in _SOF_MARKERS:
            height, width = struct.unpack_from(">HH", stream, at + 5)
            return (width, height), adobe
        if marker == 0xDA:  # start of scan
            break
        adobe = adobe or (marker == 0xEE and stream[at + 4:at + 9] == b"Adobe")
        at += 2 + struct.unpack_from(">H", stream, at + 2)[0]
    return None, adobe


def splice_jpeg(tables: bytes | None, tile: bytes, adobe_rgb: bool) -> bytes:
    """One interchange JPEG from a TIFF tile's abbreviated stream (SOI, SOF, SOS ... EOI) and the
    page's JPEGTables (SOI, DQT, DHT ... EOI): the tables go right after the tile's SOI, without their
    own SOI and EOI. `adobe_rgb` adds the Adobe marker that says "RGB" after the SOI."""
    if tile[:2] != SOI:
        raise PyramidError("a tile of the access copy is not a JPEG stream")
    body = b""
    if tables:
        if tables[:2] != SOI or tables[-2:] != EOI:
            raise PyramidError("the access copy's JPEGTables are not an abbreviated JPEG stream")
        body = tables[2:-2]
    return b"".join((SOI, ADOBE_RGB if adobe_rgb else b"", body, memoryview(tile)[2:]))
