"""EXTRA CHECKS, end to end on the real sample pages (../shared/samples; the module is skipped only when
that folder is absent): all 13 pages ingested once by `olketanu ingest --sheet … --publish --json` with
automatic model choice (see conftest.py), then issue 3's, issue 9's and issue 5's "Must show" claims
asserted on what the app serves: the items API, page text and ALTO, search, IIIF Content Search, OAI-PMH.

The search words were picked from the ground-truth texts (`<id>.txt`) and each test first checks that the
ground truth really prints them, so a regenerated sample set fails loudly instead of testing nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import xmlschema
from lxml import etree
from sqlalchemy import select

from metadata.folding import loose, tokens
from repository.items import set_access
from repository.models import Page
from repository.users import create_user
from tests.e2e.conftest import (BASE_URL, PDF_PAGES, SamplesSite, ground_truth, needs_samples, sample_ids,
                                sample_meta)

pytestmark = needs_samples

ALTO_XSD = Path(__file__).resolve().parents[1] / "schemas" / "alto" / "alto-4-4.xsd"
KAZAKH_LATIN_LETTERS = "äğñşūöüı"
ACTOR = "e2e"


def local(url: str) -> str:
    assert url.startswith(BASE_URL), url
    return url[len(BASE_URL):]


@pytest.fixture(scope="module")
def client(samples_site: SamplesSite):
    return samples_site.app.test_client()


@pytest.fixture(scope="module")
def served(samples_site: SamplesSite, client) -> dict[tuple[str, int], dict]:
    """(sample or "pdf", seq) -> {"page": the API's page entry, "text": served text, "alto": served ALTO}."""
    out = {}
    for sample, item_id in samples_site.items.items():
        response = client.get(f"/api/items/{item_id}")
        assert response.status_code == 200, (sample, response.status_code)
        for page in response.get_json()["pages"]:
            text = client.get(local(page["text"]))
            alto = client.get(local(page["alto"]))
            assert text.status_code == 200 and alto.status_code == 200, (sample, page["seq"])
            out[(sample, page["seq"])] = {"page": page, "text": text.get_data(as_text=True), "alto": alto.data}
    return out


def source_sample(key: tuple[str, int]) -> str:
    """The sample image a served page shows (the PDF's pages are s01, s05, s09)."""
    sample, seq = key
    return PDF_PAGES[seq - 1] if sample == "pdf" else sample


def alto_words(alto: bytes) -> list[etree._Element]:
    root = etree.fromstring(alto)
    return list(root.iter("{*}String"))


def alto_content(alto: bytes) -> str:
    return " ".join(s.get("CONTENT", "") for s in alto_words(alto))


def search(client, q: str, **args: object) -> dict:
    response = client.get("/api/search", query_string={"q": q, "per_page": 50, **args})
    assert response.status_code == 200, (q, response.get_data(as_text=True)[:500])
    return response.get_json()


def hit_ids(body: dict) -> set[str]:
    return {h["id"] for h in body["hits"]}


# --- issue 3: every sample in, reachable, valid ---------------------------------------------------


def test_batch_report_lists_every_sample_with_no_failures(samples_site):
    report = samples_site.report
    assert samples_site.exit_status == 0
    assert report["totals"]["failed"] == 0 and report["totals"]["skipped"] == 0
    assert report["totals"]["items"] == report["totals"]["ok"] == len(sample_ids()) + 1
    assert report["totals"]["pages"] == len(sample_ids()) + len(PDF_PAGES)
    assert set(samples_site.items) == {*sample_ids(), "pdf"}
    for sample in samples_site.items:
        entry = samples_site.entry(sample)
        assert entry["status"] == "ok" and entry["error"] is None, (sample, entry)
        assert entry["catalog_status"] == "published", (sample, entry)
        assert entry["pages"] == (len(PDF_PAGES) if sample == "pdf" else 1)


def test_every_page_is_listed_with_its_text_and_alto(samples_site, client, served):
    listing = client.get("/api/items?per_page=100").get_json()
    assert {i["id"] for i in listing["items"]} == set(samples_site.items.values())
    assert sorted(seq for sample, seq in served if sample == "pdf") == [1, 2, 3]
    for key, page in served.items():
        meta = sample_meta(source_sample(key))
        assert (page["page"]["width"], page["page"]["height"]) == (meta["width_px"], meta["height_px"]), key
        # The served text is this page's text: most of its printed words are there (pages in PDF order too).
        printed = {t.key for t in tokens(ground_truth(source_sample(key))) if len(t.key) > 3}
        read = {t.key for t in tokens(page["text"])}
        assert len(printed & read) >= 0.75 * len(printed), (key, len(printed & read), len(printed))


def test_alto_validates_and_every_word_box_is_inside_the_page(served):
    schema = xmlschema.XMLSchema(str(ALTO_XSD))
    for key, page in served.items():
        schema.validate(page["alto"])
        width, height = page["page"]["width"], page["page"]["height"]
        words = alto_words(page["alto"])
        assert len(words) > 50, key
        for word in words:
            x, y, w, h = (float(word.get(a)) for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
            assert 0 <= x and 0 <= y and w > 0 and h > 0, (key, word.get("CONTENT"), x, y, w, h)
            assert x + w <= width and y + h <= height, (key, word.get("CONTENT"), x, y, w, h, width, height)


# --- issue 9: printed letters kept, model choice stored and shown --------------------------------


@pytest.mark.parametrize("sample", ["s07", "s08"])
def test_kazakh_latin_pages_keep_their_diacritics(served, sample):
    printed = set(ground_truth(sample).casefold()) & set(KAZAKH_LATIN_LETTERS)
    assert len(printed) >= 6, printed
    page = served[(sample, 1)]
    for where, text in (("text", page["text"]), ("ALTO", alto_content(page["alto"]))):
        missing = printed - set(text.casefold())
        assert not missing, f"{sample} {where} lost {''.join(sorted(missing))}"


@pytest.mark.parametrize("key", [("s05", 1), ("s06", 1), ("pdf", 2)])
def test_pre_1918_pages_keep_yat(served, key):
    assert "ѣ" in ground_truth(source_sample(key))
    page = served[key]
    assert "ѣ" in page["text"] and "ѣ" in alto_content(page["alto"]), key


def test_model_choice_is_stored_exposed_and_reported_per_page(samples_site, served):
    with samples_site.services.db.read() as session:
        stored = {(p.item_id, p.seq): (p.ocr_model, p.ocr_evidence) for p in session.scalars(select(Page))}
    models = {}
    for (sample, seq), page in served.items():
        reported = {o["seq"]: o for o in samples_site.entry(sample)["ocr"]}[seq]
        db_model, evidence = stored[(samples_site.items[sample], seq)]
        assert reported["model"] and reported["reason"], (sample, seq, reported)
        assert page["page"]["ocr"]["model"] == db_model == reported["model"], (sample, seq)
        assert evidence, (sample, seq)
        models[(sample, seq)] = db_model
    by_category: dict[str, set[str]] = {}
    for (sample, seq), model in models.items():
        if sample != "pdf":
            by_category.setdefault(sample_meta(sample)["category"], set()).add(model)
    # A real choice: the Latin and the pre-1918 pages are not read with the Kazakh Cyrillic model.
    assert not by_category["kk_latn"] & by_category["kk_cyrl"], by_category
    assert not by_category["ru_prereform"] & by_category["kk_cyrl"], by_category
    # Chosen per page, also inside one item: the PDF's pages got the models of the images they show.
    assert [models[("pdf", seq)] for seq in (1, 2, 3)] == [models[(s, 1)] for s in PDF_PAGES]


# --- issue 5: search over what was really ingested -----------------------------------------------

# The same Kazakh word: printed in Cyrillic on s01 (and so on the PDF's page 1), in the 2021 Latin
# alphabet on s07 and s08; typed in Cyrillic, 2021 Latin, loose (no diacritics) and 2017 apostrophes.
SAME_WORD = {
    "көрші": (("Көрші", "Körşı", "Korshi", "Ko'rs'i"), {"s01": "көрші", "s07": "körşı", "s08": "körşı"}),
    "шағын": (("шағын", "şağyn", "shagyn", "s'ag'yn"), {"s01": "шағын", "s08": "şağyn"}),
}


@pytest.mark.parametrize("word", SAME_WORD)
def test_kazakh_word_in_every_alphabet_finds_the_same_items(samples_site, client, word):
    spellings, printed = SAME_WORD[word]
    for sample, form in printed.items():
        assert form in ground_truth(sample).casefold(), (sample, form)
    expected = {samples_site.items[s] for s in printed} | {samples_site.items["pdf"]}
    results = {q: hit_ids(search(client, q)) for q in spellings}
    assert all(found == expected for found in results.values()), results
    for hit in search(client, spellings[-1])["hits"]:
        assert hit["pages"] == [1] and any("<mark>" in s["html"] for s in hit["snippets"]), hit


@pytest.mark.parametrize("query, sample, printed", [
    ("неделю", "s06", "недѣлю"),
    ("хлебов", "s06", "хлѣбовъ"),
    ("библиотека", "s05", "библіотека"),
])
def test_modern_russian_finds_the_pre_1918_page_and_marks_the_printed_form(samples_site, client, query, sample,
                                                                             printed):
    assert printed in ground_truth(sample)
    hits = {h["id"]: h for h in search(client, query)["hits"]}
    hit = hits.get(samples_site.items[sample])
    assert hit is not None, (query, sorted(hits))
    assert any(f"<mark>{printed}</mark>" in s["html"] for s in hit["snippets"]), hit["snippets"]


def test_phrase_query_marks_the_whole_phrase(samples_site, client):
    assert "Ертіс өзенінің" in ground_truth("s01")
    body = search(client, '"Ертіс өзенінің"')
    assert hit_ids(body) == {samples_site.items["s01"], samples_site.items["pdf"]}
    for hit in body["hits"]:
        assert hit["pages"] == [1]
        assert any("<mark>Ертіс өзенінің</mark>" in s["html"] for s in hit["snippets"]), hit["snippets"]
    # The words apart, not as the phrase: more pages print them, the phrase is still marked whole on s01.
    assert hit_ids(search(client, "Ертіс өзенінің")) >= hit_ids(body)


@pytest.mark.parametrize("q", ["", "Korshi", "базаре OR мектеп"])
def test_facet_counts_add_up_to_the_total(samples_site, client, q):
    body = search(client, q)
    assert body["total"] == len(body["hits"]) > 0
    if not q:
        assert body["total"] == len(samples_site.items)
    for name in ("source", "type", "decade", "fulltext"):  # one value per item
        assert sum(v["count"] for v in body["facets"][name]) == body["total"], (name, body["facets"][name])
    assert sum(v["count"] for v in body["facets"]["language"]) >= body["total"]  # the PDF has three
    for name, param in (("type", "type"), ("decade", "decade"), ("language", "language")):
        for value in body["facets"][name]:
            narrowed = search(client, q, **{param: value["value"]})
            assert narrowed["total"] == value["count"], (q, name, value)


def test_restricted_item_is_hidden_from_anonymous_search_but_shown_to_staff(samples_site, client):
    services, target = samples_site.services, samples_site.items["s08"]
    staff = create_user(services, ACTOR, "e2e-editor", "a long enough password 1", "staff")
    staff_client = samples_site.app.test_client()
    with staff_client.session_transaction() as session:
        session["user_id"] = staff.id
    set_access(services, ACTOR, target, "staff")
    try:
        for q in ("Körşı", "şağyn", ""):
            anonymous = search(client, q)
            assert target not in hit_ids(anonymous), q
            assert sum(v["count"] for v in anonymous["facets"]["source"]) == anonymous["total"]
            assert target in hit_ids(search(staff_client, q)), q
        assert client.get(f"/api/items/{target}").status_code == 404
        # IIIF answers 403 for an item the caller may not see (viewer/blueprint.py), and shows nothing of it.
        inside = client.get(f"/iiif/search/1/{target}?q=Korshi")
        assert inside.status_code == 403 and "körşı" not in inside.get_data(as_text=True).casefold()
        assert staff_client.get(f"/api/items/{target}").status_code == 200
        assert staff_client.get(f"/iiif/search/1/{target}?q=Korshi").get_json()["within"]["total"] >= 1
    finally:
        set_access(services, ACTOR, target, "public")
    assert target in hit_ids(search(client, "Körşı"))


# --- IIIF Content Search: the word, boxed, on the right canvas -----------------------------------


def _line_boxes(sample: str, q: str) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the ground-truth lines of `sample` that print the word `q` (any spelling)."""
    key = loose(q).casefold()
    boxes = []
    for line in sample_meta(sample)["lines"]:
        if any(t.loose_key == key for t in tokens(line["text"])):
            xs, ys = [p[0] for p in line["polygon"]], [p[1] for p in line["polygon"]]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


@pytest.mark.parametrize("q, seq", [("Korshi", 1), ("библиотека", 2), ("Archive", 3)])
def test_content_search_boxes_the_word_on_the_right_canvas(samples_site, client, q, seq):
    item_id, sample = samples_site.items["pdf"], PDF_PAGES[seq - 1]
    lines = _line_boxes(sample, q)
    assert lines, (sample, q)
    manifest = client.get(f"/iiif/manifest/{item_id}").get_json()
    canvas = manifest["items"][seq - 1]
    body = client.get(f"/iiif/search/1/{item_id}", query_string={"q": q}).get_json()
    assert body["within"]["total"] >= 1 and body["resources"], body
    for annotation in body["resources"]:
        target, _, xywh = annotation["on"].partition("#xywh=")
        assert target == canvas["id"], (q, annotation["on"])
        x, y, w, h = (int(v) for v in xywh.split(","))
        assert 0 <= x and 0 <= y and x + w <= canvas["width"] and y + h <= canvas["height"]
        cx, cy = x + w / 2, y + h / 2
        assert any(x0 - 10 <= cx <= x1 + 10 and y0 - 10 <= cy <= y1 + 10 for x0, y0, x1, y1 in lines), \
            (q, (x, y, w, h), lines)
        assert loose(annotation["resource"]["chars"]).casefold().startswith(loose(q).casefold()[:4])


# --- OAI-PMH: a whole harvest of these items, schema-valid ---------------------------------------


def _list_records(client, validate) -> Iterator[etree._Element]:
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        response = client.get("/oai", query_string=args)
        assert response.status_code == 200
        root = validate(response.data)
        yield from root.iterfind(".//{http://www.openarchives.org/OAI/2.0/}record")
        token = root.findtext(".//{http://www.openarchives.org/OAI/2.0/}resumptionToken")
        if not token:
            return
        args = {"verb": "ListRecords", "resumptionToken": token}


def test_oai_list_records_harvests_every_item_and_validates(samples_site, client, validate):
    oai_id = samples_site.app.extensions["olketanu"].config.get("repository", "oai_identifier")
    records = list(_list_records(client, validate))
    identifiers = [r.findtext(".//{http://www.openarchives.org/OAI/2.0/}identifier") for r in records]
    assert sorted(identifiers) == sorted(f"oai:{oai_id}:{i}" for i in samples_site.items.values())
    titles = {r.findtext(".//{http://purl.org/dc/elements/1.1/}title") for r in records}
    assert "Sample pages in one PDF" in titles and all(re.match(r"Sample page", t) for t in titles)
