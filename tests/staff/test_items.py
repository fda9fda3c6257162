"""The staff item page: Dublin Core editing with per-field messages, pages, access, status, collection,
and the audit trail; plus collection management."""
from __future__ import annotations

import html

from sqlalchemy import select

from repository.models import Collection, Event, Item
from tests.staff.conftest import csrf_from


def events_of(services, item_id: str) -> list[Event]:
    with services.db.read() as session:
        return list(session.scalars(select(Event).where(Event.target_id == item_id).order_by(Event.id)))


def item_row(services, item_id: str) -> Item:
    with services.db.read() as session:
        item = session.get(Item, item_id)
        _ = item.pages
        return item


def form_of(client, item_id: str) -> tuple[str, str]:
    page = client.get(f"/staff/items/{item_id}").get_data(as_text=True)
    return page, csrf_from(page)


def test_item_page_shows_record_pages_and_trail(staff_client, add_item):
    add_item()
    page, _ = form_of(staff_client, "kzabc234")
    assert 'value="Өскемен хабары"' in page and 'value="kk-Cyrl"' in page
    assert 'name="dc-title-1-value" type="text" value=""' in page  # a blank row to add a title
    assert 'name="pos-2"' in page and 'name="label-1"' in page
    assert "Audit trail" in page and "ingest" in page


def test_invalid_metadata_is_shown_next_to_its_field_and_kept(staff_client, add_item, services):
    add_item()
    _, token = form_of(staff_client, "kzabc234")
    response = staff_client.post("/staff/items/kzabc234/metadata", data={
        "csrf_token": token,
        "dc-title-0-value": "Жаңа атау", "dc-title-0-lang": "kk-Cyrl",
        "dc-date-0-value": "1928-13-45", "dc-date-0-lang": "",
        "dc-subject-0-value": "Ертіс", "dc-subject-0-lang": "kk-Cyrillic-xx-yy-zz!",
        "dc-rights-0-value": "https://example.com/my-rights",
    })
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    # What was typed comes back, with a message right after the field that has the problem.
    assert 'value="Жаңа атау"' in text and 'value="1928-13-45"' in text and 'value="kk-Cyrillic-xx-yy-zz!"' in text
    date_field = text[text.index('id="dc-date"'):text.index('id="dc-type"')] if 'id="dc-type"' in text else ""
    assert 'aria-invalid="true"' in date_field and 'class="field-problem"' in date_field
    subject_field = text[text.index('id="dc-subject"'):text.index('id="dc-description"')]
    assert "language tag" in html.unescape(subject_field)
    rights_field = text[text.index('id="dc-rights"'):]
    assert 'class="field-problem"' in rights_field[:rights_field.index("</fieldset>")]
    assert "<script>" not in text
    assert item_row(services, "kzabc234").dc["title"][0]["value"] == "Өскемен хабары"  # nothing saved
    assert [e.action for e in events_of(services, "kzabc234")] == ["ingest"]


