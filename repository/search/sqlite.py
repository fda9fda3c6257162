"""The embedded default: SQLite FTS5 in its own file (`<data_dir>/search.db`), separate from the database
so that `olketanu reindex` can throw it away and rebuild it.

Tables: `items` (one row per document: filter columns and the stored printed metadata), `item_facets`
(integer pairs: document, facet value) for GROUP BY facet counts, `pages` (printed page text), and two
FTS5 tables over the key streams: `items_fts` (per field an exact and a loose column; `text_*` holds the
description, other metadata and every page, so AND across pages works at item level) and `pages_fts`
(loose keys per page, rowid = item rowid << 20 | seq, so one item's pages are a rowid range).
BM25 weights titles highest and exact columns above loose ones: exact-key matches rank first.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
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
"""


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False

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
            with self._schema_lock:
                if not self._schema_ready:
                    con.executescript(SCHEMA)
                    self._schema_ready = True
            con.execute("CREATE TEMP TABLE IF NOT EXISTS hits (rid INTEGER PRIMARY KEY, score REAL NOT NULL)")
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
        where, params = _restrictions(request)
        fts, extra, extra_params = _split(request.query)
        if extra:
            where, params = f"{where} AND {extra}", [*params, *extra_params]
        if fts is not None:
            select = (f"SELECT i.rid, -{BM25} FROM items_fts JOIN items i ON i.rid = items_fts.rowid"
                      f" WHERE items_fts MATCH ? AND {where}")
            params = [fts, *params]
        else:
            select = f"SELECT i.rid, 0.0 FROM items i WHERE {where}"
        try:
            con.execute("DELETE FROM temp.hits")
            con.execute(f"INSERT INTO temp.hits (rid, score) {select}", params)
            total = con.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
            rows = con.execute(
                f"SELECT i.rid, h.score, i.stored FROM temp.hits h JOIN items i ON i.rid = h.rid"
                f" ORDER BY {_ORDER[request.sort]} LIMIT ? OFFSET ?", (request.per_page, request.offset)).fetchall()
            facets = self._facets(con) if request.facets else {}
        except sqlite3.OperationalError as exc:
            raise BackendUnavailable(f"search index {self.path}: {exc}") from exc
        highlighter = Highlighter(request.query)
        page_expr = _pages_expression(request.query)
        hits = []
        for rid, score, stored in rows:
            seqs = self._matched_pages(con, rid, page_expr, PAGE_LIMIT) if page_expr else []
            texts = self._page_texts(con, rid, seqs[:PAGE_SNIPPETS])
            hits.append(make_hit(json.loads(stored), score, highlighter, seqs, texts))
        return SearchResult(total, tuple(hits), facets, request.page, request.per_page)

    def _facets(self, con: sqlite3.Connection) -> dict[str, tuple[FacetValue, ...]]:
        rows = con.execute(
            "SELECT f.vid, count(*) AS n FROM temp.hits h JOIN item_facets f ON f.rid = h.rid"
            " GROUP BY f.vid").fetchall()
        counts = dict(rows)
        result: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
        if counts:
            # Names of the counted values only; the value table is small next to the postings.
            names = con.execute(
                f"SELECT vid, name, value FROM facet_values WHERE vid IN ({','.join('?' * len(counts))})",
                list(counts)).fetchall()
            for vid, name, value in names:
                result[name].append(FacetValue(value, counts[vid]))
        return {name: tuple(sorted(values, key=lambda v: (-v.count, v.value))[:FACET_SIZE])
                for name, values in result.items()}

    def _matched_pages(self, con: sqlite3.Connection, rid: int, expr: str, limit: int) -> list[int]:
        low, high = rid << SEQ_BITS, (rid << SEQ_BITS) | SEQ_MASK
        rows = con.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ?"
                           " ORDER BY rowid LIMIT ?", (expr, low, high, limit)).fetchall()
        return [r[0] & SEQ_MASK for r in rows]

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


_ORDER = {
    "relevance": "h.score DESC, i.id",
    "date": "i.year_from IS NULL, i.year_from, i.year_to, i.id",
    "-date": "i.year_to IS NULL, i.year_to DESC, i.year_from DESC, i.id",
    "title": "i.title_sort, i.id",
}


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


def _restrictions(request: SearchRequest) -> tuple[str, list[object]]:
    """Visibility and facet filters as a WHERE clause over `items i`."""
    where, params = _visibility(request.visibility)
    clauses = [where]
    for name, values in request.filters.active().items():
        clauses.append("i.rid IN (SELECT f.rid FROM item_facets f JOIN facet_values v ON v.vid = f.vid"
                       f" WHERE v.name = ? AND v.value IN ({','.join('?' * len(values))}))")
        params.extend([name, *values])
    if request.filters.date_from is not None:
        clauses.append("i.year_to >= ?")
        params.append(request.filters.date_from)
    if request.filters.date_to is not None:
        clauses.append("i.year_from <= ?")
        params.append(request.filters.date_to)
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
