"""IIIF Content Search 1.0 and 2.0 inside one item, from its ALTO word boxes.

No search engine is involved: the item's ALTO is parsed (and kept in a bounded in-memory LRU), every
word is keyed with `metadata.folding.loose` — the same folding the main search applies — and the
query is keyed alike, so `Өскемен`, `Öskemen` and `Oskemen` find the same words.

Query language (kept small on purpose):
- bare words form ONE phrase: `Шығыс Қазақстан` matches those two words in sequence, also across a
  line end; a one-word query is the one-word phrase;
- `"…"` quotes a phrase explicitly; several quoted phrases (plus the bare words) are alternatives;
- a trailing `*` makes the word a prefix: `Өске*`.
A phrase never crosses a page boundary: a hit belongs to one canvas.

Paging counts hits, not annotations: `within.total` is the number of hits, because Mirador shows
it as the number of results (a phrase hit has several word annotations).
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

from metadata.folding import tokens
from ocr.alto import AltoError, parse_alto
from storage.base import ObjectStore
from storage.errors import ObjectNotFound
from viewer.contexts import PRESENTATION_2_CONTEXT, SEARCH_1_CONTEXT, SEARCH_2_CONTEXT
from viewer.options import ViewerOptions
from viewer.source import ItemView, PageView

log = logging.getLogger(__name__)

CONTEXT_WORDS = 6  # words of context on either side of a hit (before/after, TextQuoteSelector)


# --- the searchable text of an item --------------------------------------------------------------
@dataclass(frozen=True)
class WordBox:
    """One ALTO word in canvas coordinates."""

    seq: int
    index: int  # position of the word on its page, reading order
    text: str
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class PageWords:
    seq: int
    words: tuple[WordBox, ...]
    keys: tuple[str, ...]  # folded tokens in reading order (a word may give several, e.g. "1918-жылы")
    key_word: tuple[int, ...]  # for each key, the index of the word it came from


@dataclass(frozen=True)
class ItemText:
    item_id: str
    pages: tuple[PageWords, ...]


def word_keys(text: str) -> list[str]:
    """Search keys of one word or query piece: loose-folded tokens (script, case, diacritics ignored)."""
    return [tok.loose_key for tok in tokens(text) if tok.loose_key]


def _scale(page: PageView, alto_width: int, alto_height: int) -> tuple[float, float]:
    # ALTO may measure a different rendition than the canvas (e.g. OCR on a reduced copy).
    sx = page.width / alto_width if alto_width else 1.0
    sy = page.height / alto_height if alto_height else 1.0
    return sx, sy


def page_words(page: PageView, alto: bytes) -> PageWords:
    text = parse_alto(alto)
    sx, sy = _scale(page, text.width, text.height)
    words: list[WordBox] = []
    keys: list[str] = []
    key_word: list[int] = []
    for line in text.lines:
        for word in line.words:
            index = len(words)
            words.append(
                WordBox(
                    seq=page.seq,
                    index=index,
                    text=word.text,
                    x=round(word.x * sx),
                    y=round(word.y * sy),
                    w=max(1, round(word.w * sx)),
                    h=max(1, round(word.h * sy)),
                )
            )
            for key in word_keys(word.text):
                keys.append(key)
                key_word.append(index)
    return PageWords(page.seq, tuple(words), tuple(keys), tuple(key_word))


def load_item_text(item: ItemView, store: ObjectStore) -> ItemText:
    pages = []
    for page in sorted(item.pages, key=lambda p: p.seq):
        if not page.alto_key:
            continue
        try:
            pages.append(page_words(page, store.get_bytes(page.alto_key)))
        except (ObjectNotFound, AltoError) as exc:
            # One page's ALTO missing from storage or unreadable: search the other pages rather
            # than fail the whole request, and leave a trace for staff.
            log.warning("item %s page %s: ALTO %s skipped: %s", item.id, page.seq, page.alto_key, exc)
    return ItemText(item.id, tuple(pages))


class AltoCache:
    """Parsed ALTO per item, bounded LRU with an age limit (a re-run OCR rewrites the same keys)."""

    def __init__(self, max_items: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max(1, max_items)
        self._ttl = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[float, ItemText]] = OrderedDict()
        self.loads = 0  # how many times ALTO was read and parsed (tests and diagnostics)

    @staticmethod
    def _key(item: ItemView) -> tuple:
        return (item.id, tuple((p.seq, p.alto_key, p.width, p.height) for p in item.pages))

    def get(self, item: ItemView, store: ObjectStore) -> ItemText:
        key = self._key(item)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self._ttl:
                self._entries.move_to_end(key)
                return entry[1]
        # Parse outside the lock: one slow item must not block searches in other items.
        text = load_item_text(item, store)
        with self._lock:
            self.loads += 1
            self._entries[key] = (now, text)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return text


# --- queries and matching ------------------------------------------------------------------------
@dataclass(frozen=True)
class QueryWord:
    key: str
    prefix: bool = False

    def matches(self, key: str) -> bool:
        return key.startswith(self.key) if self.prefix else key == self.key


Phrase = tuple[QueryWord, ...]

_PIECE = re.compile(r'"([^"]*)"?|(\S+)')


def _phrase(pieces: Sequence[str]) -> Phrase:
    words: list[QueryWord] = []
    for piece in pieces:
        keys = word_keys(piece)
        for i, key in enumerate(keys):
            words.append(QueryWord(key, prefix=piece.endswith("*") and i == len(keys) - 1))
    return tuple(words)


def parse_query(q: str) -> list[Phrase]:
    """Alternatives to look for: each quoted phrase, and all bare words together as one phrase."""
    quoted: list[Phrase] = []
    bare: list[str] = []
    for m in _PIECE.finditer(q or ""):
        if m.group(1) is not None:
            quoted.append(_phrase(m.group(1).split()))
        else:
            bare.append(m.group(2))
    phrases = quoted + [_phrase(bare)]
    return [p for p in phrases if p]


@dataclass(frozen=True)
class Hit:
    seq: int
    words: tuple[WordBox, ...]  # the matched words, in reading order
    before: str
    after: str

    @property
    def match(self) -> str:
        return " ".join(w.text for w in self.words)


def _context(page: PageWords, first: int, last: int) -> tuple[str, str]:
    before = " ".join(w.text for w in page.words[max(0, first - CONTEXT_WORDS) : first])
    after = " ".join(w.text for w in page.words[last + 1 : last + 1 + CONTEXT_WORDS])
    return (before + " " if before else ""), (" " + after if after else "")


def _page_hits(page: PageWords, phrase: Phrase) -> list[tuple[int, ...]]:
    n = len(phrase)
    found = []
    for start in range(len(page.keys) - n + 1):
        if all(qw.matches(page.keys[start + i]) for i, qw in enumerate(phrase)):
            # several keys of one word collapse to that word; order kept
            found.append(tuple(dict.fromkeys(page.key_word[start : start + n])))
    return found


def find_hits(text: ItemText, phrases: Sequence[Phrase]) -> list[Hit]:
    """Every hit of any phrase, in page and reading order; a word group found twice counts once."""
    seen: set[tuple[int, tuple[int, ...]]] = set()
    hits: list[Hit] = []
    for page in text.pages:
        groups = sorted({g for phrase in phrases for g in _page_hits(page, phrase)})
        for group in groups:
            if (page.seq, group) in seen:
                continue
            seen.add((page.seq, group))
            before, after = _context(page, group[0], group[-1])
            hits.append(Hit(page.seq, tuple(page.words[i] for i in group), before, after))
    return hits


# --- responses -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultPage:
    hits: Sequence[Hit]  # the hits on this page
    total: int
    page: int  # 0-based
    last_page: int
    start_index: int


def paginate(hits: Sequence[Hit], page: int, size: int) -> ResultPage:
    size = max(1, size)
    last_page = max(0, (len(hits) - 1) // size)
    start = page * size
    return ResultPage(hits[start : start + size], len(hits), page, last_page, start)


def _page_url(service_url: str, q: str, page: int) -> str:
    return f"{service_url}?{urlencode({'q': q, 'page': page})}"


def _xywh(w: WordBox) -> str:
    return f"xywh={w.x},{w.y},{w.w},{w.h}"


def _word_anno_id(options: ViewerOptions, item_id: str, w: WordBox) -> str:
    # stable per word, so a word matched by two hits (or two requests) keeps one id
    return f"{options.canvas_url(item_id, w.seq)}/word/{w.index}"


def search1_response(item_id: str, q: str, result: ResultPage, options: ViewerOptions) -> dict[str, Any]:
    """A Content Search 1.0 AnnotationList (the structure Mirador 3/4 and UV read)."""
    service = options.search1_url(item_id)
    resources: dict[str, dict[str, Any]] = {}
    hits = []
    for hit in result.hits:
        ids = []
        for w in hit.words:
            anno_id = _word_anno_id(options, item_id, w)
            ids.append(anno_id)
            resources.setdefault(
                anno_id,
                {
                    "@id": anno_id,
                    "@type": "oa:Annotation",
                    "motivation": "sc:painting",
                    "resource": {"@type": "cnt:ContentAsText", "chars": w.text},
                    "on": f"{options.canvas_url(item_id, w.seq)}#{_xywh(w)}",
                },
            )
        hits.append(
            {"@type": "search:Hit", "annotations": ids, "match": hit.match, "before": hit.before, "after": hit.after}
        )
    out: dict[str, Any] = {
        "@context": [PRESENTATION_2_CONTEXT, SEARCH_1_CONTEXT],
        "@id": _page_url(service, q, result.page),
        "@type": "sc:AnnotationList",
        "within": {
            "@type": "sc:Layer",
            "total": result.total,
            "first": _page_url(service, q, 0),
            "last": _page_url(service, q, result.last_page),
        },
        "startIndex": result.start_index,
        "resources": list(resources.values()),
        "hits": hits,
    }
    if result.page < result.last_page:
        out["next"] = _page_url(service, q, result.page + 1)
    if result.page > 0:
        out["prev"] = _page_url(service, q, min(result.page, result.last_page + 1) - 1)
    return out


def _page_ref(url: str) -> dict[str, str]:
    return {"id": url, "type": "AnnotationPage"}


def search2_response(item_id: str, q: str, result: ResultPage, options: ViewerOptions) -> dict[str, Any]:
    """A Content Search 2.0 AnnotationPage: highlighting items plus contextualizing hit annotations."""
    service = options.search2_url(item_id)
    items: dict[str, dict[str, Any]] = {}
    hit_annos = []
    for n, hit in enumerate(result.hits, start=result.start_index):
        targets = []
        for w in hit.words:
            anno_id = _word_anno_id(options, item_id, w)
            items.setdefault(
                anno_id,
                {
                    "id": anno_id,
                    "type": "Annotation",
                    "motivation": "highlighting",
                    "body": {"type": "TextualBody", "value": w.text, "format": "text/plain"},
                    "target": f"{options.canvas_url(item_id, w.seq)}#{_xywh(w)}",
                },
            )
            targets.append({"type": "SpecificResource", "source": anno_id})
        # the quote describes the whole hit; it sits on the first word's reference
        targets[0]["selector"] = [
            {"type": "TextQuoteSelector", "prefix": hit.before, "exact": hit.match, "suffix": hit.after}
        ]
        hit_annos.append(
            {
                "id": f"{_page_url(service, q, result.page)}#hit-{n}",
                "type": "Annotation",
                "motivation": "contextualizing",
                "target": targets,
            }
        )
    out: dict[str, Any] = {
        "@context": SEARCH_2_CONTEXT,
        "id": _page_url(service, q, result.page),
        "type": "AnnotationPage",
        "partOf": {
            "id": f"{service}?{urlencode({'q': q})}",
            "type": "AnnotationCollection",
            "total": result.total,
            "first": _page_ref(_page_url(service, q, 0)),
            "last": _page_ref(_page_url(service, q, result.last_page)),
        },
        "startIndex": result.start_index,
        "items": list(items.values()),
        "annotations": [{"type": "AnnotationPage", "items": hit_annos}],
    }
    if result.page < result.last_page:
        out["next"] = _page_ref(_page_url(service, q, result.page + 1))
    if result.page > 0:
        out["prev"] = _page_ref(_page_url(service, q, min(result.page, result.last_page + 1) - 1))
    return out


def search_item(cache: AltoCache, item: ItemView, store: ObjectStore, q: str, page: int, size: int) -> ResultPage:
    """The hits of `q` in `item`, page `page` (0-based) of `size` hits each."""
    phrases = parse_query(q)
    hits = find_hits(cache.get(item, store), phrases) if phrases else []
    return paginate(hits, page, size)
