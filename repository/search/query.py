"""The query language, parsed once into a small tree that every backend compiles.

    Өскемен хлеб            both words (AND is implied between terms)
    "Ертіс өзені"           a phrase: the words next to each other
    A OR B, A AND B         boolean operators (upper case; lower-case "or" is a word)
    NOT A, -A               exclude
    (A OR B) C              grouping
    мектеп*                 prefix (at least 2 letters before *)
    title: creator: subject: place:   limit a word, phrase or group to one field
    date:1916, date:1910-1920         items whose date range overlaps those years

Words are folded with `metadata.folding.tokens`, so a query word carries the same exact and loose
keys as the indexed text. A written word that folds into several keys (`Ер-тұрман`) becomes a phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from metadata.folding import tokens
from repository.search.errors import QuerySyntaxError

TEXT_FIELDS = ("title", "creator", "subject", "place")
FIELDS = (*TEXT_FIELDS, "date")
OPERATORS = ("AND", "OR", "NOT")
MIN_PREFIX = 2
MAX_QUERY_CHARS = 1000
MAX_TERMS = 50
YEAR_MIN, YEAR_MAX = -9999, 9999

_FIELD = re.compile(rf"({'|'.join(FIELDS)}):", re.IGNORECASE)
_DATE = re.compile(r"(-?\d{1,4})(?:(?:-|\.\.)(-?\d{1,4}))?")


@dataclass(frozen=True)
class Word:
    """One query word: as typed, its exact key and its loose key."""

    text: str
    key: str
    loose: str


@dataclass(frozen=True)
class Match:
    """Words to find, next to each other when more than one (a phrase); `prefix` applies to the last."""

    words: tuple[Word, ...]
    field: str | None = None
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class DateRange:
    """Items whose [lower, upper] year range overlaps [start, end]."""

    start: int
    end: int


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[Match, DateRange, And, Or, Not]


def parse(text: str | None) -> Node | None:
    """The tree of `text`; None for an empty query (everything the filters allow)."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    parser = _Parser(_lex(text), text)
    node = parser.parse()
    if node is None:
        raise QuerySyntaxError("the query has no words to search for")
    if len(positive_matches(node)) + len(_negative_matches(node)) > MAX_TERMS:
        raise QuerySyntaxError(f"the query has more than {MAX_TERMS} words")
    return node


def positive_matches(node: Node | None) -> list[Match]:
    """The Match leaves that are not excluded: what highlighting marks and page hits come from."""
    found: list[Match] = []
    _collect(node, negated=False, want_negated=False, into=found)
    return found


def _negative_matches(node: Node | None) -> list[Match]:
    found: list[Match] = []
    _collect(node, negated=False, want_negated=True, into=found)
    return found


def _collect(node: Node | None, negated: bool, want_negated: bool, into: list[Match]) -> None:
    if isinstance(node, Match) and negated == want_negated:
        into.append(node)
    elif isinstance(node, (And, Or)):
        for child in node.children:
            _collect(child, negated, want_negated, into)
    elif isinstance(node, Not):
        _collect(node.child, not negated, want_negated, into)


def is_negative(node: Node) -> bool:
    return isinstance(node, Not)


# --- lexer ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # word, phrase, field, op, lparen, rparen, minus
    value: str
    pos: int


