"""A real repository database and store for the outbox and API tests, and items made through the services."""
from __future__ import annotations

from pathlib import Path

from ingest.catalog import IngestedItem, IngestedPage
from metadata.dc import DCRecord
from repository.config import Config, load_config
from repository.db import upgrade
from repository.services import Services, build_services


def make_config(tmp_path: Path, **overrides: object) -> Config:
    values: dict[str, object] = {"repository.data_dir": str(tmp_path / "var"), "database.url": ""}
    values.update(overrides)
    config_file = tmp_path / "config.yaml"
    config_file.write_text("{}\n", encoding="utf-8")  # the developer's config.yaml and OLKETANU_* stay out
    return load_config(config_file, environ={}, overrides=values)


def make_services(tmp_path: Path) -> Services:
    config = make_config(tmp_path)
    upgrade(config.database_url)
    services = build_services(config)
    services.store.ensure()
    return services


def ingest(services: Services, item_id: str, title: str, texts: list[str], publish: bool = True,
           access: str | None = None) -> None:
    """Register an item as ingest would, with its page texts in storage."""
    from repository.catalog_adapter import RepositoryCatalog

    pages = []
    for seq, text in enumerate(texts, start=1):
        prefix = f"items/{item_id}/pages/{seq:04d}"
        services.store.put_bytes(f"{prefix}/text.txt", text.encode())
        pages.append(IngestedPage(
            seq=seq, label=str(seq), source_name=f"p{seq}.tif", master_key=f"{prefix}/master.tif",
            master_sha256=f"{seq:064x}", master_mime="image/tiff", master_size=1000, access_key=f"{prefix}/access.tif",
            thumb_key=f"{prefix}/thumb.jpg", width=2000, height=3000, alto_key=None, text_key=f"{prefix}/text.txt",
            pdf_key=None, ocr_confidence=90.0, ocr_flagged=False, ocr_model="kaz"))
    record = DCRecord.from_json({"title": [{"value": title, "lang": "kk-Cyrl"}], "date": [{"value": "1928"}],
                                 "type": [{"value": "Text"}], "language": [{"value": "kk"}]})
    RepositoryCatalog(services).register_item(IngestedItem(
        item_id=item_id, source_key=f"src-{item_id}", record=record, pages=pages, collection_id=None,
        publish=publish, pdf_key=None, text_key=None, access=access))
