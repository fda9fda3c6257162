"""Fixtures for the security suite (issue 7, "Must show": security tests).

- `site` (module scope): the real app on SQLite with search wired, five items made by the real ingest
  pipeline (one generated English page each, forced `eng` OCR: real pyramids, ALTO, text and PDFs), in
  one collection, all linked to one catalogue record, in the five states the access rules know:
  `public` (the control), `staff`, `reading-room` (the reading room is 10.9.8.0/24; the test client's
  127.0.0.1 is outside it), `draft` (never published) and `withdrawn`. Each item's title carries a marker
  word and its page a distinct OCR word, so that a leak of either can be searched for in any body.
- `anonymous` / `staff_client`: test clients on that app (the staff client logged in through the form).
- `fresh_app(**overrides)`: a small app for the tests that change settings (items with fake pages are
  registered by the test, tests/web's `add_item` way), with the staff users of tests/staff.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from repository.catalog_adapter import RepositoryCatalog
from repository.catalogue import import_files, link_item
from repository.collections import create_collection
from repository.items import publish, set_access, update_metadata, withdraw
from repository.users import create_user
from tests.catalogue import records
from tests.staff.conftest import USERS, login, two_pages
from tests.web.conftest import build_app, dc

ACTOR = "security-test"
READING_ROOM = "10.9.8.0/24"
INSIDE_READING_ROOM = "10.9.8.7"
CATALOGUE_RECORD = "cat-KZ-001"


@dataclass(frozen=True)
class Secret:
    state: str  # public | staff | reading-room | draft | withdrawn
    item_id: str
    title_marker: str  # a word only this item's title has
    ocr_word: str  # a word only this item's page text has (read by OCR)

    @property
    def markers(self) -> tuple[str, ...]:
        """What must never appear in an answer to a reader who may not see the item (lower case)."""
        return self.title_marker.lower(), self.ocr_word.lower()


# state -> (title marker, OCR word, page text)
STATES = {
    "public": ("Aqmolapublic", "lighthouse",
               "The lighthouse keeper\nThe lighthouse stood above the harbour and its lamp burned all night."),
    "staff": ("Bayanaulclosed", "orchestra",
              "The town orchestra\nThe orchestra played in the park every Sunday in the summer."),
    "reading-room": ("Charynreading", "telescope",
                     "The school telescope\nPupils looked at the moon through the telescope on the roof."),
    "draft": ("Dostykunfinished", "blacksmith",
              "The village blacksmith\nThe blacksmith mended ploughs and wheels for the whole valley."),
    "withdrawn": ("Ertisremoved", "pineapple",
                  "A letter about fruit\nA merchant once brought a pineapple to the market by the river."),
}
RESTRICTED = ("staff", "reading-room", "draft", "withdrawn")


@dataclass
class Site:
    app: Flask
    items: dict[str, Secret]  # state -> the item in that state

    @property
    def public(self) -> Secret:
        return self.items["public"]


def security_app(work: Path, **overrides: object) -> Flask:
    values: dict[str, object] = {"web.default_locale": "en", "web.reading_room_networks": READING_ROOM,
                                 "ingest.workers": 2}
    values.update(overrides)
    app = build_app(work, **values)
    services = app.extensions["olketanu"]
    for username, password, role in USERS.values():
        create_user(services, ACTOR, username, password, role)
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    from ingest.batch import run_batch
    from ingest.options import IngestOptions
    from ocr.registry import get_engine

    work = tmp_path_factory.mktemp("security")
    app = security_app(work)
    services = app.extensions["olketanu"]
    create_collection(services, ACTOR, "papers", {"en": ["Newspapers"], "kk-Cyrl": ["Газеттер"]})
    import_files(services, ACTOR, [records.write(work / "cat.mrc", records.kazakh_book().as_marc())])
    folders = []
    for state, (_, _, text) in STATES.items():
        two_pages(work / "batch" / state, (text,))
        folders.append(work / "batch" / state)
    report = run_batch(folders, store=services.store, catalog=RepositoryCatalog(services),
                       engine=get_engine("tesseract"), languages="eng", collection="papers",
                       options=IngestOptions(workers=2, ocr_timeout_s=120))
    assert len(report.items) == len(STATES)
    by_folder = {Path(entry.source).name: entry for entry in report.items}
    items: dict[str, Secret] = {}
    for state, (marker, word, _) in STATES.items():
        entry = by_folder[state]
        assert entry.status == "ok", entry.error
        item_id = entry.item_id
        update_metadata(services, ACTOR, item_id, dc(f"{marker} chronicle", description=[{"value": f"About {marker}"}]))
        if state != "draft":
            publish(services, ACTOR, item_id)
        if state in ("staff", "reading-room"):
            set_access(services, ACTOR, item_id, state)
        if state == "withdrawn":
            withdraw(services, ACTOR, item_id)
        link_item(services, ACTOR, item_id, CATALOGUE_RECORD)
        # OCR really read the distinct word (else "the text does not leak" would prove nothing).
        assert word in _item_text(services, item_id).lower(), (state, item_id)
        items[state] = Secret(state, item_id, marker, word)
    yield Site(app, items)
    services.close()


def _item_text(services, item_id: str) -> str:
    from repository.models import Item

    with services.db.read() as session:
        key = session.get(Item, item_id).text_key
    with services.store.open(key) as stream:
        return stream.read().decode("utf-8")


@pytest.fixture(scope="module")
def anonymous(site: Site) -> FlaskClient:
    return site.app.test_client()


@pytest.fixture(scope="module")
def staff_client(site: Site) -> FlaskClient:
    client = site.app.test_client()
    assert login(client, "staff").status_code == 302
    return client


@pytest.fixture
def fresh_app(tmp_path: Path):
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        work = tmp_path / f"app{len(made)}"
        work.mkdir()
        app = security_app(work, **overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["olketanu"].close()
