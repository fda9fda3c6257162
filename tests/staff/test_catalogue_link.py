"""Linking an item to a general-catalogue record by hand from the staff item page, and unlinking it:
CSRF-protected, audited through `repository.catalogue`, problems shown in the form, the link shown
on the public item page."""
from __future__ import annotations

import dataclasses
import html

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from repository.catalog_adapter import RepositoryCatalog
from repository.catalogue import import_files
from repository.events import history
from repository.models import CatalogueLink, Event
from tests.catalogue import records
from tests.repository.conftest import ingested, record
from tests.staff.conftest import csrf_from, token as token_of

ITEM = "kzabc234"


@pytest.fixture
def catalogue(services, tmp_path):
    """Two active records (cat-KZ-001 with control number KZ-001, cat-RU-002) and a withdrawn one."""
    path = records.write(tmp_path / "cat.mrc", records.kazakh_book().as_marc() + records.russian_book().as_marc()
                         + records.map_record().as_marc())
    import_files(services, "test", [path])
    withdrawn = records.deleted(records.map_record()).as_marc()
    import_files(services, "test", [records.write(tmp_path / "del.mrc", withdrawn)])
    return services


def links(services, item_id: str = ITEM) -> list[tuple[str, str]]:
    with services.db.read() as session:
        return sorted((link.record_id, link.how)
                      for link in session.scalars(select(CatalogueLink).where(CatalogueLink.item_id == item_id)))


def catalogue_events(services, record_id: str) -> list[tuple[str, str, dict | None, dict | None]]:
    with services.db.read() as session:
        return [(e.actor, e.action, e.before, e.after) for e in history(session, "catalogue", record_id)]


def page_and_token(client: FlaskClient, lang: str | None = None) -> tuple[str, str]:
    query = {"lang": lang} if lang else {}
    page = client.get(f"/staff/items/{ITEM}", query_string=query).get_data(as_text=True)
    return page, csrf_from(page)


def link(client: FlaskClient, typed: str, token: str, **more):
    return client.post(f"/staff/items/{ITEM}/catalogue", data={"csrf_token": token, "record": typed}, **more)


def problem_of(page: str) -> str:
    start = page.index('id="link-problem"')
    return html.unescape(page[page.index(">", start) + 1:page.index("</p>", start)])


def test_link_by_control_number_and_by_id_then_unlink(staff_client, add_item, catalogue):
    add_item(publish=True)
    page, token = page_and_token(staff_client)
    assert "This item is not linked to a catalogue record." in page and 'name="record"' in page
    response = link(staff_client, " KZ-001 ", token)  # the control number, as in the library's catalogue
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/items/{ITEM}#catalogue")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Linked to catalogue record cat-KZ-001." in page
    section = page[page.index('id="catalogue"'):page.index('id="dc-h"')]
    assert 'href="/catalogue/cat-KZ-001"' in section and "linked by hand" in section and "KZ-001" in section
    assert link(staff_client, "cat-RU-002", token).status_code == 302  # the record identifier works too
    assert links(catalogue) == [("cat-KZ-001", "manual"), ("cat-RU-002", "manual")]
    assert catalogue_events(catalogue, "cat-KZ-001") == [("bolat", "link-catalogue", None,
                                                          {"item": ITEM, "how": "manual"})]

    response = staff_client.post(f"/staff/items/{ITEM}/catalogue/unlink",
                                 data={"csrf_token": token, "record_id": "cat-KZ-001"}, follow_redirects=True)
    assert "The link to catalogue record cat-KZ-001 was removed." in response.get_data(as_text=True)
    assert links(catalogue) == [("cat-RU-002", "manual")]
    assert catalogue_events(catalogue, "cat-KZ-001")[-1] == ("bolat", "unlink-catalogue",
                                                            {"item": ITEM, "how": "manual"}, None)
    # Unlinking again (a stale page) says why on the item page; nothing changes.
    again = staff_client.post(f"/staff/items/{ITEM}/catalogue/unlink",
                              data={"csrf_token": token, "record_id": "cat-KZ-001"}, follow_redirects=True)
    assert "Not done:" in again.get_data(as_text=True) and "is not linked" in again.get_data(as_text=True)
    assert len(catalogue_events(catalogue, "cat-KZ-001")) == 2


@pytest.mark.parametrize(("typed", "expected"), [
    ("cat-nope", "There is no catalogue record “cat-nope”: check the identifier or the control number."),
    ("NO-SUCH-001", "There is no catalogue record “NO-SUCH-001”"),
    ("", "Enter a catalogue record identifier (such as cat-KZ-001) or a control number."),
    ("x" * 500, "There is no catalogue record"),
    ("cat-MAP-004", "Catalogue record cat-MAP-004 was withdrawn from the catalogue and cannot be linked."),
])
def test_a_record_that_cannot_be_linked_is_named_in_the_form(staff_client, add_item, catalogue, typed, expected):
    add_item()
    _, token = page_and_token(staff_client)
    response = link(staff_client, typed, token)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert expected in problem_of(page)
    assert 'aria-invalid="true" aria-describedby="link-problem"' in page
    assert f'value="{typed}"' in page  # what was typed stays in the field
    assert links(catalogue) == []


