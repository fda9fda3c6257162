"""Keys for indexing and snippets for hits, shared by every backend so they answer alike.

Indexing: a text becomes two space-joined key streams (exact and loose) from `metadata.folding.tokens`,
one key per printed word, so word positions agree between the two streams and phrases work on either.

Snippets: the stored printed text is tokenised again with `tokens()`; words whose keys match the
query's (positive) words are marked. The text is HTML-escaped first and only our own `<mark>` tags are
added, so a snippet is safe to insert into a page as is.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence

from metadata.folding import Token, tokens
from repository.search.base import Hit, Snippet
from repository.search.query import Match, Node, positive_matches

SNIPPET_CHARS = 220  # context around the first match in a long text
MAX_FRAGMENTS = 2
PAGE_SNIPPETS = 2  # pages of a hit that get a snippet (all matched page numbers are listed)
LONG_FIELD_CHARS = 300  # metadata values longer than this are cut around the match like page text
CHUNK_CHARS = 300  # page text is tokenised in pieces of about this size until enough matches are found


def key_streams(texts: Iterable[str]) -> tuple[str, str]:
    """Exact and loose key streams of `texts` (one key per word, in order, space-joined)."""
    exact: list[str] = []
    loose: list[str] = []
    for text in texts:
        for token in tokens(text):
            exact.append(token.key)
            loose.append(token.loose_key)
    return " ".join(exact), " ".join(loose)


def title_sort_key(title: str) -> str:
    """Sorting key for titles: the loose key, so scripts and diacritics do not scatter the list."""
    return " ".join(t.loose_key for t in tokens(title))


class Highlighter:
    """Finds and marks the query's positive words in printed text."""

    def __init__(self, query: Node | None):
        self.matches = positive_matches(query)
        self._finders: dict[str, _Finder | None] = {}
        # Short values repeat across the hits of a page (creators, places, subjects) and a title is
        # both marked and snippeted: tokenising is the cost, so each is searched once per request.
        self._short_spans: dict[tuple[str, str], list[tuple[int, int]]] = {}

    def applies(self, field: str) -> list[Match]:
        # Page text ("text") and description/other take only unscoped words; title: words only titles.
        return [m for m in self.matches if m.field is None or m.field == field]

    def spans(self, text: str, field: str, enough: int | None = None) -> list[tuple[int, int]]:
        """Character spans of the matches in `text`; with `enough`, may stop once that many are found."""
        finder = self._finder(field)
        if finder is None or not text:
            return []
        if enough is None or len(text) <= CHUNK_CHARS:
            memo_key = (text, field)
            spans = self._short_spans.get(memo_key)
            if spans is None:
                spans = self._short_spans[memo_key] = _merge(finder.find(tokens(text), 0))
            return list(spans)
        # Long page text: tokenise it a chunk at a time and stop early (tokenising is the cost).
        found: list[tuple[int, int]] = []
        for start, end in _chunks(text):
            found.extend(finder.find(tokens(text[start:end]), start))
            if len(found) >= enough:
                return _merge(found)
        if not found and finder.has_phrases:
            # A phrase may straddle two chunks: look at the text whole.
            found = finder.find(tokens(text), 0)
        return _merge(found)

    def _finder(self, field: str) -> "_Finder | None":
        if field not in self._finders:
            matches = self.applies(field)
            self._finders[field] = _Finder(matches) if matches else None
        return self._finders[field]

    def mark(self, text: str, field: str) -> str:
        """The whole text, escaped, with matches marked (for short values such as titles)."""
        return _render(text, self.spans(text, field), 0, len(text))

    def snippet(self, text: str, field: str) -> str | None:
        """Up to MAX_FRAGMENTS windows of context around matches, or None if nothing matches."""
        spans = self.spans(text, field, enough=MAX_FRAGMENTS)
        if not spans:
            return None
        if len(text) <= LONG_FIELD_CHARS and field != "text":
            return _render(text, spans, 0, len(text))
        windows: list[tuple[int, int]] = []
        for start, end in spans:
            if windows and start < windows[-1][1]:
                continue  # already inside the previous fragment
            windows.append(_window(text, start, end))
            if len(windows) == MAX_FRAGMENTS:
                break
        return " … ".join(_render(text, spans, a, b) for a, b in windows)