def _lex(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append(_Tok("lparen" if ch == "(" else "rparen", ch, i))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError('the quote " is never closed', i)
            out.append(_Tok("phrase", text[i + 1:end], i))
            i = end + 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and (i == 0 or text[i - 1] in " \t\n(\"'"):
            out.append(_Tok("minus", ch, i))
            i += 1
        else:
            field = _FIELD.match(text, i)
            if field:
                out.append(_Tok("field", field.group(1).lower(), i))
                i = field.end()
                continue
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            word = text[start:i]
            kind = "op" if word in OPERATORS else "word"
            out.append(_Tok(kind, word, start))
    return out


# --- parser ---------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary (AND? unary)*; unary := (NOT|-) unary | primary."""

    def __init__(self, toks: list[_Tok], text: str):
        self.toks, self.i, self.text = toks, 0, text

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        node = self.parse_or(field=None)
        tok = self.peek()
        if tok is not None:
            # Only a stray ')' can stop the top-level loop early.
            raise QuerySyntaxError("')' has no matching '('", tok.pos)
        return node

    def parse_or(self, field: str | None) -> Node | None:
        first = self.peek()
        if first is not None and first.kind == "op" and first.value in ("OR", "AND"):
            raise QuerySyntaxError(f"{first.value} needs a term before it", first.pos)
        parts = [self.parse_and(field)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "OR":
            self.take()
            if self._at_end_of_group():
                raise QuerySyntaxError("OR needs a term after it", tok.pos)
            parts.append(self.parse_and(field))
        return _combine(Or, parts)

    def parse_and(self, field: str | None) -> Node | None:
        parts = [self.parse_unary(field)]
        while (tok := self.peek()) is not None and not (tok.kind == "rparen" or (tok.kind == "op" and tok.value == "OR")):
            if tok.kind == "op" and tok.value == "AND":
                self.take()
                if self._at_end_of_group() or self._at_binary_op():
                    raise QuerySyntaxError("AND needs a term after it", tok.pos)
            parts.append(self.parse_unary(field))
        return _combine(And, parts)

    def parse_unary(self, field: str | None) -> Node | None:
        tok = self.peek()
        if tok is not None and (tok.kind == "minus" or (tok.kind == "op" and tok.value == "NOT")):
            self.take()
            if self._at_end_of_group() or self._at_binary_op():
                raise QuerySyntaxError(f"{tok.value} must be followed by a word, phrase or group to exclude", tok.pos)
            child = self.parse_unary(field)
            if child is None:
                raise QuerySyntaxError(f"{tok.value} is followed by nothing searchable", tok.pos)
            return Not(child)
        return self.parse_primary(field)

    def parse_primary(self, field: str | None) -> Node | None:
        tok = self.take()
        if tok.kind == "lparen":
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise QuerySyntaxError("empty parentheses", tok.pos)
            node = self.parse_or(field)
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError("'(' is never closed", tok.pos)
            self.take()
            return node
        if tok.kind == "rparen":
            raise QuerySyntaxError("')' has no matching '('", tok.pos)
        if tok.kind == "field":
            return self.parse_field(tok, field)
        if tok.kind == "phrase":
            if not tokens(tok.value):
                raise QuerySyntaxError("the phrase has no words", tok.pos)
            return _match(tok.value, field, tok.pos, quoted=True)
        if tok.kind == "op":
            raise QuerySyntaxError(f"{tok.value} is in the wrong place", tok.pos)
        return _match(tok.value, field, tok.pos, quoted=False)

    def parse_field(self, tok: _Tok, outer: str | None) -> Node | None:
        if outer is not None:
            raise QuerySyntaxError(f"{tok.value}: cannot be used inside {outer}:", tok.pos)
        nxt = self.peek()
        if nxt is None or nxt.kind not in ("word", "phrase", "lparen") or nxt.pos != tok.pos + len(tok.value) + 1:
            raise QuerySyntaxError(f"{tok.value}: must be followed directly by a word, phrase or group", tok.pos)
        if tok.value == "date":
            if nxt.kind != "word":
                raise QuerySyntaxError("date: takes a year (date:1916) or a range (date:1910-1920)", tok.pos)
            self.take()
            return _date_range(nxt.value, nxt.pos)
        node = self.parse_primary(tok.value)
        if node is None:
            raise QuerySyntaxError(f"{tok.value}: is followed by nothing searchable", tok.pos)
        return node

    def _at_end_of_group(self) -> bool:
        tok = self.peek()
        return tok is None or tok.kind == "rparen"

    def _at_binary_op(self) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "op" and tok.value in ("AND", "OR")


def _combine(kind: type, parts: list[Node | None]) -> Node | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return kind(tuple(kept))


def _match(raw: str, field: str | None, pos: int, quoted: bool) -> Match | None:
    prefix = not quoted and raw.endswith("*")
    body = raw.rstrip("*") if prefix else raw
    if "*" in body:
        raise QuerySyntaxError("'*' may only end a word (prefix search)", pos + body.index("*"))
    words = tuple(Word(t.text, t.key, t.loose_key) for t in tokens(body))
    if not words:
        if prefix:
            raise QuerySyntaxError(f"a prefix needs at least {MIN_PREFIX} letters before *", pos)
        return None  # punctuation only, e.g. a dash: nothing to search for
    if prefix and len(words[-1].key) < MIN_PREFIX:
        raise QuerySyntaxError(f"a prefix needs at least {MIN_PREFIX} letters before *", pos)
    return Match(words, field, prefix)


def _date_range(raw: str, pos: int) -> DateRange:
    found = _DATE.fullmatch(raw)
    if not found:
        raise QuerySyntaxError(f"date: takes a year (date:1916) or a range (date:1910-1920), not {raw!r}", pos)
    start = int(found.group(1))
    end = int(found.group(2)) if found.group(2) else start
    if start > end:
        raise QuerySyntaxError(f"date:{raw}: the range starts after it ends", pos)
    return DateRange(max(start, YEAR_MIN), min(end, YEAR_MAX))
