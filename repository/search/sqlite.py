"""The embedded default: SQLite FTS5 in its own file (`<data_dir>/search.db`), separate from the database
so that `olketanu reindex` can throw it away and rebuild it.

Tables: `items` (one row per document: filter columns and the stored printed metadata), `item_facets`
(integer pairs: document, facet value) for GROUP BY facet counts, `pages` (printed page text), and two
FTS5 tables over the key streams: `items_fts` (per field an exact and a loose column; `text_*` holds the
description, other metadata and every page, so AND across pages works at item level) and `pages_fts`
(loose keys per page, rowid = item rowid << 20 | seq, so one item's pages are a rowid range).
BM25 weights titles highest and exact columns above loose ones: exact-key matches rank first.

Facet counts come from bitmaps of `item_facets` kept in memory (`_FacetBitmaps`): counting them with a
GROUP BY over the hits was the largest cost of a common word at 100k pages. Every write changes
`meta.generation`, and a search reloads the bitmaps when the generation it reads is not theirs.
"""
from __future__ import annotations

import heapq
import json
import random
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from repository.search.base import (
    FACET_SIZE, FACETS, FacetValue, ItemDoc, ItemMatches, PageMatch, SearchBackend, SearchRequest, SearchResult,
    Visibility,
)
from repository.search.errors import BackendUnavailable
from repository.search.highlight import PAGE_SNIPPETS, Highlighter, key_streams, make_hit, title_sort_key
from repository.search.query import And, DateRange, Match, Node, Not, Or, positive_matches

TOKENIZE = "unicode61 remove_diacritics 0"
FIELDS = ("title", "creator", "subject", "place", "text")
COLUMNS = tuple(f"{f}_{k}" for f in FIELDS for k in ("x", "l"))
# bm25() weights in COLUMNS order: title first, exact above loose.
WEIGHTS = {"title": 10.0, "creator": 3.0, "subject": 3.0, "place": 3.0, "text": 1.0}
EXACT_BOOST = 1.5
BM25 = "bm25(items_fts, {})".format(", ".join(
    str(WEIGHTS[c[:-2]] * (EXACT_BOOST if c.endswith("_x") else 1.0)) for c in COLUMNS))
