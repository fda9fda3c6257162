"""Read ALTO (v3 as Tesseract writes it, or v4 as we store it) into a small page-text model."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from lxml import etree

from ocr.base import OcrError

ALTO_V3 = "http://www.loc.gov/standards/alto/ns-v3#"
ALTO_V4 = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_V4_SCHEMA = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
KNOWN_NAMESPACES = (ALTO_V3, ALTO_V4)


class AltoError(OcrError):
    """The bytes are not an ALTO document we can read."""


@dataclass(frozen=True)
class Word:
    text: str
    x: int
    y: int
    w: int
    h: int
    confidence: float | None  # 0-1, as in ALTO's WC


@dataclass(frozen=True)
class Line:
    words: list[Word]
    x: int
    y: int
    w: int
    h: int

    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class PageText:
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)

    def words(self) -> list[Word]:
        return [word for line in self.lines for word in line.words]

    def text(self) -> str:
        """Plain text in the ALTO's reading order, one printed line per line."""
        return "\n".join(line.text() for line in self.lines if line.words)


def _parser() -> etree.XMLParser:
    # OCR output is data from a child process: never resolve entities or fetch anything.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_root(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise AltoError(f"not well-formed XML: {exc.msg}") from exc
    if etree.QName(root).localname != "alto" or etree.QName(root).namespace not in KNOWN_NAMESPACES:
        raise AltoError("root element is not an ALTO v3/v4 <alto>")
    return root


def _number(el: etree._Element, name: str, default: str | None = "0") -> float | None:
    """The attribute as a number (None when absent without a default); AltoError names a bad one."""
    raw = el.get(name, default)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise AltoError(f"{etree.QName(el).localname} on line {el.sourceline}: {name}={raw!r} is not a number")
    return value


def _box(el: etree._Element) -> tuple[int, int, int, int]:
    return tuple(int(_number(el, name)) for name in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))  # type: ignore[return-value, arg-type]


def _word(el: etree._Element) -> Word:
    return Word(el.get("CONTENT", ""), *_box(el), confidence=_number(el, "WC", default=None))


def parse_alto(data: bytes) -> PageText:
    root = parse_root(data)
    ns = {"a": etree.QName(root).namespace}
    page = root.find(".//a:Layout/a:Page", ns)
    if page is None:
        raise AltoError("ALTO has no Layout/Page")
    lines = [
        Line([_word(s) for s in tl.findall("a:String", ns)], *_box(tl))
        for tl in page.iterfind(".//a:TextLine", ns)
    ]
    return PageText(int(_number(page, "WIDTH")), int(_number(page, "HEIGHT")), lines)  # type: ignore[arg-type]


def mean_confidence(page: PageText) -> float | None:
    """Mean word confidence on a 0-100 scale (ALTO's WC is 0-1)."""
    scores = [w.confidence for w in page.words() if w.confidence is not None]
    return round(100 * sum(scores) / len(scores), 2) if scores else None
