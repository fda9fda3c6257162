"""The behavioural suite: the same tests on every backend (see conftest.py)."""
from __future__ import annotations

import pytest

from repository.search.base import Filters, ItemDoc, LangText, PageDoc, SearchRequest, Visibility
from repository.search.query import parse
from tests.search import corpus

STAFF = Visibility.staff()


def ask(backend, q: str | None = None, **kw):
    kw.setdefault("per_page", 100)
    return backend.search(SearchRequest.from_text(q, **kw))


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def hit(result, item_id: str):
    return next(h for h in result.hits if h.id == item_id)


@pytest.mark.parametrize("variant", ["Өскемен", "Öskemen", "Oskemen", "O'skemen", "Óskemen", "ӨСКЕМЕН", "oskemen"])
def test_every_spelling_of_oskemen_finds_the_same_items(backend, variant):
    expected = {corpus.KZ.id, corpus.LATIN.id, corpus.EXACT_CYRL.id, corpus.EXACT_LATN.id, corpus.CATALOGUE.id}
    assert set(ids(ask(backend, variant))) == expected


def test_exact_key_ranks_above_loose_only_match(backend):
    maps = Filters({"type": ("Map",)})
    assert ids(ask(backend, "Oskemen", filters=maps)) == [corpus.EXACT_LATN.id, corpus.EXACT_CYRL.id]
    assert ids(ask(backend, "Өскемен", filters=maps)) == [corpus.EXACT_CYRL.id, corpus.EXACT_LATN.id]


def test_modern_russian_finds_pre_1918_page_and_marks_the_printed_form(backend):
    result = ask(backend, "хлеб")
    assert ids(result) == [corpus.PRE1918.id]
    found = hit(result, corpus.PRE1918.id)
    assert found.pages == (3,)
    assert any(s.page == 3 and "<mark>хлѣбъ</mark>" in s.html for s in found.snippets)
    assert ids(ask(backend, "России")) == [corpus.PRE1918.id]
    assert ids(ask(backend, "title:вестник")) == [corpus.PRE1918.id]


def test_phrase_matches_adjacent_words_and_marks_the_whole_phrase(backend):
    result = ask(backend, '"Ертіс өзені"')
    assert ids(result) == [corpus.KZ.id]
    snippet = next(s for s in hit(result, corpus.KZ.id).snippets if s.page == 2)
    assert "<mark>Ертіс өзені</mark>" in snippet.html
    # The same words in the other order are on the same page but are not the phrase.
    assert "<mark>Өзені Ертіс</mark>" not in snippet.html
    assert ids(ask(backend, '"хлеб дорожает"')) == [corpus.PRE1918.id]
    assert ids(ask(backend, '"өзені жағасында Ертіс"')) == []


def test_snippets_are_escaped(empty_backend):
    empty_backend.index_items([ItemDoc("x1", titles=(LangText("<b>Өскемен</b> & co"),),
                                       pages=(PageDoc(1, "<script>alert(1)</script> Өскемен"),))])
    found = ask(empty_backend, "Oskemen").hits[0]
    assert found.title_html == "&lt;b&gt;<mark>Өскемен</mark>&lt;/b&gt; &amp; co"
    assert found.snippets[-1].html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Өскемен</mark>"


def test_facet_counts_add_up_to_the_total(backend):
    for q in (None, "Өскемен", "ауыл"):
        result = ask(backend, q)
        assert result.total == len(result.hits) > 0
        for single_valued in ("source", "fulltext"):
            assert sum(v.count for v in result.facets[single_valued]) == result.total, (q, single_valued)
        types = {v.value: v.count for v in result.facets["type"]}
        assert sum(types.values()) == result.total  # every document has exactly one type
    everything = ask(backend, None)
    assert {v.value: v.count for v in everything.facets["source"]} == {"archive": everything.total - 1, "catalogue": 1}


def test_facets_and_filters_agree(backend):
    everything = ask(backend, None)
    for name in ("collection", "type", "language", "decade", "subject", "place", "creator", "source", "fulltext"):
        for value in everything.facets[name]:
            filtered = ask(backend, None, filters=Filters({name: (value.value,)}))
            assert filtered.total == value.count, (name, value)


def test_restricted_draft_and_withdrawn_items_never_reach_the_public(backend):
    for q in ("Өскемен", None, "хлеб", "date:1930-1950"):
        public = set(ids(ask(backend, q)))
        assert not public & corpus.RESTRICTED_IDS, q
    reading_room = set(ids(ask(backend, "Өскемен", visibility=Visibility.anonymous(in_reading_room=True))))
    assert corpus.READING_ROOM.id in reading_room and corpus.STAFF_ONLY.id not in reading_room
    staff = set(ids(ask(backend, "Өскемен", visibility=STAFF)))
    assert corpus.RESTRICTED_IDS <= staff
    # Facet counts leak nothing either.
    public = ask(backend, None)
    assert sum(v.count for v in public.facets["source"]) == public.total
    assert backend.search_item(corpus.STAFF_ONLY.id, parse("Өскемен"), Visibility.anonymous()).pages == ()


def test_sort_by_date_and_title(backend):
    by_date = ask(backend, None, sort="date").hits
    years = [h.year_from for h in by_date]
    dated = [y for y in years if y is not None]
    assert dated == sorted(dated) and years[-1] is None  # undated last
    newest = [h.year_to for h in ask(backend, None, sort="-date").hits if h.year_to is not None]
    assert newest == sorted(newest, reverse=True)
    titles = [h.title for h in ask(backend, "Өскемен", sort="title").hits]
    # Sorted by loose key (script and diacritics ignored), ties by id.
    assert titles == ["Öskemen qalasy", "Өскемен картасы", "Oskemen kartasy", "Өскемен: очерки истории", "Өскемен тарихы"]


