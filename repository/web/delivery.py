"""Electronic document delivery: the pages a reader chose, as one PDF made on demand.

Each page's own searchable PDF (`page.pdf`, written by OCR) is copied as is, so the copy keeps its
text layer; a page without one is drawn from its pyramidal access copy at a bounded size. A request is
limited to MAX_PAGES pages so that one reader cannot make the server build a whole newspaper year.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from PIL import Image
from pypdf import PdfReader, PdfWriter

from repository.errors import BadRequest
from repository.models import Page
from storage.base import ObjectStore

MAX_PAGES = 20
IMAGE_LONG_SIDE = 2000  # px of a page drawn from its image (≈ 170 dpi on A4)
_RANGE = re.compile(r"^\s*(\d{1,6})\s*(?:[-–]\s*(\d{1,6})\s*)?$")


class CopyRequestError(BadRequest):
    """The chosen pages cannot be delivered (none, too many, or not pages of this item)."""


def parse_pages(checked: Iterable[str], ranges: str, page_count: int) -> list[int]:
    """Page numbers from checkboxes and/or a text such as "1-3, 7", in order, without repeats."""
    chosen: set[int] = set()
    for value in checked:
        if not value.isascii() or not value.isdigit():
            raise CopyRequestError(_("“%(value)s” is not a page number.", value=value))
        chosen.add(int(value))
    for part in filter(None, (p.strip() for p in ranges.split(","))):
        match = _RANGE.match(part)
        if match is None:
            raise CopyRequestError(_("“%(value)s” is not a page number or a range such as 3-5.", value=part))
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low or high - low >= MAX_PAGES:
            raise CopyRequestError(_("The range “%(value)s” is not valid.", value=part))
        chosen.update(range(low, high + 1))
    if not chosen:
        raise CopyRequestError(_("Choose at least one page."))
    outside = sorted(n for n in chosen if not 1 <= n <= page_count)
    if outside:
        raise CopyRequestError(_("This item has no page %(number)s.", number=outside[0]))
    if len(chosen) > MAX_PAGES:
        raise CopyRequestError(_("At most %(limit)s pages can be copied at once.", limit=MAX_PAGES))
    return sorted(chosen)


def build_copy(store: ObjectStore, pages: Sequence[Page]) -> bytes:
    """One PDF of `pages`, in the order given."""
    writer = PdfWriter()
    for page in pages:
        if page.pdf_key and store.exists(page.pdf_key):
            with store.open(page.pdf_key) as stream:
                reader = PdfReader(io.BytesIO(stream.read()))
            for pdf_page in reader.pages:
                writer.add_page(pdf_page)
        else:
            reader = PdfReader(io.BytesIO(_image_pdf(store, page.access_key)))
            writer.add_page(reader.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_pdf(store: ObjectStore, access_key: str) -> bytes:
    import pyvips  # imported here: only pages without a page PDF need libvips in this process

    with store.local_path(access_key) as path:
        # thumbnail() reads the pyramid level that fits, never the whole master-size image.
        small = pyvips.Image.thumbnail(str(path), IMAGE_LONG_SIDE, height=IMAGE_LONG_SIDE)
        jpeg = small.write_to_buffer(".jpg", Q=85)
    out = io.BytesIO()
    with Image.open(io.BytesIO(jpeg)) as image:
        image.convert("RGB").save(out, "PDF", resolution=170.0)
    return out.getvalue()
