"""Elasticsearch 8 backend: `<prefix>-items` (one document per item) and `<prefix>-pages` (one per page).

Keys are made in Python (`highlight.key_streams`), exactly as for SQLite, and indexed with a plain
whitespace analyzer, so both backends fold identically. Printed text is kept in `_source` only for
snippets, which `highlight` makes in Python: hits look the same whichever backend answers.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.helpers import BulkIndexError, bulk

from repository.search.base import (
    FACET_SIZE, FACETS, FacetValue, ItemDoc, ItemMatches, PageMatch, SearchBackend, SearchRequest, SearchResult,
    Visibility,
)
from repository.search.errors import BackendUnavailable
from repository.search.highlight import PAGE_SNIPPETS, Highlighter, key_streams, make_hit, title_sort_key
from repository.search.query import And, DateRange, Match, Node, Not, Or, positive_matches

FIELDS = ("title", "creator", "subject", "place", "text")
# Same weights as the SQLite backend's BM25 columns.
WEIGHTS = {"title": 10.0, "creator": 3.0, "subject": 3.0, "place": 3.0, "text": 1.0}
EXACT_BOOST = 1.5
PAGE_LIMIT = 500  # matched page numbers listed per hit (per_page × this stays under search.max_buckets)
BULK_CHUNK = 500

# The built-in whitespace analyzer (core; the integ-test distribution has no analysis-common module):
# keys arrive already folded and case-folded, one per word.
KEYS = {"type": "text", "analyzer": "whitespace"}
SETTINGS = {
    "number_of_shards": 1,
    # 0 replicas on a single node (green), 1 once the cluster has a second node.
    "auto_expand_replicas": "0-1",
}
ITEMS_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "source": {"type": "keyword"},
        "access": {"type": "keyword"},
        "status": {"type": "keyword"},
        "year_from": {"type": "integer"},
        "year_to": {"type": "integer"},
        "title_sort": {"type": "keyword"},
        "page_seqs": {"type": "integer", "index": False, "doc_values": False},
        **{f"{f}_{k}": KEYS for f in FIELDS for k in ("x", "l")},
        **{f"f_{name}": {"type": "keyword"} for name in FACETS},
        "stored": {"type": "object", "enabled": False},
    },
}
PAGES_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "item_id": {"type": "keyword"},
        "seq": {"type": "integer"},
        "text_l": KEYS,
        "text": {"type": "text", "index": False},
    },
}

SORTS: dict[str, list[Any]] = {
    "relevance": [{"_score": "desc"}, {"id": "asc"}],
    "date": [{"year_from": {"order": "asc", "missing": "_last"}}, {"year_to": {"order": "asc", "missing": "_last"}},
             {"id": "asc"}],
    "-date": [{"year_to": {"order": "desc", "missing": "_last"}},
              {"year_from": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    "title": [{"title_sort": "asc"}, {"id": "asc"}],
}


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, index_prefix: str = "olketanu", refresh: bool = True, timeout_s: float = 30):
        self.url = url
        self.items_index = f"{index_prefix}-items"
        self.pages_index = f"{index_prefix}-pages"
        self.refresh = refresh  # make writes searchable when index_items returns
        self._client = Elasticsearch(url, request_timeout=timeout_s)
        self._ready = False
        self._lock = threading.Lock()

    def _es(self) -> Elasticsearch:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._call(self._create_indices)
                    self._ready = True
        return self._client

    def _create_indices(self) -> None:
        for index, mapping in ((self.items_index, ITEMS_MAPPING), (self.pages_index, PAGES_MAPPING)):
            if not self._client.indices.exists(index=index):
                try:
                    self._client.indices.create(index=index, settings=SETTINGS, mappings=mapping)
                except ApiError as exc:
                    # Another process created it between the check and the create: that is fine.
                    if exc.meta.status != 400 or "resource_already_exists" not in str(exc):
                        raise

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BulkIndexError as exc:
            first = exc.errors[0] if exc.errors else {}
            raise BackendUnavailable(f"elasticsearch refused {len(exc.errors)} document(s), first: {first}") from exc
        except (TransportError, ApiError) as exc:
            raise BackendUnavailable(f"elasticsearch at {self.url}: {exc}") from exc

    def close(self) -> None:
        self._client.close()

    # --- writing -------------------------------------------------------------------------------

    def index_items(self, docs: Iterable[ItemDoc]) -> int:
        es = self._es()
        batch = list(docs)
        if not batch:
            return 0
        # Pages an item no longer has must go; the core distribution has no delete-by-query, so the
        # item document remembers its page numbers.
        old = self._page_seqs([d.id for d in batch])
        stale = [f"{d.id}/{seq}" for d in batch for seq in old.get(d.id, ()) if seq not in {p.seq for p in d.pages}]
        actions = [*self._actions(batch), *({"_op_type": "delete", "_index": self.pages_index, "_id": i} for i in stale)]
        self._bulk(actions)
        return len(batch)

    def _bulk(self, actions: list[dict[str, Any]]) -> None:
        # A delete of a page that is already gone answers 404: not an error here.
        self._call(bulk, self._client, actions, chunk_size=BULK_CHUNK, refresh=self.refresh,
                   raise_on_error=True, ignore_status=(404,))

    def _page_seqs(self, ids: list[str]) -> dict[str, list[int]]:
        response = self._call(self._client.mget, index=self.items_index, ids=ids, source=["page_seqs"])
        return {d["_id"]: d["_source"].get("page_seqs", []) for d in response["docs"] if d.get("found")}

    def _actions(self, docs: Iterable[ItemDoc]) -> Iterable[dict[str, Any]]:
        for doc in docs:
            yield {"_op_type": "index", "_index": self.items_index, "_id": doc.id, "_source": _item_source(doc)}
            for page in doc.pages:
                yield {"_op_type": "index", "_index": self.pages_index, "_id": f"{doc.id}/{page.seq}", "_source": {
                    "item_id": doc.id, "seq": page.seq, "text_l": key_streams([page.text])[1], "text": page.text}}

    def delete_items(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        old = self._page_seqs(list(ids))
        actions = [{"_op_type": "delete", "_index": self.items_index, "_id": i} for i in old]
        actions += [{"_op_type": "delete", "_index": self.pages_index, "_id": f"{i}/{seq}"}
                    for i, seqs in old.items() for seq in seqs]
        if actions:
            self._bulk(actions)

    def clear(self) -> None:
        with self._lock:
            self._call(self._client.indices.delete, index=[self.items_index, self.pages_index],
                       ignore_unavailable=True)
            self._ready = False
        self._es()

    # --- reading -------------------------------------------------------------------------------

    def health(self) -> str:
        es = self._es()
        # GET / is not served by every distribution (the integ-test zip lacks it); node info always is.
        nodes = self._call(es.nodes.info, node_id="_local")["nodes"]
        version = next(iter(nodes.values()))["version"] if nodes else "?"
        status = self._call(es.cluster.health, index=self.items_index)["status"]
        if status == "red":
            raise BackendUnavailable(f"elasticsearch at {self.url}: index {self.items_index} is red")
        count = self._call(es.count, index=self.items_index)["count"]
        return f"elasticsearch {version} at {self.url} ({status}), {count} documents in {self.items_index}"

    def search(self, request: SearchRequest) -> SearchResult:
        es = self._es()
        query = {"bool": {"must": [_compile(request.query)] if request.query is not None else [{"match_all": {}}],
                          "filter": _restrictions(request)}}
        aggs = {name: {"terms": {"field": f"f_{name}", "size": FACET_SIZE}} for name in FACETS} if request.facets else None
        response = self._call(
            es.search, index=self.items_index, query=query, aggs=aggs, sort=SORTS[request.sort],
            from_=request.offset, size=request.per_page, track_total_hits=True, track_scores=True,
            source=["stored"])
        found = response["hits"]["hits"]
        ids = [h["_id"] for h in found]
        page_expr = _pages_query(request.query)
        seqs = self._matched_pages(ids, page_expr) if page_expr is not None else {}
        texts = self._page_texts({i: s[:PAGE_SNIPPETS] for i, s in seqs.items()})
        highlighter = Highlighter(request.query)
        hits = tuple(make_hit(h["_source"]["stored"], h.get("_score") or 0.0, highlighter, seqs.get(h["_id"], []),
                              texts.get(h["_id"], {})) for h in found)
        facets = {}
        if request.facets:
            facets = {name: tuple(FacetValue(str(b["key"]), b["doc_count"])
                                  for b in response["aggregations"][name]["buckets"]) for name in FACETS}
        return SearchResult(response["hits"]["total"]["value"], hits, facets, request.page, request.per_page)

    def _matched_pages(self, ids: list[str], page_query: dict[str, Any]) -> dict[str, list[int]]:
        if not ids:
            return {}
        response = self._call(
            self._client.search, index=self.pages_index, size=0,
            query={"bool": {"filter": [{"terms": {"item_id": ids}}], "must": [page_query]}},
            aggs={"items": {"terms": {"field": "item_id", "size": len(ids)}, "aggs": {
                "seqs": {"terms": {"field": "seq", "size": PAGE_LIMIT, "order": {"_key": "asc"}}}}}})
        return {b["key"]: [s["key"] for s in b["seqs"]["buckets"]]
                for b in response["aggregations"]["items"]["buckets"]}

    def _page_texts(self, wanted: dict[str, list[int]]) -> dict[str, dict[int, str]]:
        page_ids = [f"{item_id}/{seq}" for item_id, seqs in wanted.items() for seq in seqs]
        if not page_ids:
            return {}
        response = self._call(self._client.mget, index=self.pages_index, ids=page_ids, source=["item_id", "seq", "text"])
        texts: dict[str, dict[int, str]] = {}
        for doc in response["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                texts.setdefault(src["item_id"], {})[src["seq"]] = src["text"]
        return texts

    def search_item(self, item_id: str, query: Node | None, visibility: Visibility,
                    limit: int = 200) -> ItemMatches:
        es = self._es()
        page_query = _pages_query(query)
        visible = self._call(es.count, index=self.items_index, query={"bool": {
            "filter": [{"term": {"id": item_id}}, *_visibility(visibility)]}})["count"]
        if not visible or page_query is None:
            return ItemMatches(item_id, ())
        response = self._call(
            es.search, index=self.pages_index, size=limit, sort=[{"seq": "asc"}], source=["seq", "text"],
            query={"bool": {"filter": [{"term": {"item_id": item_id}}], "must": [page_query]}})
        highlighter = Highlighter(query)
        pages = []
        for hit in response["hits"]["hits"]:
            snippet = highlighter.snippet(hit["_source"]["text"], "text")
            pages.append(PageMatch(hit["_source"]["seq"], (snippet,) if snippet else ()))
        return ItemMatches(item_id, tuple(pages))


def _item_source(doc: ItemDoc) -> dict[str, Any]:
    meta = doc.metadata_fields()
    source: dict[str, Any] = {
        "id": doc.id, "source": doc.source, "access": doc.access, "status": doc.status,
        "year_from": doc.year_from, "year_to": doc.year_to, "title_sort": title_sort_key(doc.title),
        "stored": doc.stored(), "page_seqs": [p.seq for p in doc.pages],
    }
    for field in ("title", "creator", "subject", "place"):
        source[f"{field}_x"], source[f"{field}_l"] = key_streams(meta[field])
    texts = [*meta["description"], *meta["other"], *(p.text for p in doc.pages)]
    source["text_x"], source["text_l"] = key_streams(texts)
    for name, values in doc.facet_values().items():
        source[f"f_{name}"] = list(dict.fromkeys(values))
    return source


def _visibility(visibility: Visibility) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if visibility.access is not None:
        clauses.append({"terms": {"access": sorted(visibility.access)}})
    if visibility.statuses is not None:
        clauses.append({"terms": {"status": sorted(visibility.statuses)}})
    return clauses


def _restrictions(request: SearchRequest) -> list[dict[str, Any]]:
    clauses = _visibility(request.visibility)
    for name, values in request.filters.active().items():
        clauses.append({"terms": {f"f_{name}": list(values)}})
    if request.filters.date_from is not None:
        clauses.append({"range": {"year_to": {"gte": request.filters.date_from}}})
    if request.filters.date_to is not None:
        clauses.append({"range": {"year_from": {"lte": request.filters.date_to}}})
    return clauses


# --- query compilation -------------------------------------------------------------------------


def _leaf(field: str, match: Match, exact: bool, boost: float) -> dict[str, Any]:
    keys = [w.key if exact else w.loose for w in match.words]
    name = f"{field}_{'x' if exact else 'l'}"
    if match.is_phrase:
        kind = "match_phrase_prefix" if match.prefix else "match_phrase"
        return {kind: {name: {"query": " ".join(keys), "boost": boost}}}
    if match.prefix:
        return {"prefix": {name: {"value": keys[0], "boost": boost}}}
    return {"term": {name: {"value": keys[0], "boost": boost}}}


def _match(match: Match, fields: Sequence[str] | None = None, exact: bool = True) -> dict[str, Any]:
    names = [match.field] if match.field else list(fields or FIELDS)
    should = [_leaf(f, match, False, WEIGHTS[f]) for f in names]
    if exact:
        # Exact keys are a subset of loose ones: these clauses only add score.
        should += [_leaf(f, match, True, WEIGHTS[f] * EXACT_BOOST) for f in names]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _compile(node: Node) -> dict[str, Any]:
    if isinstance(node, Match):
        return _match(node)
    if isinstance(node, DateRange):
        return {"bool": {"filter": [{"range": {"year_from": {"lte": node.end}}},
                                    {"range": {"year_to": {"gte": node.start}}}]}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [_compile(node.child)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [_compile(c) for c in node.children], "minimum_should_match": 1}}
    assert isinstance(node, And)
    must = [_compile(c) for c in node.children if not isinstance(c, Not)]
    must_not = [_compile(c.child) for c in node.children if isinstance(c, Not)]
    return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}


def _pages_query(node: Node | None) -> dict[str, Any] | None:
    """Pages match when any positive unscoped word or phrase occurs on them (as in the SQLite backend)."""
    matches = [m for m in positive_matches(node) if m.field is None]
    if not matches:
        return None
    should = [_leaf("text", m, False, 1.0) for m in matches]
    return {"bool": {"should": should, "minimum_should_match": 1}}
