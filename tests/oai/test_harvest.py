"""Whole harvests by real harvesters over HTTP (sickle with GET, pyoai with POST), incremental
harvests, deletions, resumption tokens, and a harvest that runs while the repository changes."""
from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sickle import Sickle
from sqlalchemy import select
from werkzeug.serving import make_server

from repository import items as item_services
from repository.models import Item
from repository.oai import tokens
from repository.oai.records import exposed_items
from tests.oai.conftest import NS, SECRET, error_code

ROOT = Path(__file__).resolve().parents[2]
PYOAI_PYTHON = ROOT / ".cache" / "pyoai-venv" / "bin" / "python"
PYOAI_CLIENT = Path(__file__).with_name("pyoai_client.py")


@pytest.fixture
def collection_of_ten(library) -> list[str]:
    """Ten published items (more than three pages of three), one withdrawn, one draft."""
    published = [library.add(f"c{n:02d}") for n in range(10)]
    item_services.withdraw(library.services, "t", "c04")
    library.add("c99", publish=False)
    return published


def database_ids(services) -> list[str]:
    """The ids OAI must list, in byte order (SQLite's): sorted here, not by the database under test."""
    with services.db.read() as session:
        return sorted(session.scalars(select(Item.id).where(exposed_items())))


@pytest.fixture
def server(oai_app) -> Iterator[tuple[str, list[str]]]:
    """The app on a real HTTP server on a free port; yields its /oai URL and the methods it received."""
    methods: list[str] = []

    def recording(environ, start_response):
        methods.append(environ["REQUEST_METHOD"])
        return oai_app(environ, start_response)

    http = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/oai", methods
    http.shutdown()
    thread.join(10)


def test_sickle_harvests_everything_with_get(server, collection_of_ten, services):
    url, methods = server
    harvester = Sickle(url, max_retries=0)
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    got = [r.header.identifier.rsplit(":", 1)[-1] for r in records]
    assert got == database_ids(services)
    assert [r.header.identifier for r in records if r.header.deleted] == ["oai:olketanu.kz:c04"]
    identifiers = [h.identifier.rsplit(":", 1)[-1] for h in harvester.ListIdentifiers(metadataPrefix="mods")]
    assert identifiers == got
    assert set(methods) == {"GET"} and len(methods) == 8  # 4 pages of 3 for each list


