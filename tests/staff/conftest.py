"""Fixtures for the staff UI tests.

- `make_app(tmp_path, **overrides)`: the real app (create_app) on SQLite, with an admin and a staff user.
- `login(client, user)`: logs in through the real form (CSRF token taken from the page).
- `add_item(...)`: an item registered through the repository's Catalog adapter (fake pages).
- `two_pages(folder)`: two small generated English pages (forced `eng` OCR makes them quick), drawn in a
  fresh interpreter: text drawn in a process that loaded libvips can come out garbled.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from repository import create_app
from repository.catalog_adapter import RepositoryCatalog
from repository.users import create_user
from tests.repository.conftest import ingested, make_config, record

ROOT = Path(__file__).resolve().parents[2]
USERS = {"admin": ("aigerim", "admin password 1", "admin"), "staff": ("bolat", "staff password 1", "staff")}
PAGE_TEXTS = (
    "Harbour notes\nThe steamboat arrived at the harbour in the morning with grain and letters for the town.",
    "Harbour notes, page two\nThe steamboat left in the evening; the keeper wrote the water level in his book.",
)
SEARCH_WORD = "steamboat"

_RENDER = """
import json, sys
from pathlib import Path
from ingest.samplepages import PageSpec, render_text, save_image
folder, texts = Path(sys.argv[1]), json.loads(sys.argv[2])
folder.mkdir(parents=True, exist_ok=True)
for n, text in enumerate(texts, start=1):
    image, _ = render_text(text, "sans", PageSpec(size=(800, 600), seed=n, rotation=0.0, speckle=0.0))
    save_image(image, folder / f"p{n}.png", dpi=200)
"""


def two_pages(folder: Path, texts: tuple[str, ...] = PAGE_TEXTS) -> list[Path]:
    import json

    subprocess.run([sys.executable, "-c", _RENDER, str(folder), json.dumps(list(texts))], check=True, cwd=ROOT,
                   capture_output=True, timeout=120)
    return [folder / f"p{n}.png" for n in range(1, len(texts) + 1)]


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    # English interface: the assertions read English page text (translations are tests/web's subject).
    values: dict[str, object] = {"ingest.workers": 2, "web.default_locale": "en"}
    values.update(overrides)
    app = create_app(make_config(tmp_path, **values))
    app.config["TESTING"] = True
    services = app.extensions["olketanu"]
    for username, password, role in USERS.values():
        create_user(services, "test", username, password, role)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    app.extensions["olketanu"].close()


@pytest.fixture
def services(app: Flask):
    return app.extensions["olketanu"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def token(client: FlaskClient, path: str = "/staff/login") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_from(response.get_data(as_text=True))


def login(client: FlaskClient, who: str = "staff", password: str | None = None) -> object:
    username, right, _ = USERS[who]
    return client.post("/staff/login", data={"username": username, "password": password or right,
                                             "csrf_token": token(client)})


@pytest.fixture
def staff_client(client: FlaskClient) -> FlaskClient:
    assert login(client, "staff").status_code == 302
    return client


@pytest.fixture
def admin_client(client: FlaskClient) -> FlaskClient:
    assert login(client, "admin").status_code == 302
    return client


@pytest.fixture
def add_item(services):
    def add(item_id: str = "kzabc234", pages: int = 2, publish: bool = False, title: str = "Өскемен хабары") -> str:
        RepositoryCatalog(services).register_item(ingested(item_id, pages=pages, publish=publish,
                                                           store=services.store, record_=record(title)))
        return item_id

    return add
