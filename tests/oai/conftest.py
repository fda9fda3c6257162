"""Fixtures for the OAI-PMH tests: an app with small pages, a controllable clock for datestamps,
a helper that builds a small library, and a validator for whole responses.

Each test that uses the app runs on SQLite and on a real PostgreSQL (one database per module, migrated
once, emptied before each test). The PostgreSQL database is made with an ICU `en-US` collation, as a
production database made with an en_US locale would be, and not with the test cluster's `C`: under `C`
text sorts byte by byte like SQLite, which would hide any place where id order depends on collation.

The app and item helpers come from tests/repository/conftest.py (`make_config`, `ingested`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlschema
from lxml import etree
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from metadata.dc import DCRecord
from repository import catalog_adapter, create_app
from repository import collections as collection_services
from repository import items as item_services
from repository.catalog_adapter import RepositoryCatalog
from repository.db import make_engine, upgrade
from repository.models import Base
from tests.repository.conftest import ingested, make_config, record

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "mods": "http://www.loc.gov/mods/v3",
    "xlink": "http://www.w3.org/1999/xlink",
}
BASE_URL = "http://archive.test"
SECRET = "oai-test-secret"


@dataclass
class Clock:
    """The time the repository's services stamp changes with; tests move it by whole seconds."""

    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 10, 0, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    # Datestamps are set by these modules (record_change, a new item's first stamp, a moved collection).
    monkeypatch.setattr(item_services, "utcnow", clock)
    monkeypatch.setattr(catalog_adapter, "utcnow", clock)
    monkeypatch.setattr(collection_services, "utcnow", clock)
    return clock


def make_oai_app(tmp_path: Path, database_url: str = "", **overrides: object):
    """The app on `database_url` ("": its own embedded SQLite under `tmp_path`)."""
    settings = {"oai.page_size": 3, "server.secret_key": SECRET, "repository.base_url": BASE_URL}
    settings.update(overrides)
    app = create_app(make_config(tmp_path, database_url, **settings))
    app.config["TESTING"] = True
    return app


def create_icu_database(postgres_server, name: str) -> str:
    """A new database whose text collation is ICU en-US (case- and punctuation-aware, not byte order)."""
    import psycopg

    admin = make_url(postgres_server.url("postgres")).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
    return postgres_server.url(name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def oai_database(request) -> str:
    """"" for SQLite (each app then makes its own), or a migrated PostgreSQL database for the module."""
    if request.param == "sqlite":
        return ""
    name = "olketanu_oai_" + request.module.__name__.rsplit(".", 1)[-1]
    url = create_icu_database(request.getfixturevalue("postgres_server"), name)
    upgrade(url)
    return url


@pytest.fixture
def database_url(oai_database: str) -> str:
    """The module's database, emptied: every test starts from no rows, as on a fresh SQLite."""
    if oai_database:
        engine = make_engine(oai_database)
        try:
            with engine.begin() as connection:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(delete(table))
        finally:
            engine.dispose()
    return oai_database


@pytest.fixture
def oai_app(tmp_path: Path, clock: Clock, database_url: str) -> Iterator:
    app = make_oai_app(tmp_path, database_url)
    yield app
    app.extensions["olketanu"].close()


@pytest.fixture
def services(oai_app):
    return oai_app.extensions["olketanu"]


@pytest.fixture
def client(oai_app):
    return oai_app.test_client()


class Library:
    """Builds items through the repository's own services, so datestamps move as they do in production."""

    def __init__(self, services, clock: Clock) -> None:
        self.services, self.clock = services, clock
        self.catalog = RepositoryCatalog(services)

    def add(self, item_id: str, *, collection: str | None = None, publish: bool = True,
            dc: DCRecord | None = None, title: str = "Өскемен хабары") -> str:
        self.catalog.register_item(
            ingested(item_id=item_id, publish=publish, collection_id=collection, record_=dc or record(title))
        )
        return item_id

    def retitle(self, item_id: str, title: str) -> None:
        item_services.update_metadata(self.services, "test", item_id, record(title))


@pytest.fixture
def library(services, clock) -> Library:
    return Library(services, clock)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def error_code(root: etree._Element) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


@pytest.fixture(scope="session")
def validate(tmp_path_factory) -> Callable[[bytes], etree._Element]:
    """Checks a response: the envelope against OAI-PMH.xsd with every block inside validated strictly
    (oai_dc, MODS, MARC 21 slim, oai-identifier), then each oai_dc, mods and marc:record block again
    against its own schema."""
    wrapper = tmp_path_factory.mktemp("xsd") / "all.xsd"
    imports = {
        "http://www.openarchives.org/OAI/2.0/": SCHEMAS / "oai" / "OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": SCHEMAS / "oai" / "oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai-identifier": SCHEMAS / "oai" / "oai-identifier.xsd",
        "http://www.loc.gov/mods/v3": SCHEMAS / "mods" / "mods-3-7.xsd",
        "http://www.loc.gov/MARC21/slim": SCHEMAS / "marc21" / "MARC21slim.xsd",
    }
    lines = [f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports.items()]
    wrapper.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-test:all">'
        + "".join(lines) + "</xs:schema>", encoding="utf-8",
    )
    envelope = etree.XMLSchema(etree.parse(str(wrapper)))
    oai_dc = xmlschema.XMLSchema(str(SCHEMAS / "oai" / "oai_dc.xsd"))
    mods = xmlschema.XMLSchema(str(SCHEMAS / "mods" / "mods-3-7.xsd"))
    marc = xmlschema.XMLSchema(str(SCHEMAS / "marc21" / "MARC21slim.xsd"))

    def check(data: bytes) -> etree._Element:
        assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
        root = etree.fromstring(data)
        if not envelope.validate(root):
            raise AssertionError(f"invalid OAI-PMH response: {envelope.error_log}\n{data[:2000]!r}")
        for block in root.iterfind(".//oai_dc:dc", NS):
            oai_dc.validate(etree.tostring(block))
        for block in root.iterfind(".//mods:mods", NS):
            mods.validate(etree.tostring(block))
        for block in root.iterfind(".//{http://www.loc.gov/MARC21/slim}record"):
            marc.validate(etree.tostring(block))
        return root

    return check


@pytest.fixture
def oai_get(client, validate) -> Callable[..., etree._Element]:
    """GET /oai with the given arguments; returns the validated response root."""

    def get(**args: str) -> etree._Element:
        response = client.get("/oai", query_string={k.rstrip("_"): v for k, v in args.items()})
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        return validate(response.data)

    return get