def test_missing_title_is_a_field_message(staff_client, add_item):
    add_item()
    _, token = form_of(staff_client, "kzabc234")
    response = staff_client.post("/staff/items/kzabc234/metadata", data={"csrf_token": token,
                                                                        "dc-creator-0-value": "Someone"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    title_field = text[text.index('id="dc-title"'):text.index('id="dc-creator"')]
    assert "at least one title" in title_field
    assert 'value="Someone"' in text


def test_valid_metadata_is_saved_with_an_event(staff_client, add_item, services):
    add_item()
    _, token = form_of(staff_client, "kzabc234")
    response = staff_client.post("/staff/items/kzabc234/metadata", data={
        "csrf_token": token,
        "dc-title-0-value": "Өскемен хабары", "dc-title-0-lang": "kk-cyrl",
        "dc-title-1-value": "Вестник Усть-Каменогорска", "dc-title-1-lang": "ru",
        "dc-date-0-value": "1928", "dc-type-0-value": "Text", "dc-language-0-value": "kk",
    })
    assert response.status_code == 302
    item = item_row(services, "kzabc234")
    assert item.dc["title"] == [{"value": "Өскемен хабары", "lang": "kk-Cyrl"},
                                {"value": "Вестник Усть-Каменогорска", "lang": "ru"}]
    event = events_of(services, "kzabc234")[-1]
    assert (event.actor, event.action) == ("bolat", "update-metadata")
    assert len(event.before["dc"]["title"]) == 1 and len(event.after["dc"]["title"]) == 2
    page = staff_client.get("/staff/items/kzabc234").get_data(as_text=True)
    assert "update-metadata" in page and "bolat" in page and "Вестник Усть-Каменогорска" in page


def test_publish_withdraw_unpublish_write_events(staff_client, add_item, services):
    add_item()
    _, token = form_of(staff_client, "kzabc234")
    for action, status in (("publish", "published"), ("withdraw", "withdrawn"), ("unpublish", "draft"),
                           ("publish", "published")):
        response = staff_client.post("/staff/items/kzabc234/status", data={"csrf_token": token, "action": action})
        assert response.status_code == 302
        assert item_row(services, "kzabc234").status == status
    actions = [(e.actor, e.action, (e.before or {}).get("status"), (e.after or {}).get("status"))
               for e in events_of(services, "kzabc234")]
    assert actions[1:] == [("bolat", "publish", "draft", "published"), ("bolat", "withdraw", "published", "withdrawn"),
                           ("bolat", "unpublish", "withdrawn", "draft"), ("bolat", "publish", "draft", "published")]
    assert staff_client.post("/staff/items/kzabc234/status",
                             data={"csrf_token": token, "action": "delete"}).status_code == 400


def test_publishing_an_invalid_record_is_refused_with_the_reason(staff_client, services, add_item):
    add_item()
    with services.db.transaction() as session:
        session.get(Item, "kzabc234").dc = {"title": [{"value": "X"}], "date": [{"value": "sometime"}]}
    _, token = form_of(staff_client, "kzabc234")
    response = staff_client.post("/staff/items/kzabc234/status", data={"csrf_token": token, "action": "publish"},
                                 follow_redirects=True)
    assert "cannot publish" in response.get_data(as_text=True)
    assert item_row(services, "kzabc234").status == "draft"


def test_pages_are_relabelled_and_reordered(staff_client, add_item, services):
    add_item(pages=3)
    _, token = form_of(staff_client, "kzabc234")
    response = staff_client.post("/staff/items/kzabc234/pages", data={
        "csrf_token": token, "pos-1": "3", "pos-2": "1", "pos-3": "2",
        "label-1": "back cover", "label-2": "1", "label-3": "2"})
    assert response.status_code == 302
    pages = [(p.seq, p.label, p.source_name) for p in item_row(services, "kzabc234").pages]
    assert pages == [(1, "1", "p2.tif"), (2, "2", "p3.tif"), (3, "back cover", "p1.tif")]
    assert [e.action for e in events_of(services, "kzabc234")][-2:] == ["relabel-page", "reorder-pages"]
    bad = staff_client.post("/staff/items/kzabc234/pages", data={"csrf_token": token, "pos-1": "x"},
                            follow_redirects=True)
    assert "whole number" in bad.get_data(as_text=True)


def test_access_and_collection(staff_client, add_item, services):
    from repository.collections import create_collection

    add_item()
    create_collection(services, "test", "papers", {"en": ["Newspapers"]})
    _, token = form_of(staff_client, "kzabc234")
    assert staff_client.post("/staff/items/kzabc234/access", data={"csrf_token": token, "access": "reading-room"}
                             ).status_code == 302
    staff_client.post("/staff/items/kzabc234/collection", data={"csrf_token": token, "collection": "papers"})
    item = item_row(services, "kzabc234")
    assert (item.access, item.collection_id) == ("reading-room", "papers")
    bad = staff_client.post("/staff/items/kzabc234/access", data={"csrf_token": token, "access": "secret"},
                            follow_redirects=True)
    assert "access must be one of" in bad.get_data(as_text=True)
    missing = staff_client.post("/staff/items/kzabc234/collection", data={"csrf_token": token, "collection": "nope"},
                                follow_redirects=True)
    assert "no collection" in missing.get_data(as_text=True)
    assert [e.action for e in events_of(services, "kzabc234")][-2:] == ["set-access", "set-collection"]


def test_unknown_item_is_404(staff_client):
    assert staff_client.get("/staff/items/kzzzzzzzzz").status_code == 404
    assert staff_client.get("/staff/items/..%2f..%2fetc").status_code in (400, 404)


def test_collections_are_created_and_edited(staff_client, services):
    page = staff_client.get("/staff/collections/new").get_data(as_text=True)
    token = csrf_from(page)
    assert staff_client.post("/staff/collections/new", data={
        "csrf_token": token, "id": "local", "title-kk-Cyrl": "Өлкетану", "title-ru": "Краеведение",
        "title-en": "Local history", "sort": "1"}).status_code == 302
    assert staff_client.post("/staff/collections/new", data={
        "csrf_token": token, "id": "papers", "parent": "local", "title-en": "Newspapers",
        "description-en": "Regional papers"}).status_code == 302
    duplicate = staff_client.post("/staff/collections/new", data={"csrf_token": token, "id": "papers",
                                                                  "title-en": "Again"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.get_data(as_text=True)
    untitled = staff_client.post("/staff/collections/new", data={"csrf_token": token, "id": "x"})
    assert untitled.status_code == 400 and "title is required" in untitled.get_data(as_text=True)
    cycle = staff_client.post("/staff/collections/local", data={"csrf_token": token, "parent": "papers",
                                                                "title-en": "Local history"})
    assert cycle.status_code == 400 and "inside itself" in cycle.get_data(as_text=True)
    assert staff_client.post("/staff/collections/papers", data={
        "csrf_token": token, "parent": "local", "title-en": "Newspapers", "title-kk-Cyrl": "Газеттер"}
    ).status_code == 302
    with services.db.read() as session:
        local, papers = session.get(Collection, "local"), session.get(Collection, "papers")
        assert local.title == {"kk-Cyrl": ["Өлкетану"], "ru": ["Краеведение"], "en": ["Local history"]}
        assert papers.parent_id == "local" and papers.title == {"en": ["Newspapers"], "kk-Cyrl": ["Газеттер"]}
        assert papers.description is None  # emptied in the edit form
        actions = [(e.actor, e.action) for e in session.scalars(
            select(Event).where(Event.target_type == "collection").order_by(Event.id))]
    assert actions == [("bolat", "create"), ("bolat", "create"), ("bolat", "update")]
    listing = staff_client.get("/staff/collections").get_data(as_text=True)
    assert "papers" in listing and "Newspapers" in listing  # the title in the interface language (en)


def test_item_page_shows_each_pages_ocr_model_reason_and_doubtful_years(staff_client, services):
    import dataclasses

    from repository.catalog_adapter import RepositoryCatalog
    from tests.repository.conftest import ingested

    item = ingested("kzocr1", store=services.store)
    first, second = item.pages
    pages = [
        dataclasses.replace(first, ocr_model="Cyrillic", ocr_confidence=61.0, ocr_flagged=True, ocr_evidence={
            "reason": "pre-1918 orthography (12 of 80 words end in ъ, 0 ѣ/ѳ/ѵ)", "restored_pre1918": {"Ъ→ѣ": 3},
            "doubtful_years": [{"token": "1956", "word": "1956.", "box": [1, 2, 3, 4], "confidence": 0.81}]}),
        dataclasses.replace(second, ocr_model="eng", ocr_evidence={"reason": "forced by collection 'maps': eng",
                                                                   "doubtful_years": []}),
    ]
    RepositoryCatalog(services).register_item(dataclasses.replace(item, pages=pages))
    body = staff_client.get("/staff/items/kzocr1").get_data(as_text=True)
    first_row = body[body.index('id="page-1"'):body.index('id="page-2"')]
    second_row = body[body.index('id="page-2"'):body.index("</tbody>")]
    assert 'class="flagged"' in first_row and "Cyrillic" in first_row and "61" in first_row
    assert "pre-1918 orthography" in html.unescape(first_row) and "3 pre-1918 letters restored" in first_row
    assert "<mark>1956</mark> (0.81)" in first_row
    assert "eng" in second_row and "forced by collection &#39;maps&#39;: eng" in second_row
    assert "flagged" not in second_row.replace('class="flagged"', "") and "Doubtful" not in second_row
