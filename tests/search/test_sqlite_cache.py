"""The SQLite backend keeps an in-memory item table (visibility, sort keys, facet bitmaps) per index
generation: a write through any connection, in this process or another, must show in the next search."""
from __future__ import annotations

from repository.search.base import Filters, ItemDoc, LangText, PageDoc, SearchRequest, Visibility
from repository.search.sqlite import SqliteBackend


def _doc(item_id: str, word: str, *, access: str = "public", types: tuple[str, ...] = ("Text",)) -> ItemDoc:
    return ItemDoc(item_id, titles=(LangText(f"Газет {item_id}"),), types=types, access=access,
                   pages=(PageDoc(1, f"бірінші {word}"), PageDoc(2, word)))


def _ask(backend: SqliteBackend, q: str | None, **kw: object):
    kw.setdefault("per_page", 100)
    return backend.search(SearchRequest.from_text(q, **kw))  # type: ignore[arg-type]


def test_a_write_by_another_connection_is_seen_by_a_cached_reader(tmp_path):
    reader, writer = SqliteBackend(tmp_path / "search.db"), SqliteBackend(tmp_path / "search.db")
    try:
        writer.index_items([_doc("a1", "алма")])
        assert _ask(reader, "алма").total == 1  # loads the item table
        writer.index_items([_doc("a2", "алма", types=("Map",)), _doc("a3", "алма", access="staff")])
        result = _ask(reader, "алма")
        assert [h.id for h in result.hits] == ["a1", "a2"]
        assert {v.value: v.count for v in result.facets["type"]} == {"Text": 1, "Map": 1}
        assert [h.id for h in _ask(reader, "алма", filters=Filters({"type": ("Map",)})).hits] == ["a2"]
        assert _ask(reader, "алма", visibility=Visibility.staff()).total == 3
        writer.delete_items(["a1"])
        assert [h.id for h in _ask(reader, "алма").hits] == ["a2"]
        writer.clear()
        assert _ask(reader, None).total == 0
    finally:
        reader.close()
        writer.close()


def test_equal_scores_are_ordered_by_id_across_the_page_boundary(tmp_path):
    backend = SqliteBackend(tmp_path / "search.db")
    try:
        # Same text, same length: every document scores the same, so only the ids order them.
        backend.index_items([_doc(f"t{n:02d}", "алма") for n in (5, 3, 9, 1, 7, 2, 8, 4, 6)])
        first = _ask(backend, "алма", per_page=4)
        second = _ask(backend, "алма", per_page=4, page=2)
        assert [h.id for h in first.hits + second.hits] == [f"t{n:02d}" for n in range(1, 9)]
        assert first.hits[0].pages == (1, 2)
        prefixed = _ask(backend, "алм*", per_page=4)
        assert [h.id for h in prefixed.hits] == ["t01", "t02", "t03", "t04"] and prefixed.hits[3].pages == (1, 2)
    finally:
        backend.close()