def test_paging(backend):
    first = ask(backend, None, sort="title", per_page=5, page=1)
    second = ask(backend, None, sort="title", per_page=5, page=2)
    assert len(first.hits) == len(second.hits) == 5
    assert not set(ids(first)) & set(ids(second))
    assert first.total == second.total and first.pages == -(-first.total // 5)


def test_prefix(backend):
    assert set(ids(ask(backend, "Өске*"))) == set(ids(ask(backend, "Oske*"))) == set(ids(ask(backend, "Өскемен")))
    result = ask(backend, "хлѣб*")
    assert ids(result) == [corpus.PRE1918.id] and hit(result, corpus.PRE1918.id).pages == (1, 3)


def test_field_queries(backend):
    assert ids(ask(backend, "title:тарихы")) == [corpus.KZ.id]
    assert ids(ask(backend, "тарихы")) == [corpus.KZ.id]
    assert ids(ask(backend, "title:қаласының")) == []  # only on a page
    assert ids(ask(backend, "creator:Zhumabaev")) == [corpus.KZ.id]
    assert ids(ask(backend, "creator:Иванов")) == [corpus.CATALOGUE.id]
    assert ids(ask(backend, "subject:өлкетану")) == [corpus.KZ.id]
    assert ids(ask(backend, 'place:"Шығыс Қазақстан"')) == [corpus.KZ.id]
    assert set(ids(ask(backend, "date:1910-1930"))) == {corpus.KZ.id, corpus.PRE1918.id}
    assert ids(ask(backend, "date:1914")) == [corpus.PRE1918.id]
    assert ids(ask(backend, "Өскемен date:1920-1930")) == [corpus.KZ.id]
    assert set(ids(ask(backend, "хлеб OR date:1928"))) == {corpus.KZ.id, corpus.PRE1918.id}


def test_boolean_operators(backend):
    oskemen = set(ids(ask(backend, "Өскемен")))
    assert set(ids(ask(backend, "Өскемен NOT тарихы"))) == oskemen - {corpus.KZ.id}
    assert set(ids(ask(backend, "Өскемен -тарихы"))) == oskemen - {corpus.KZ.id}
    assert set(ids(ask(backend, "хлеб OR тарихы"))) == {corpus.KZ.id, corpus.PRE1918.id}
    assert ids(ask(backend, "Өскемен AND Ертіс")) == [corpus.KZ.id]
    assert ids(ask(backend, "(Өскемен OR хлеб) AND Россіи")) == [corpus.PRE1918.id]
    everything = ask(backend, None).total
    assert ask(backend, "NOT Өскемен").total == everything - len(oskemen)


def test_words_on_different_pages_match_the_item(backend):
    # "Ертіс" is on page 2 and "көшелері" on page 3: the item matches, and both pages are listed.
    result = ask(backend, "Ертіс көшелері")
    assert ids(result) == [corpus.KZ.id]
    assert hit(result, corpus.KZ.id).pages == (2, 3)


def test_filters(backend):
    assert set(ids(ask(backend, None, filters=Filters({"collection": ("gazet",)})))) == {corpus.KZ.id, corpus.PRE1918.id}
    assert ids(ask(backend, None, filters=Filters({"collection": ("gazet-ertis",)}))) == [corpus.KZ.id]
    assert ids(ask(backend, "Өскемен", filters=Filters({"source": ("catalogue",)}))) == [corpus.CATALOGUE.id]
    assert corpus.CATALOGUE.id not in ids(ask(backend, "Өскемен", filters=Filters({"fulltext": ("yes",)})))
    assert ids(ask(backend, None, filters=Filters({"decade": ("1910",)}))) == [corpus.PRE1918.id]
    assert set(ids(ask(backend, None, filters=Filters({}, date_from=1910, date_to=1930)))) == {corpus.KZ.id, corpus.PRE1918.id}
    both = Filters({"language": ("ru", "kk"), "type": ("Text",)}, date_to=1930)
    assert set(ids(ask(backend, None, filters=both))) == {corpus.KZ.id, corpus.PRE1918.id}


def test_search_inside_one_item(backend):
    found = backend.search_item(corpus.KZ.id, parse("Ертіс OR Өскемен"), Visibility.anonymous())
    assert [p.seq for p in found.pages] == [2, 3]
    assert "<mark>Ертіс</mark>" in found.pages[0].snippets[0]
    assert backend.search_item(corpus.KZ.id, parse("хлеб"), Visibility.anonymous()).pages == ()


def test_no_hits(backend):
    result = ask(backend, "qwertyuiop")
    assert result.total == 0 and result.hits == ()


def test_reindexing_replaces_pages_and_delete_removes(empty_backend):
    doc = ItemDoc("p1", titles=(LangText("Газет"),), pages=(PageDoc(1, "бірінші"), PageDoc(2, "екінші алма")))
    empty_backend.index_items([doc])
    assert ids(ask(empty_backend, "алма")) == ["p1"]
    empty_backend.index_items([ItemDoc("p1", titles=(LangText("Газет"),), pages=(PageDoc(1, "бірінші"),))])
    assert ask(empty_backend, "алма").total == 0
    assert empty_backend.search_item("p1", parse("алма"), STAFF).pages == ()
    assert ids(ask(empty_backend, "бірінші")) == ["p1"]
    empty_backend.delete_items(["p1", "never-indexed"])
    assert ask(empty_backend, None).total == 0
    assert "documents" in empty_backend.health()
    empty_backend.index_items([doc])
    empty_backend.clear()
    assert ask(empty_backend, None).total == 0