class _Finder:
    """Matches query words against tokens: one dict lookup per token for plain words."""

    def __init__(self, matches: list[Match]):
        self.single = {m.words[0].loose for m in matches if len(m.words) == 1 and not m.prefix}
        self.other = [m for m in matches if len(m.words) > 1 or m.prefix]
        self.has_phrases = any(len(m.words) > 1 for m in matches)

    def find(self, toks: Sequence[Token], offset: int) -> list[tuple[int, int]]:
        found = []
        single, other = self.single, self.other
        for i, token in enumerate(toks):
            if token.loose_key in single:
                found.append((offset + token.start, offset + token.end))
            for match in other:
                end = _match_at(match, toks, i)
                if end is not None:
                    found.append((offset + token.start, offset + end))
        return found


def _match_at(match: Match, toks: Sequence[Token], i: int) -> int | None:
    words = match.words
    n = len(words)
    if i + n > len(toks):
        return None
    for j, word in enumerate(words):
        key = toks[i + j].loose_key
        last_prefix = match.prefix and j == n - 1
        if not (key.startswith(word.loose) if last_prefix else key == word.loose):
            return None
    return toks[i + n - 1].end


def _chunks(text: str) -> Iterator[tuple[int, int]]:
    """Spans of about CHUNK_CHARS, cut only at a line break that does not join a hyphenated word."""
    start = 0
    while start < len(text):
        cut = text.find("\n", start + CHUNK_CHARS)
        while cut > 0 and text[cut - 1] in "-\u00ad":
            cut = text.find("\n", cut + 1)
        end = len(text) if cut < 0 else cut + 1
        yield start, end
        start = end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    room = max(0, SNIPPET_CHARS - (end - start)) // 2
    a, b = max(0, start - room), min(len(text), end + room)
    # Cut at whitespace so no word is shown half.
    if a > 0:
        space = text.find(" ", a, start)
        a = space + 1 if space >= 0 else a
    if b < len(text):
        space = text.rfind(" ", end, b)
        b = space if space >= 0 else b
    return a, b


def _render(text: str, spans: list[tuple[int, int]], a: int, b: int) -> str:
    parts: list[str] = ["…" if a > 0 else ""]
    pos = a
    for start, end in spans:
        if end <= a or start >= b:
            continue
        start, end = max(start, a), min(end, b)
        parts.append(html.escape(text[pos:start]))
        parts.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    parts.append(html.escape(text[pos:b]))
    parts.append("…" if b < len(text) else "")
    # Printed line breaks mean nothing in a snippet; a hyphen at a line end joins a word (folding.md).
    return " ".join("".join(parts).split())


METADATA_FIELDS = (("title", "titles"), ("creator", "creators"), ("subject", "subjects"), ("place", "places"),
                   ("description", "descriptions"), ("other", "other"))


def make_hit(stored: dict, score: float, highlighter: Highlighter, pages: Sequence[int],
             page_texts: dict[int, str]) -> Hit:
    """A hit from a document's stored fields, its matched page numbers and some of those pages' text."""
    titles = [t[0] for t in stored.get("titles", [])]
    title = titles[0] if titles else stored["id"]
    snippets: list[Snippet] = []
    for field, key in METADATA_FIELDS:
        values = titles if field == "title" else stored.get(key, [])
        for value in values:
            marked = highlighter.snippet(value, field)
            if marked is not None:
                snippets.append(Snippet(field, marked))
    for seq in pages[:PAGE_SNIPPETS]:
        marked = highlighter.snippet(page_texts.get(seq, ""), "text")
        if marked is not None:
            snippets.append(Snippet("text", marked, seq))
    return Hit(
        id=stored["id"], source=stored["source"], score=round(score, 4), title=title,
        title_html=highlighter.mark(title, "title"), snippets=tuple(snippets), pages=tuple(pages),
        year_from=stored.get("year_from"), year_to=stored.get("year_to"),
        dates=tuple(stored.get("dates", [])), collections=tuple(stored.get("collections", [])),
    )
