"""IIIF Content Search 1.0 / 2.0 over hand-written ALTO: boxes, phrases, folding, paging, caching."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.viewer.conftest import PREZ_BASE

CANVAS = f"{PREZ_BASE}/iiif/manifest/book1/canvas"
OSKEMEN_BOXES = [  # page 1 Cyrillic; page 2 (ALTO at half size, scaled x2) Latin with and without diacritics
    f"{CANVAS}/1#xywh=100,160,170,40",
    f"{CANVAS}/2#xywh=50,300,160,40",
    f"{CANVAS}/2#xywh=50,360,160,40",
]


def search1(client, q, page=None):
    params = {"q": q} if page is None else {"q": q, "page": page}
    response = client.get("/iiif/search/1/book1", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def all_hits(client, q):
    """Follow `next` to the end; (hits, resources by id)."""
    body = search1(client, q)
    hits, resources = list(body["hits"]), {r["@id"]: r for r in body["resources"]}
    while "next" in body:
        page = parse_qs(urlsplit(body["next"]).query)["page"][0]
        body = search1(client, q, page)
        hits += body["hits"]
        resources.update({r["@id"]: r for r in body["resources"]})
    return hits, resources


def boxes(hit, resources):
    return [resources[a]["on"] for a in hit["annotations"]]


def test_single_word_boxes_on_the_canvas(prez_client):
    hits, resources = all_hits(prez_client, "Өскемен")
    assert [boxes(h, resources) for h in hits] == [[b] for b in OSKEMEN_BOXES]
    assert [h["match"] for h in hits] == ["Өскемен", "Öskemen", "Oskemen"]
    assert hits[0]["before"] == "Шығыс Қазақстан облысы "
    assert hits[0]["after"] == " қаласы, 1918"


@pytest.mark.parametrize("query", ["Өскемен", "Öskemen", "Oskemen", "ӨСКЕМЕН", "oskemen"])
def test_folding_finds_the_same_words_in_every_script(prez_client, query):
    hits, resources = all_hits(prez_client, query)
    assert [boxes(h, resources)[0] for h in hits] == OSKEMEN_BOXES


def test_phrase_across_a_line_end_is_one_hit_with_two_boxes(prez_client):
    body = search1(prez_client, "облысы Өскемен")
    assert body["within"]["total"] == 1
    (hit,) = body["hits"]
    resources = {r["@id"]: r for r in body["resources"]}
    assert boxes(hit, resources) == [f"{CANVAS}/1#xywh=460,100,150,40", f"{CANVAS}/1#xywh=100,160,170,40"]
    assert hit["match"] == "облысы Өскемен"


def test_quoted_phrase_and_bare_words(prez_client):
    body = search1(prez_client, '"Шығыс Қазақстан" 1918')
    resources = {r["@id"]: r for r in body["resources"]}
    assert [h["match"] for h in body["hits"]] == ["Шығыс Қазақстан", "1918"]
    assert boxes(body["hits"][0], resources) == [f"{CANVAS}/1#xywh=100,100,120,40", f"{CANVAS}/1#xywh=240,100,200,40"]


def test_words_not_in_sequence_are_no_phrase(prez_client):
    assert search1(prez_client, "Қазақстан Шығыс")["within"]["total"] == 0


def test_prefix_query(prez_client):
    hits, resources = all_hits(prez_client, "өске*")
    assert [boxes(h, resources)[0] for h in hits] == OSKEMEN_BOXES


def test_no_words_no_hits(prez_client):
    for q in ("", "  ", "!!!"):
        body = search1(prez_client, q)
        assert body["hits"] == [] and body["resources"] == [] and body["within"]["total"] == 0


def test_search1_structure_and_paging(prez_client):
    # page size is 2 in prez_options: three hits make two pages
    first = search1(prez_client, "Өскемен")
    assert first["@context"] == [
        "http://iiif.io/api/presentation/2/context.json",
        "http://iiif.io/api/search/1/context.json",
    ]
    assert first["@type"] == "sc:AnnotationList"
    assert first["within"]["@type"] == "sc:Layer" and first["within"]["total"] == 3
    assert first["startIndex"] == 0 and len(first["hits"]) == 2 and "prev" not in first
    assert parse_qs(urlsplit(first["next"]).query) == {"q": ["Өскемен"], "page": ["1"]}
    assert first["next"].startswith(f"{PREZ_BASE}/iiif/search/1/book1?")
    for r in first["resources"]:
        assert r["@type"] == "oa:Annotation" and r["motivation"] == "sc:painting"
        assert r["resource"]["@type"] == "cnt:ContentAsText" and r["resource"]["chars"]
    for h in first["hits"]:
        assert h["@type"] == "search:Hit" and h["annotations"]
        assert set(h["annotations"]) <= {r["@id"] for r in first["resources"]}

    second = search1(prez_client, "Өскемен", 1)
    assert second["startIndex"] == 2 and len(second["hits"]) == 1
    assert "next" not in second and parse_qs(urlsplit(second["prev"]).query)["page"] == ["0"]
    assert search1(prez_client, "Өскемен", 7)["hits"] == []


def test_bad_page_is_400(prez_client):
    for page in ("x", "-1"):
        response = prez_client.get("/iiif/search/1/book1", query_string={"q": "a", "page": page})
        assert response.status_code == 400
        assert "page" in response.get_json()["error"]


def test_hit_targets_are_canvases_of_the_manifest(prez_client):
    canvases = {c["id"] for c in prez_client.get("/iiif/manifest/book1").get_json()["items"]}
    _, resources = all_hits(prez_client, "Өскемен")
    assert {r["on"].split("#")[0] for r in resources.values()} <= canvases


def test_search2_structure(prez_client):
    response = prez_client.get("/iiif/search/2/book1", query_string={"q": "облысы Өскемен"})
    body = response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert body["@context"] == "http://iiif.io/api/search/2/context.json"
    assert body["type"] == "AnnotationPage"
    assert body["partOf"]["type"] == "AnnotationCollection" and body["partOf"]["total"] == 1
    assert [(a["motivation"], a["target"]) for a in body["items"]] == [
        ("highlighting", f"{CANVAS}/1#xywh=460,100,150,40"),
        ("highlighting", f"{CANVAS}/1#xywh=100,160,170,40"),
    ]
    (hit_page,) = body["annotations"]
    (hit,) = hit_page["items"]
    assert hit["motivation"] == "contextualizing"
    assert [t["source"] for t in hit["target"]] == [a["id"] for a in body["items"]]
    quote = hit["target"][0]["selector"][0]
    assert quote == {
        "type": "TextQuoteSelector",
        "prefix": "Шығыс Қазақстан ",
        "exact": "облысы Өскемен",
        "suffix": " қаласы, 1918",
    }


def test_search2_paging(prez_client):
    body = prez_client.get("/iiif/search/2/book1", query_string={"q": "Oskemen"}).get_json()
    assert body["partOf"]["total"] == 3 and len(body["annotations"][0]["items"]) == 2
    assert body["next"]["type"] == "AnnotationPage"
    assert parse_qs(urlsplit(body["next"]["id"]).query)["page"] == ["1"]


# --- the parsed-ALTO cache -----------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_alto_cache_parses_once_evicts_lru_and_expires(prez_source, prez_store):
    from viewer.content_search import AltoCache

    clock = Clock()
    cache = AltoCache(max_items=1, ttl_s=60, clock=clock)
    book, secret = prez_source.item("book1"), prez_source.item("secret")
    first = cache.get(book, prez_store)
    assert cache.get(book, prez_store) is first and cache.loads == 1
    assert [len(p.words) for p in first.pages] == [6, 5]  # page 3 has no ALTO

    cache.get(secret, prez_store)  # capacity 1: book1 is evicted
    cache.get(book, prez_store)
    assert cache.loads == 3

    clock.now = 61  # a re-run OCR overwrites the same keys: entries age out
    cache.get(book, prez_store)
    assert cache.loads == 4


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_missing_or_broken_alto_skips_only_that_page(prez_source, prez_store, damage, caplog):
    from viewer.content_search import find_hits, load_item_text, parse_query

    key = "items/book1/pages/0001/alto.xml"
    if damage == "delete":
        prez_store.delete(key)
    else:
        prez_store.put_bytes(key, b"<alto><not-closed>")
    text = load_item_text(prez_source.item("book1"), prez_store)
    assert [p.seq for p in text.pages] == [2]
    assert len(find_hits(text, parse_query("Oskemen"))) == 2
    assert key in caplog.text


def test_parse_query():
    from viewer.content_search import QueryWord, parse_query

    assert parse_query('"a b" c d*') == [
        (QueryWord("a"), QueryWord("b")),
        (QueryWord("c"), QueryWord("d", prefix=True)),
    ]
    assert parse_query("") == [] and parse_query('""') == []
