"""Fixtures for the repository tests.

`services` runs each test on SQLite and on a real PostgreSQL (one fresh database per test module,
migrated once, emptied before each test). `app`/`client` use SQLite: the web layer is the same on both.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from ingest.catalog import IngestedItem, IngestedPage
from metadata.dc import DCRecord
from repository import create_app
from repository.config import Config, load_config
from repository.db import upgrade
from repository.models import Base
from repository.services import Services, build_services


def make_config(tmp_path: Path, database_url: str = "", **overrides: object) -> Config:
    values: dict[str, object] = {"repository.data_dir": str(tmp_path / "var"), "database.url": database_url}
    values.update(overrides)
    # environ={} and an explicit empty file: the developer's config.yaml and OLKETANU_* never leak in.
    config_file = tmp_path / "config.yaml"
    if not config_file.exists():
        config_file.write_text("{}\n", encoding="utf-8")
    return load_config(config_file, environ={}, overrides=values)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_database_factory")()
    upgrade(url)
    return url


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    services = build_services(make_config(tmp_path, database_url))
    with services.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    services.store.ensure()
    yield services
    services.close()


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(make_config(tmp_path))
    app.config["TESTING"] = True
    yield app
    app.extensions["olketanu"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def record(title: str = "Шығыс Қазақстан газеті", **more: list[dict[str, str]]) -> DCRecord:
    data = {"title": [{"value": title, "lang": "kk-Cyrl"}], "date": [{"value": "1928"}],
            "type": [{"value": "Text"}], "language": [{"value": "kk"}]}
    data.update(more)
    return DCRecord.from_json(data)


def ingested(
    item_id: str = "kzabc234", pages: int = 2, publish: bool = False, title: str = "Өскемен хабары",
    collection_id: str | None = None, store=None, record_: DCRecord | None = None,
) -> IngestedItem:
    """A finished item as ingest hands it over; with `store`, its text/ALTO/PDF objects are written too."""
    page_list = []
    for seq in range(1, pages + 1):
        prefix = f"items/{item_id}/pages/{seq:04d}"
        page_list.append(IngestedPage(
            seq=seq, label=str(seq), source_name=f"p{seq}.tif", master_key=f"{prefix}/master.tif",
            master_sha256=f"{seq:064x}", master_mime="image/tiff", master_size=1000 + seq,
            access_key=f"{prefix}/access.tif", thumb_key=f"{prefix}/thumb.jpg", width=2000, height=3000,
            alto_key=f"{prefix}/alto.xml", text_key=f"{prefix}/text.txt", pdf_key=f"{prefix}/page.pdf",
            ocr_confidence=88.5, ocr_flagged=False, ocr_model="kaz", ocr_evidence={"script": "Cyrl"},
        ))
        if store is not None:
            store.put_bytes(f"{prefix}/text.txt", f"Бет {seq}: Өскемен".encode())
            store.put_bytes(f"{prefix}/alto.xml", b"<?xml version='1.0'?><alto/>")
    if store is not None:
        store.put_bytes(f"items/{item_id}/item.pdf", b"%PDF-1.7 test")
        store.put_bytes(f"items/{item_id}/item.txt", "Өскемен".encode())
    return IngestedItem(
        item_id=item_id, source_key=f"src-{item_id}", record=record_ or record(title), pages=page_list,
        collection_id=collection_id, publish=publish, pdf_key=f"items/{item_id}/item.pdf",
        text_key=f"items/{item_id}/item.txt", ocr_languages="kaz+rus",
    )
