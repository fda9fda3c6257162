"""The catalogue in the app: one search finds a record and its digitised copy side by side, the API
answers a record with its copies, the record page and the item page link each other, the CLI imports."""
from __future__ import annotations

import dataclasses
import json

from click.testing import CliRunner

from repository.catalog_adapter import RepositoryCatalog
from repository.catalogue import import_files
from repository.cli import build_cli
from tests.catalogue import records
from tests.repository.conftest import ingested, record


def _setup(app, tmp_path):
    services = app.extensions["olketanu"]
    path = records.write(tmp_path / "cat.mrc", records.kazakh_book().as_marc() + records.russian_book().as_marc())
    import_files(services, "test", [path])
    copy = ingested("kzcopy", publish=True, store=services.store,
                    record_=record("Тіл құралы : қазақ тілінің сарфы"))
    RepositoryCatalog(services).register_item(dataclasses.replace(copy, catalogue_ref="KZ-001"))
    return services


def test_a_title_search_finds_the_record_and_its_copy_side_by_side(app, client, tmp_path):
    _setup(app, tmp_path)
    body = client.get("/api/search", query_string={"q": "Тіл құралы"}).get_json()
    assert sorted((h["id"], h["source"]) for h in body["hits"]) == [("cat-KZ-001", "catalogue"), ("kzcopy", "archive")]
    facets = {f["value"]: f["count"] for f in body["facets"]["source"]}
    assert facets == {"archive": 1, "catalogue": 1}
    page = client.get("/search", query_string={"q": "Тіл құралы", "lang": "en"}).get_data(as_text=True)
    assert "/catalogue/cat-KZ-001" in page and "/items/kzcopy" in page and "Library catalogue" in page


def test_api_answers_a_record_with_its_digitised_copies(app, client, tmp_path):
    _setup(app, tmp_path)
    body = client.get("/api/catalogue/cat-KZ-001").get_json()
    assert body["source"] == "catalogue" and body["control_number"] == "KZ-001" and body["status"] == "active"
    assert body["dc"]["title"][0]["lang"] == "kk-Cyrl" and body["isbns"] == ["9785766783954"]
    (copy,) = body["digitised"]
    assert copy["id"] == "kzcopy" and copy["thumbnail"].endswith("/full/!200,200/0/default.jpg")
    assert body["oai_identifier"].endswith(":catalogue/cat-KZ-001")
    assert client.get("/api/catalogue/cat-RU-002").get_json()["digitised"] == []
    assert client.get("/api/catalogue/cat-nope").status_code == 404
    assert client.get("/api/catalogue/..%2F..").status_code in (400, 404)
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/catalogue/{record_id}" in paths


def test_record_page_and_item_page_link_each_other(app, client, tmp_path):
    _setup(app, tmp_path)
    page = client.get("/catalogue/cat-KZ-001").get_data(as_text=True)
    assert "Тіл құралы : қазақ тілінің сарфы" in page and 'href="/items/kzcopy"' in page and "<img" in page
    item_page = client.get("/items/kzcopy").get_data(as_text=True)
    assert 'href="/catalogue/cat-KZ-001"' in item_page
    assert client.get("/catalogue/cat-missing").status_code == 404


def test_oai_lists_the_catalogue_set(app, client, tmp_path):
    _setup(app, tmp_path)
    xml = client.get("/oai", query_string={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                                           "set": "catalogue"}).get_data(as_text=True)
    assert "catalogue/cat-KZ-001" in xml and "catalogue/cat-RU-002" in xml and "kzcopy" not in xml


def test_cli_import_marc_prints_the_report(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"repository:\n  data_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(build_cli(), ["--config", str(config), "init"]).exit_code == 0
    path = records.write(tmp_path / "in.mrc", records.serial().as_marc() + records.bad_directory(records.map_record()))
    result = runner.invoke(build_cli(), ["--config", str(config), "import-marc", "--json", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert (report["created"], report["failed"]) == (1, 1) and report["failures"][0]["record"] == 2
    again = runner.invoke(build_cli(), ["--config", str(config), "import-marc", str(path)])
    assert "unchanged 1" in again.stdout and "in.mrc record 2" in again.stdout
