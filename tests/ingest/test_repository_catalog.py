"""One batch through the repository's real Catalog adapter (SQLite), as `olketanu ingest` wires it."""
from __future__ import annotations

from ingest.batch import run_batch

from tests.ingest.conftest import FAST, page



def test_batch_registers_through_the_repository(tmp_path, engine, options):
    from repository.catalog_adapter import RepositoryCatalog
    from repository.db import upgrade
    from repository.services import build_services
    from tests.repository.conftest import make_config

    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    services = build_services(make_config(tmp_path, url))
    services.store.ensure()
    try:
        catalog = RepositoryCatalog(services)
        page(tmp_path / "batch" / "book" / "p1.png", 1)
        page(tmp_path / "batch" / "book" / "p2.png", 2)
        first = run_batch([tmp_path / "batch"], store=services.store, catalog=catalog, engine=engine,
                          options=options, languages=FAST)
        item = first.items[0]
        assert item.status == "ok" and item.catalog_status == "draft", item.error
        assert catalog.item_status(item.item_id) == "draft"
        assert services.store.exists(f"items/{item.item_id}/item.json")  # written by the repository
        again = run_batch([tmp_path / "batch"], store=services.store, catalog=catalog, engine=engine,
                          options=options, languages=FAST)
        assert again.items[0].status == "skipped"
    finally:
        services.close()