def test_pyoai_harvests_everything_with_post(server, collection_of_ten, services):
    assert PYOAI_PYTHON.exists(), f"pyoai's environment is missing: run scripts/setup.sh ({PYOAI_PYTHON})"
    url, methods = server
    done = subprocess.run(
        [str(PYOAI_PYTHON), str(PYOAI_CLIENT), url], capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    expected = [f"oai:olketanu.kz:{i}" for i in database_ids(services)]
    assert result["identifiers"] == expected
    assert [r[0] for r in result["records"]] == expected
    assert [r[0] for r in result["records"] if r[1]] == ["oai:olketanu.kz:c04"]
    assert result["repositoryName"] == "Ölketanu"
    assert "POST" in methods and "GET" not in methods


def harvest(oai_get, **args) -> list[tuple[str, str | None]]:
    """(local id, status) of a whole ListIdentifiers harvest, following tokens."""
    found = []
    root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
    while True:
        if error_code(root) == "noRecordsMatch":
            return found
        found += [(h.findtext("oai:identifier", namespaces=NS).rsplit(":", 1)[-1], h.get("status"))
                  for h in root.iterfind(".//oai:header", NS)]
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
        if not token:
            return found
        root = oai_get(verb="ListIdentifiers", resumptionToken=token)


def test_incremental_harvest_returns_exactly_the_changed_records(oai_get, library, collection_of_ten, clock, services):
    clock.advance(minutes=5)
    since = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    library.retitle("c07", "Жаңа атау")
    item_services.withdraw(services, "t", "c02")
    item_services.set_access(services, "t", "c05", "reading-room")
    item_services.relabel_page(services, "t", "c08", 1, "title page")  # pages are not exposed: no change
    library.add("c50")
    assert harvest(oai_get, from_=since) == [("c02", "deleted"), ("c05", None), ("c07", None), ("c50", None)]
    assert harvest(oai_get, from_=since[:10]) == harvest(oai_get)  # the same day: everything


def test_harvest_during_changes_misses_none_and_repeats_none(oai_get, library, collection_of_ten, services):
    at_start = database_ids(services)
    root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = [h.text.rsplit(":", 1)[-1] for h in root.iterfind(".//oai:identifier", NS)]
    assert seen == ["c00", "c01", "c02"]
    token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    # Mid-harvest: change records before and after the cursor, add some before and after it.
    library.retitle("c01", "өзгерді")
    library.retitle("c06", "өзгерді")
    library.add("c005")
    library.add("c055")
    while token:
        root = oai_get(verb="ListIdentifiers", resumptionToken=token)
        seen += [h.text.rsplit(":", 1)[-1] for h in root.iterfind(".//oai:identifier", NS)]
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    assert len(seen) == len(set(seen))  # repeats none
    assert set(at_start) <= set(seen)  # misses none that existed at the start
    assert "c055" in seen  # added after the cursor: comes in this harvest
    assert "c005" not in seen  # added before the cursor: the next incremental harvest brings it


def test_tampered_expired_and_foreign_tokens(oai_get, collection_of_ten):
    root = oai_get(verb="ListRecords", metadataPrefix="oai_dc")
    token = root.findtext(".//oai:resumptionToken", namespaces=NS)
    assert error_code(oai_get(verb="ListRecords", resumptionToken=token)) is None
    body, signature = token.split(".")
    state = json.loads(tokens.base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    state["cursor"] = 0
    forged_body = tokens._b64(json.dumps(state).encode())
    for bad in (f"{forged_body}.{signature}", token[:-2], "x" + token, "not-a-token", "ünïcode.x", token + "."):
        assert error_code(oai_get(verb="ListRecords", resumptionToken=bad)) == "badResumptionToken"
    # The same token for another verb is not valid either.
    assert error_code(oai_get(verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    # Expired: a genuine token issued longer ago than token_ttl_s (86400 s).
    key = tokens.derive_key(SECRET)
    decoded = tokens.decode(token, key, 86400, datetime.now(timezone.utc))
    old = tokens.encode(decoded, key, datetime.now(timezone.utc) - timedelta(days=2))
    assert error_code(oai_get(verb="ListRecords", resumptionToken=old)) == "badResumptionToken"
    fresh = tokens.encode(decoded, key, datetime.now(timezone.utc) - timedelta(hours=1))
    assert error_code(oai_get(verb="ListRecords", resumptionToken=fresh)) is None
    # A token signed with another secret (another repository, or a changed secret).
    other = tokens.encode(decoded, tokens.derive_key("another secret"), datetime.now(timezone.utc))
    assert error_code(oai_get(verb="ListRecords", resumptionToken=other)) == "badResumptionToken"


def test_token_carries_expiration_and_survives_a_restart(tmp_path, database_url, oai_get, collection_of_ten, clock):
    from tests.oai.conftest import make_oai_app

    root = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    element = root.find(".//oai:resumptionToken", NS)
    response_date = datetime.strptime(root.findtext("oai:responseDate", namespaces=NS), "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(element.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
    assert expires - response_date == timedelta(seconds=86400)
    assert element.get("completeListSize") == "10"
    # A new app process on the same database and secret continues the list.
    again = make_oai_app(tmp_path, database_url)
    response = again.test_client().get("/oai", query_string={"verb": "ListIdentifiers", "resumptionToken": element.text})
    assert b"<identifier>oai:olketanu.kz:c03</identifier>" in response.data
    again.extensions["olketanu"].close()