SEQ_BITS = 20
SEQ_MASK = (1 << SEQ_BITS) - 1
PAGE_LIMIT = 5000  # matched page numbers listed per hit
CACHE_KIB = 64 * 1024  # page cache per connection
MMAP_BYTES = 1 << 30  # reads through the OS page cache, shared by every connection and process

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS items (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  access TEXT NOT NULL,
  status TEXT NOT NULL,
  year_from INTEGER,
  year_to INTEGER,
  title_sort TEXT NOT NULL,
  stored TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_items_year ON items(year_from, year_to);
CREATE TABLE IF NOT EXISTS facet_values (
  vid INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL, UNIQUE(name, value)
);
CREATE TABLE IF NOT EXISTS item_facets (
  rid INTEGER NOT NULL, vid INTEGER NOT NULL, PRIMARY KEY (rid, vid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_item_facets_vid ON item_facets(vid, rid);
CREATE TABLE IF NOT EXISTS pages (pid INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5({", ".join(COLUMNS)}, tokenize="{TOKENIZE}");
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(text_l, tokenize="{TOKENIZE}");
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
"""


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._items_lock = threading.Lock()
        self._item_table: _ItemTable | None = None

    # --- connections ---------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._connect()
            self._local.con = con
        return con

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            con.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            with self._schema_lock:
                if not self._schema_ready:
                    con.executescript(SCHEMA)
                    self._schema_ready = True
        except (sqlite3.Error, OSError) as exc:
            raise BackendUnavailable(f"search index {self.path}: {exc}") from exc
        return con

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # --- writing -------------------------------------------------------------------------------

    def index_items(self, docs: Iterable[ItemDoc]) -> int:
        con = self._db()
        count = 0
        con.execute("BEGIN IMMEDIATE")
        try:
            for doc in docs:
                self._put(con, doc)
                count += 1
            _bump_generation(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return count

    def _put(self, con: sqlite3.Connection, doc: ItemDoc) -> None:
        row = con.execute("SELECT rid FROM items WHERE id = ?", (doc.id,)).fetchone()
        if row is not None:
            self._remove(con, row[0])
        values = (doc.id, doc.source, doc.access, doc.status, doc.year_from, doc.year_to,
                  title_sort_key(doc.title), json.dumps(doc.stored(), ensure_ascii=False))
        if row is None:
            rid = con.execute("INSERT INTO items (id, source, access, status, year_from, year_to, title_sort, stored)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values).lastrowid
        else:
            rid = row[0]  # keep the rowid: page rowids are derived from it
            con.execute("INSERT INTO items (rid, id, source, access, status, year_from, year_to, title_sort, stored)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (rid, *values))
        meta = doc.metadata_fields()
        streams: list[str] = []
        for field in ("title", "creator", "subject", "place"):
            streams.extend(key_streams(meta[field]))
        texts = [*meta["description"], *meta["other"], *(p.text for p in doc.pages)]
        streams.extend(key_streams(texts))
        con.execute(f"INSERT INTO items_fts (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                    (rid, *streams))
        for page in doc.pages:
            pid = (rid << SEQ_BITS) | page.seq
            con.execute("INSERT INTO pages (pid, text) VALUES (?, ?)", (pid, page.text))
            con.execute("INSERT INTO pages_fts (rowid, text_l) VALUES (?, ?)", (pid, key_streams([page.text])[1]))
        for name, values in doc.facet_values().items():
            for value in dict.fromkeys(values):
                con.execute("INSERT OR IGNORE INTO facet_values (name, value) VALUES (?, ?)", (name, value))
                con.execute("INSERT OR IGNORE INTO item_facets (rid, vid) SELECT ?, vid FROM facet_values"
                            " WHERE name = ? AND value = ?", (rid, name, value))

    def _remove(self, con: sqlite3.Connection, rid: int) -> None:
        low, high = rid << SEQ_BITS, (rid << SEQ_BITS) | SEQ_MASK
        con.execute("DELETE FROM items_fts WHERE rowid = ?", (rid,))
        con.execute("DELETE FROM pages_fts WHERE rowid BETWEEN ? AND ?", (low, high))
        con.execute("DELETE FROM pages WHERE pid BETWEEN ? AND ?", (low, high))
        con.execute("DELETE FROM item_facets WHERE rid = ?", (rid,))
        con.execute("DELETE FROM items WHERE rid = ?", (rid,))

    def delete_items(self, ids: Sequence[str]) -> None:
        con = self._db()
        con.execute("BEGIN IMMEDIATE")
        try:
            for item_id in ids:
                row = con.execute("SELECT rid FROM items WHERE id = ?", (item_id,)).fetchone()
                if row is not None:
                    self._remove(con, row[0])
            _bump_generation(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def clear(self) -> None:
        con = self._db()
        con.execute("BEGIN IMMEDIATE")
        try:
            for table in ("items", "facet_values", "item_facets", "pages", "items_fts", "pages_fts"):
                con.execute(f"DELETE FROM {table}")
            _bump_generation(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def optimize(self) -> None:
        """Merge FTS5 segments (after a bulk load); queries get faster."""
        con = self._db()
        con.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
        con.execute("INSERT INTO pages_fts(pages_fts) VALUES ('optimize')")
        con.execute("ANALYZE")

    # --- reading -------------------------------------------------------------------------------

    def health(self) -> str:
        try:
            count = self._db().execute("SELECT count(*) FROM items").fetchone()[0]
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"search index {self.path}: {exc}") from exc
        return f"sqlite FTS5 {sqlite3.sqlite_version}, {count} documents in {self.path}"

    def search(self, request: SearchRequest) -> SearchResult:
        con = self._db()
        fts, extra, extra_params = _split(request.query)
        try:
            with _read_transaction(con):  # hits, facets and page numbers from one snapshot
                items = self._items(con)
                allowed = items.allowed(request)
                if extra:
                    allowed &= {rid for (rid,) in con.execute(f"SELECT i.rid FROM items i WHERE {extra}", extra_params)}
                if fts is not None:
                    # Only FTS5 here (no join): visibility and filters are set lookups in memory.
                    scored = con.execute(f"SELECT rowid, -{BM25} FROM items_fts WHERE items_fts MATCH ?", (fts,))
                    hits = [(rid, score) for rid, score in scored if rid in allowed]
                else:
                    hits = [(rid, 0.0) for rid in allowed]
                shown = items.first(hits, request.sort, request.offset + request.per_page)[request.offset:]
                stored = self._stored(con, [rid for rid, _ in shown])
                facets = items.count([rid for rid, _ in hits]) if request.facets else {}
                page_expr = _pages_expression(request.query)
                seqs = self._matched_pages_of(con, [rid for rid, _ in shown], page_expr) if page_expr else {}
                texts = self._page_texts_of(con, {rid: found[:PAGE_SNIPPETS] for rid, found in seqs.items()})
        except sqlite3.OperationalError as exc:
            raise BackendUnavailable(f"search index {self.path}: {exc}") from exc
        highlighter = Highlighter(request.query)
        result = [make_hit(json.loads(stored[rid]), score, highlighter, seqs.get(rid, []), texts.get(rid, {}))
                  for rid, score in shown]
        return SearchResult(len(hits), tuple(result), facets, request.page, request.per_page)

    def _items(self, con: sqlite3.Connection) -> "_ItemTable":
        """The in-memory item table of the index as `con` sees it, reloaded after any write."""
        generation = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        with self._items_lock:
            if self._item_table is None or self._item_table.generation != generation:
                self._item_table = _ItemTable.load(con, generation)
            return self._item_table

    def _stored(self, con: sqlite3.Connection, rids: Sequence[int]) -> dict[int, str]:
        if not rids:
            return {}
        return dict(con.execute(f"SELECT rid, stored FROM items WHERE rid IN ({','.join('?' * len(rids))})", rids))

    def _matched_pages_of(self, con: sqlite3.Connection, rids: Sequence[int], expr: str) -> dict[int, list[int]]:
        """Matched page numbers of each of these items (the hits of one result page)."""
        if "*" not in expr:  # keys are letters only: a star is FTS5's prefix marker
            # A word or phrase: FTS5 seeks to each item's rowid range in the doclist, cheap per hit.
            return {rid: self._matched_pages(con, rid, expr, PAGE_LIMIT) for rid in rids}
        # FTS5 expands a prefix over the whole table on every statement: expand it once and keep
        # the pages of these items.
        wanted: dict[int, list[int]] = {rid: [] for rid in rids}
        low, high = min(rids, default=0) << SEQ_BITS, (max(rids, default=0) << SEQ_BITS) | SEQ_MASK
        for (pid,) in con.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ?"
                                  " ORDER BY rowid", (expr, low, high)):
            found = wanted.get(pid >> SEQ_BITS)
            if found is not None and len(found) < PAGE_LIMIT:
                found.append(pid & SEQ_MASK)
        return wanted

    def _matched_pages(self, con: sqlite3.Connection, rid: int, expr: str, limit: int) -> list[int]:
        low, high = rid << SEQ_BITS, (rid << SEQ_BITS) | SEQ_MASK
        rows = con.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ?"
                           " ORDER BY rowid LIMIT ?", (expr, low, high, limit)).fetchall()
        return [r[0] & SEQ_MASK for r in rows]

    def _page_texts_of(self, con: sqlite3.Connection, wanted: dict[int, list[int]]) -> dict[int, dict[int, str]]:
        """Texts of the given pages of several items in one statement: {rid: {seq: text}}."""
        pids = [(rid << SEQ_BITS) | seq for rid, seqs in wanted.items() for seq in seqs]
        texts: dict[int, dict[int, str]] = {}
        if pids:
            for pid, text in con.execute(f"SELECT pid, text FROM pages WHERE pid IN ({','.join('?' * len(pids))})",
                                         pids):
                texts.setdefault(pid >> SEQ_BITS, {})[pid & SEQ_MASK] = text
        return texts

    def _page_texts(self, con: sqlite3.Connection, rid: int, seqs: Sequence[int]) -> dict[int, str]:
        if not seqs:
            return {}
        pids = [(rid << SEQ_BITS) | s for s in seqs]
        rows = con.execute(f"SELECT pid, text FROM pages WHERE pid IN ({','.join('?' * len(pids))})", pids)
        return {pid & SEQ_MASK: text for pid, text in rows}

    def search_item(self, item_id: str, query: Node | None, visibility: Visibility,
                    limit: int = 200) -> ItemMatches:
        con = self._db()
        vis, params = _visibility(visibility)
        row = con.execute(f"SELECT i.rid FROM items i WHERE i.id = ? AND {vis}", (item_id, *params)).fetchone()
        expr = _pages_expression(query)
        if row is None or expr is None:
            return ItemMatches(item_id, ())
        seqs = self._matched_pages(con, row[0], expr, limit)
        texts = self._page_texts(con, row[0], seqs)
        highlighter = Highlighter(query)
        pages = []
        for seq in seqs:
            snippet = highlighter.snippet(texts.get(seq, ""), "text")
            pages.append(PageMatch(seq, (snippet,) if snippet else ()))
        return ItemMatches(item_id, tuple(pages))


@dataclass(frozen=True)
class _Item:
    id: str
    access: str
    status: str
    year_from: int | None
    year_to: int | None
    title_sort: str


@dataclass
class _ItemTable:
    """What filtering, sorting and facet counting need of every document, in memory for one index
    generation: the FTS5 matches are checked against it instead of being joined with `items` (a row
    seek per match), and facets are counted on bitmaps (a Python int, bit = rid) with one AND and one
    popcount per value instead of a GROUP BY over every (hit, value) pair.

    Memory: about 200 bytes per document plus (number of facet values) × (highest rid / 8) bytes for
    the bitmaps: 58 values × 1.3 KB at 10,000 items."""

    generation: int
    items: dict[int, _Item]
    names: dict[int, tuple[str, str]]  # vid → (facet, value)
    vids: dict[tuple[str, str], int]  # (facet, value) → vid
    members: dict[int, tuple[int, ...]]  # vid → rids
    bitmaps: dict[int, int]  # vid → bitmap of rids
    _visible: dict[tuple[frozenset[str] | None, frozenset[str] | None], frozenset[int]]

    @classmethod
    def load(cls, con: sqlite3.Connection, generation: int) -> "_ItemTable":
        items = {rid: _Item(*rest) for rid, *rest in con.execute(
            "SELECT rid, id, access, status, year_from, year_to, title_sort FROM items")}
        names = {vid: (name, value) for vid, name, value in con.execute("SELECT vid, name, value FROM facet_values")}
        grouped: dict[int, list[int]] = {}
        for vid, rid in con.execute("SELECT vid, rid FROM item_facets"):
            grouped.setdefault(vid, []).append(rid)
        size = max(items, default=0) + 1
        return cls(generation, items, names, {pair: vid for vid, pair in names.items()},
                   {vid: tuple(rids) for vid, rids in grouped.items()},
                   {vid: _bitmap(rids, size) for vid, rids in grouped.items()}, {})

    def visible(self, visibility: Visibility) -> frozenset[int]:
        key = (visibility.access, visibility.statuses)
        found = self._visible.get(key)
        if found is None:
            # Few distinct visibilities exist (public, reading room, staff): keep each one's set.
            found = self._visible[key] = frozenset(
                rid for rid, item in self.items.items()
                if (visibility.access is None or item.access in visibility.access)
                and (visibility.statuses is None or item.status in visibility.statuses))
        return found

    def allowed(self, request: SearchRequest) -> set[int]:
        """Documents the caller may see that pass the facet and date filters."""
        allowed = set(self.visible(request.visibility))
        for name, values in request.filters.active().items():
            # Values of one facet are alternatives: the union of their documents.
            either = set().union(*(self.members.get(self.vids.get((name, v), -1), ()) for v in values))
            allowed &= either
        return self._dated(allowed, request.filters.date_from, request.filters.date_to)

    def _dated(self, allowed: set[int], date_from: int | None, date_to: int | None) -> set[int]:
        # As in SQL, a missing year never satisfies a date bound.
        if date_from is not None:
            allowed = {r for r in allowed if (y := self.items[r].year_to) is not None and y >= date_from}
        if date_to is not None:
            allowed = {r for r in allowed if (y := self.items[r].year_from) is not None and y <= date_to}
        return allowed

    def first(self, hits: list[tuple[int, float]], sort: str, count: int) -> list[tuple[int, float]]:
        """The first `count` hits in the order of `sort` (ties by id, as every backend does)."""
        items = self.items
        if sort == "relevance" and len(hits) > count:
            # Cheap cut by score alone (a C-level key), keeping every hit tied with the last one kept,
            # so that the exact order by (score, id) below sees all candidates.
            cut = heapq.nlargest(count, hits, key=itemgetter(1))[-1][1]
            hits = [hit for hit in hits if hit[1] >= cut]
        key = _SORT_KEYS[sort]
        return heapq.nsmallest(count, hits, key=lambda hit: key(items[hit[0]], hit[1]))

    def count(self, rids: Sequence[int]) -> dict[str, tuple[FacetValue, ...]]:
        result: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
        if rids:
            hits = _bitmap(rids, max(rids) + 1)
            for vid, members in self.bitmaps.items():
                count = (hits & members).bit_count()
                if count:
                    name, value = self.names[vid]
                    result[name].append(FacetValue(value, count))
        return {name: tuple(sorted(values, key=lambda v: (-v.count, v.value))[:FACET_SIZE])
                for name, values in result.items()}


# The SQL orders these replaced (NULL is the smallest value in SQLite; strings compare by code point).
_SORT_KEYS = {
    "relevance": lambda item, score: (-score, item.id),
    "date": lambda item, score: (item.year_from is None, item.year_from or 0,
                                 item.year_to is not None, item.year_to or 0, item.id),
    "-date": lambda item, score: (item.year_to is None, -(item.year_to or 0),
                                  item.year_from is None, -(item.year_from or 0), item.id),
    "title": lambda item, score: (item.title_sort, item.id),
}


def _bitmap(rids: Iterable[int], size: int) -> int:
    # Set bits in a buffer and convert once: OR-ing 1 << rid into an int copies it for every rid.
    buffer = bytearray((size + 7) // 8)
    for rid in rids:
        buffer[rid >> 3] |= 1 << (rid & 7)
    return int.from_bytes(buffer, "little")


def _bump_generation(con: sqlite3.Connection) -> None:
    """Mark a write (inside its transaction). Random rather than +1 so that a rebuilt index file
    cannot repeat a generation a reader has cached."""
    con.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (random.getrandbits(62),))


@contextmanager
def _read_transaction(con: sqlite3.Connection) -> Iterator[None]:
    con.execute("BEGIN")
    try:
        yield
    finally:
        con.execute("COMMIT")  # a read transaction: committing only ends the snapshot


def _visibility(visibility: Visibility) -> tuple[str, list[object]]:
    clauses, params = ["1"], []
    if visibility.access is not None and not visibility.access:
        return "0", []  # an empty set of levels sees nothing
    if visibility.access is not None:
        clauses.append(f"i.access IN ({','.join('?' * len(visibility.access))})")
        params.extend(sorted(visibility.access))
    if visibility.statuses is not None:
        clauses.append(f"i.status IN ({','.join('?' * len(visibility.statuses))})")
        params.extend(sorted(visibility.statuses))
    return " AND ".join(clauses), params


# --- query compilation -------------------------------------------------------------------------


def _quote(keys: Iterable[str]) -> str:
    return '"' + " ".join(k.replace('"', '""') for k in keys) + '"'


def _match_fts(match: Match, columns: Sequence[str] | None = None) -> str:
    fields = [match.field] if match.field else list(FIELDS)
    star = " *" if match.prefix else ""
    loose = "{%s}: %s%s" % (" ".join(columns or [f"{f}_l" for f in fields]), _quote(w.loose for w in match.words), star)
    if columns is not None:
        return loose
    exact = "{%s}: %s%s" % (" ".join(f"{f}_x" for f in fields), _quote(w.key for w in match.words), star)
    # Exact matches are a subset of loose ones: the OR changes nothing but lets BM25 reward exact keys.
    return f"({loose} OR {exact})"


def _fts(node: Node) -> str | None:
    """`node` as one FTS5 expression, or None when FTS5 cannot say it (dates, a NOT on its own)."""
    if isinstance(node, Match):
        return _match_fts(node)
    if isinstance(node, Or):
        parts = [_fts(c) for c in node.children]
        return None if any(p is None for p in parts) else "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]
    if isinstance(node, And):
        positive = [_fts(c) for c in node.children if not isinstance(c, Not)]
        negative = [_fts(c.child) for c in node.children if isinstance(c, Not)]
        if not positive or any(p is None for p in positive + negative):
            return None
        expr = "(" + " AND ".join(positive) + ")"  # type: ignore[arg-type]
        if negative:
            expr = f"({expr} NOT ({' OR '.join(negative)}))"  # type: ignore[arg-type]
        return expr
    return None


def _sql(node: Node) -> tuple[str, list[object]]:
    """`node` as a condition on `items i`; FTS-expressible parts become rowid subqueries."""
    expr = _fts(node)
    if expr is not None:
        return "i.rid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)", [expr]
    if isinstance(node, DateRange):
        return "(i.year_from <= ? AND i.year_to >= ?)", [node.end, node.start]
    if isinstance(node, Not):
        inner, params = _sql(node.child)
        return f"NOT ({inner})", params
    assert isinstance(node, (And, Or))
    joiner = " AND " if isinstance(node, And) else " OR "
    parts = [_sql(c) for c in node.children]
    return "(" + joiner.join(p for p, _ in parts) + ")", [v for _, ps in parts for v in ps]


def _split(node: Node | None) -> tuple[str | None, str | None, list[object]]:
    """(FTS expression to rank by, extra SQL condition, its parameters) for the whole query."""
    if node is None:
        return None, None, []
    expr = _fts(node)
    if expr is not None:
        return expr, None, []
    if isinstance(node, And):
        # Rank by the text part; dates and lone NOTs become plain conditions beside it.
        textual = [c for c in node.children if _fts(c) is not None or (isinstance(c, Not) and _fts(c.child))]
        rest = [c for c in node.children if c not in textual]
        if any(not isinstance(c, Not) for c in textual):
            ranked = _fts(And(tuple(textual)) if len(textual) > 1 else textual[0])
            if ranked is not None and rest:
                sql, params = _sql(And(tuple(rest)) if len(rest) > 1 else rest[0])
                return ranked, sql, params
    sql, params = _sql(node)
    return None, sql, params


def _pages_expression(node: Node | None) -> str | None:
    """Pages match when any positive unscoped word or phrase occurs on them."""
    matches = [m for m in positive_matches(node) if m.field is None]
    if not matches:
        return None
    return " OR ".join(_match_fts(m, ["text_l"]) for m in matches)
