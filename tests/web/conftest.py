"""Fixtures for the web UI tests.

- `app` / `client`: the real app (create_app) on SQLite with search wired, empty.
- `add_item(...)`: an item registered through the repository's real Catalog adapter (fake page
  objects, as in tests/repository), optionally published into a collection.
- `ingested_site` (module scope, used by the browser test): two items made by the real ingest
  pipeline (generated pages → pyramids, ALTO, searchable PDFs with forced fast OCR), published
  through the item services, with a live server on a free port.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from metadata.dc import DCRecord
from repository import create_app
from repository.catalog_adapter import RepositoryCatalog
from repository.collections import create_collection
from repository.items import publish, set_access, update_metadata
from tests.repository.conftest import ingested, make_config

ACTOR = "test"
ROOT = Path(__file__).resolve().parents[2]


def wire_search(app: Flask) -> None:
    """Search as create_app wires it (`repository.search.service.init_app`), if create_app did not yet."""
    from repository.search.service import EXTENSION, init_app

    if EXTENSION not in app.extensions:
        init_app(app, app.extensions["olketanu"])


def build_app(tmp_path: Path, **overrides: object) -> Flask:
    app = create_app(make_config(tmp_path, **overrides))
    app.config["TESTING"] = True
    wire_search(app)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = build_app(tmp_path)
    yield app
    app.extensions["olketanu"].close()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def services(app: Flask):
    return app.extensions["olketanu"]


def dc(main_title: str, /, **more: object) -> DCRecord:
    data: dict[str, object] = {"title": [{"value": main_title, "lang": "kk-Cyrl"}], "date": [{"value": "1928"}],
                               "type": [{"value": "Text"}], "language": [{"value": "kk"}]}
    data.update(more)
    return DCRecord.from_json(data)


@pytest.fixture
def add_item(services) -> Callable[..., str]:
    def add(item_id: str, *, record: DCRecord | None = None, pages: int = 2, collection: str | None = None,
            access: str = "public", published: bool = True) -> str:
        catalog = RepositoryCatalog(services)
        catalog.register_item(ingested(item_id, pages=pages, publish=published, collection_id=collection,
                                       store=services.store, record_=record or dc(f"Өскемен хабары {item_id}")))
        for seq in range(1, pages + 1):  # the page PDFs OCR would have written (copy requests read them)
            services.store.put_bytes(f"items/{item_id}/pages/{seq:04d}/page.pdf", page_pdf(f"{item_id} page {seq}"))
        if access != "public":
            set_access(services, ACTOR, item_id, access)
        return item_id

    return add


@pytest.fixture
def collections(services) -> dict[str, str]:
    create_collection(services, ACTOR, "local", {"kk-Cyrl": ["Өлкетану"], "ru": ["Краеведение"], "en": ["Local history"]})
    create_collection(services, ACTOR, "papers", {"kk-Cyrl": ["Газеттер"], "ru": ["Газеты"], "en": ["Newspapers"]},
                      parent_id="local")
    create_collection(services, ACTOR, "photos", {"kk-Cyrl": ["Фотосуреттер"], "ru": ["Фотографии"]},
                      parent_id="local")
    return {"root": "local", "papers": "papers", "photos": "photos"}


def page_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says `text` (ASCII), written by hand: small and exact."""
    content = f"BT /F1 12 Tf 20 200 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 280] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


# --- the realistic site: the ingest pipeline, a live server ---------------------------------------

PAGE_TEXTS = {
    "chronicle": [
        "Library chronicle\nThe regional library opened its reading room for local history in 1956. "
        "Readers came from the whole valley to study old maps and letters.",
        "The river crossing\nBefore the bridge, a wooden ferry carried carts across the Irtysh below the "
        "fortress. The ferry keeper wrote the water level in a notebook every morning.",
        "Schools of the town\nTeachers collected stories and songs from the villages and sent them to the "
        "museum, where they are kept with photographs of the pupils.",
    ],
    "album": [
        "Photographs of the harbour\nSteamers, barges and the old ferry at the harbour in summer, taken by "
        "an unknown photographer for the town council.",
    ],
}


@dataclass
class Site:
    url: str
    app: Flask
    items: dict[str, str]  # name -> item id


_RENDER = """
import json, sys
from pathlib import Path
from ingest.samplepages import PageSpec, render_text, save_image
folder, texts = Path(sys.argv[1]), json.loads(sys.argv[2])
for n, text in enumerate(texts, start=1):
    image, _ = render_text(text, "sans", PageSpec(seed=n, rotation=0.0, speckle=0.0))
    save_image(image, folder / f"p{n}.png", dpi=200)
"""


def _write_pages(folder: Path, texts: list[str]) -> None:
    # In a fresh interpreter: once libvips is loaded in this one (the IIIF image server loads it),
    # Pillow's raqm text layout draws garbage (a shared-library clash; see tests/viewer).
    folder.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", _RENDER, str(folder), json.dumps(texts)], check=True, cwd=ROOT,
                   capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def ingested_site(tmp_path_factory) -> Iterator[Site]:
    from werkzeug.serving import make_server

    from ingest.batch import run_batch
    from ingest.options import IngestOptions
    from ocr.registry import get_engine

    work = tmp_path_factory.mktemp("site")
    holder: dict[str, Flask] = {}
    # The app needs its public URL (IIIF ids) before it exists, and the URL needs the server's port.
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = build_app(work, **{"repository.base_url": url})
    holder["app"] = app
    services = app.extensions["olketanu"]
    create_collection(services, ACTOR, "local", {"kk-Cyrl": ["Өлкетану"], "ru": ["Краеведение"], "en": ["Local history"]})
    create_collection(services, ACTOR, "papers", {"kk-Cyrl": ["Газеттер"], "ru": ["Газеты"], "en": ["Newspapers"]},
                      parent_id="local")
    create_collection(services, ACTOR, "photos", {"kk-Cyrl": ["Фотосуреттер"], "ru": ["Фотографии"], "en": ["Photographs"]},
                      parent_id="local")
    items: dict[str, str] = {}
    for name, texts in PAGE_TEXTS.items():
        _write_pages(work / "batch" / name, texts)
        report = run_batch([work / "batch" / name], store=services.store, catalog=RepositoryCatalog(services),
                           engine=get_engine("tesseract"), languages="eng",
                           collection="papers" if name == "chronicle" else "photos",
                           options=IngestOptions(workers=2, ocr_timeout_s=120))
        entry = report.items[0]
        assert entry.status == "ok", entry.error
        items[name] = entry.item_id
    update_metadata(services, ACTOR, items["chronicle"], dc(
        "Кітапхана шежіресі", title=[{"value": "Кітапхана шежіресі", "lang": "kk-Cyrl"},
                                     {"value": "Летопись библиотеки", "lang": "ru"},
                                     {"value": "Library chronicle", "lang": "en"}],
        subject=[{"value": "Ертіс", "lang": "kk"}], date=[{"value": "1956"}]))
    update_metadata(services, ACTOR, items["album"], dc(
        "Айлақ фотосуреттері", type=[{"value": "StillImage"}], date=[{"value": "1931"}]))
    for item_id in items.values():
        publish(services, ACTOR, item_id)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(url, app, items)
    server.shutdown()
    thread.join(timeout=10)
    services.close()
