"""Citations of an archive item: plain text, BibTeX and RIS. Pure functions of a `Citation`.

The plain-text form follows the usual pattern of archive citations: creators, title, date, the
repository, the item's persistent URL and the date it was seen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# DCMI types to the nearest BibTeX entry and RIS reference type.
BIBTEX_TYPES = {"Text": "book", "Image": "misc", "StillImage": "misc", "Collection": "misc"}
RIS_TYPES = {"Text": "BOOK", "Image": "ART", "StillImage": "ART", "Collection": "GEN", "PhysicalObject": "GEN",
             "Dataset": "DATA", "Sound": "SOUND", "MovingImage": "VIDEO"}
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
    "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}


@dataclass(frozen=True)
class Citation:
    item_id: str
    title: str
    url: str
    repository: str
    accessed: date
    creators: tuple[str, ...] = ()
    date: str | None = None  # as catalogued (EDTF)
    year: int | None = None
    publisher: str | None = None
    place: str | None = None
    type: str | None = None  # DCMI type
    language: str | None = None
    identifiers: tuple[str, ...] = field(default_factory=tuple)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sentence(text: str) -> str:
    text = _one_line(text)
    return text if text.endswith((".", "?", "!")) else text + "."


def plain_text(c: Citation) -> str:
    parts = []
    if c.creators:
        parts.append(_sentence("; ".join(_one_line(x) for x in c.creators)))
    parts.append(_sentence(c.title))
    if c.place or c.publisher:
        parts.append(", ".join(_one_line(x) for x in (c.place, c.publisher) if x) + ",")
    if c.date:
        parts.append(_sentence(c.date))
    parts.append(_sentence(c.repository))
    parts.append(f"{c.url} ({c.accessed.isoformat()}).")
    return " ".join(parts)


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in _one_line(text))


def bibtex_key(c: Citation) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", c.item_id) or "item"


def bibtex(c: Citation) -> str:
    fields = [("title", c.title)]
    if c.creators:
        fields.append(("author", " and ".join(c.creators)))
    if c.year is not None:
        fields.append(("year", str(c.year)))
    if c.date and c.date != str(c.year):
        fields.append(("date", c.date))
    if c.publisher:
        fields.append(("publisher", c.publisher))
    if c.place:
        fields.append(("address", c.place))
    if c.language:
        fields.append(("language", c.language))
    fields += [("howpublished", c.repository), ("url", c.url), ("urldate", c.accessed.isoformat())]
    body = ",\n".join(f"  {name} = {{{bibtex_escape(value)}}}" for name, value in fields)
    kind = BIBTEX_TYPES.get(c.type or "", "misc")
    return f"@{kind}{{{bibtex_key(c)},\n{body}\n}}\n"


def ris(c: Citation) -> str:
    lines = [("TY", RIS_TYPES.get(c.type or "", "GEN")), ("TI", c.title)]
    lines += [("AU", creator) for creator in c.creators]
    if c.year is not None:
        lines.append(("PY", str(c.year)))
    if c.date:
        lines.append(("DA", c.date))
    if c.publisher:
        lines.append(("PB", c.publisher))
    if c.place:
        lines.append(("CY", c.place))
    if c.language:
        lines.append(("LA", c.language))
    lines += [("DB", c.repository), ("UR", c.url), ("Y2", c.accessed.isoformat()), ("ID", c.item_id)]
    # RIS is line-based: a value never spans lines; the record ends with an empty ER tag.
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
    return text + "ER  - \r\n"


FORMATS = {
    "txt": (plain_text, "text/plain"),
    "bib": (bibtex, "application/x-bibtex"),
    "ris": (ris, "application/x-research-info-systems"),
}