def test_already_linked_is_refused_in_the_form(staff_client, add_item, catalogue):
    add_item()
    _, token = page_and_token(staff_client)
    assert link(staff_client, "KZ-001", token).status_code == 302
    response = link(staff_client, "cat-KZ-001", token)
    assert response.status_code == 400
    assert problem_of(response.get_data(as_text=True)) == "This item is already linked to catalogue record cat-KZ-001."
    assert len(catalogue_events(catalogue, "cat-KZ-001")) == 1


def test_problems_and_messages_in_russian_and_kazakh(staff_client, add_item, catalogue):
    add_item()
    _, token = page_and_token(staff_client, "ru")
    assert problem_of(link(staff_client, "cat-nope", token).get_data(as_text=True)) == \
        "Записи каталога «cat-nope» нет: проверьте идентификатор или контрольный номер."
    page = link(staff_client, "KZ-001", token, follow_redirects=True).get_data(as_text=True)
    assert "Материал связан с записью каталога cat-KZ-001." in page and "связана вручную" in page
    _, token = page_and_token(staff_client, "kk")
    assert problem_of(link(staff_client, "KZ-001", token).get_data(as_text=True)) == \
        "Бұл материал cat-KZ-001 каталог жазбасымен бұрыннан байланыстырылған."


def test_an_automatic_link_linked_by_hand_becomes_manual(staff_client, services, catalogue):
    copy = ingested(ITEM, store=services.store, record_=record("Тіл құралы"))
    RepositoryCatalog(services).register_item(dataclasses.replace(copy, catalogue_ref="KZ-001"))
    page, token = page_and_token(staff_client)
    assert links(catalogue) == [("cat-KZ-001", "auto")]
    assert "linked automatically by the catalogue reference" in page and "<code>KZ-001</code>" in page
    page = link(staff_client, "KZ-001", token, follow_redirects=True).get_data(as_text=True)
    assert "The automatic link to catalogue record cat-KZ-001 is now kept as a manual link." in page
    assert links(catalogue) == [("cat-KZ-001", "manual")]
    assert catalogue_events(catalogue, "cat-KZ-001") == [("bolat", "link-catalogue", {"how": "auto"},
                                                          {"item": ITEM, "how": "manual"})]


def test_forms_without_the_csrf_token_are_refused(staff_client, add_item, catalogue):
    add_item()
    _, token = page_and_token(staff_client)
    for data in ({"record": "KZ-001"}, {"record": "KZ-001", "csrf_token": "forged" * 8}):
        response = staff_client.post(f"/staff/items/{ITEM}/catalogue", data=data)
        assert response.status_code == 400
    assert links(catalogue) == []
    assert link(staff_client, "KZ-001", token).status_code == 302
    response = staff_client.post(f"/staff/items/{ITEM}/catalogue/unlink", data={"record_id": "cat-KZ-001"})
    assert response.status_code == 400
    assert links(catalogue) == [("cat-KZ-001", "manual")]
    with catalogue.db.read() as session:
        assert list(session.scalars(select(Event.action).where(Event.target_type == "catalogue"))) == ["link-catalogue"]


def test_the_forms_need_a_staff_login_and_a_known_item(client, add_item, catalogue):
    add_item()
    token = token_of(client)
    response = client.post(f"/staff/items/{ITEM}/catalogue", data={"csrf_token": token, "record": "KZ-001"})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert links(catalogue) == []


def test_unknown_item_is_not_found(staff_client, catalogue):
    token = token_of(staff_client, "/staff/")
    assert staff_client.post("/staff/items/kznothere/catalogue", data={"csrf_token": token, "record": "KZ-001"}
                             ).status_code == 404
    assert staff_client.post("/staff/items/kznothere/catalogue/unlink",
                             data={"csrf_token": token, "record_id": "cat-KZ-001"}).status_code == 404


def test_the_link_appears_on_the_public_item_page(app, staff_client, add_item, catalogue):
    add_item(publish=True)
    reader = app.test_client()
    assert 'href="/catalogue/cat-KZ-001"' not in reader.get(f"/items/{ITEM}").get_data(as_text=True)
    _, token = page_and_token(staff_client)
    assert link(staff_client, "KZ-001", token).status_code == 302
    public = reader.get(f"/items/{ITEM}").get_data(as_text=True)
    assert 'href="/catalogue/cat-KZ-001"' in public and "Тіл құралы" in public
    record_page = reader.get("/catalogue/cat-KZ-001").get_data(as_text=True)
    assert f'href="/items/{ITEM}"' in record_page  # and the record page links back to its copy
    staff_client.post(f"/staff/items/{ITEM}/catalogue/unlink", data={"csrf_token": token, "record_id": "cat-KZ-001"})
    assert 'href="/catalogue/cat-KZ-001"' not in reader.get(f"/items/{ITEM}").get_data(as_text=True)
