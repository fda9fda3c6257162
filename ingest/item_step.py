"""One item, after all its pages succeeded: item PDF and text, ingest.json, then registration.

Nothing is registered before this step, and it runs only when every page is stored, so a
killed or failed batch never leaves a partial item visible. Re-running it is harmless: every write
replaces an object with the same content, and registering the same id again replaces the item.
"""
from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from pypdf import PdfReader, PdfWriter

from metadata.dc import DCRecord
from storage.base import ObjectStore

from ingest import keys
from ingest.catalog import Catalog, IngestedItem, IngestedPage
from ingest.plan import ItemPlan

_PAGE_FIELDS = tuple(IngestedPage.__dataclass_fields__)


@dataclass(frozen=True)
class Finished:
    item: IngestedItem
    status: str  # what the catalog says after registering: draft or published


def to_page(record: dict[str, Any]) -> IngestedPage:
    return IngestedPage(**{k: record[k] for k in _PAGE_FIELDS if k in record})


def merge_pdf(store: ObjectStore, page_keys: Sequence[str], out: Path) -> None:
    """One searchable PDF from the page PDFs, reading one page PDF at a time."""
    writer = PdfWriter()
    for key in page_keys:
        reader = PdfReader(io.BytesIO(store.get_bytes(key)))
        for page in reader.pages:
            writer.add_page(page)
    with open(out, "wb") as fh:
        writer.write(fh)


def item_text(store: ObjectStore, text_keys: Sequence[str]) -> bytes:
    # Pages separated by a form feed, as pdftotext does, so page boundaries survive in plain text.
    return "\f".join(store.get_bytes(k).decode("utf-8").rstrip("\n") + "\n" for k in text_keys).encode("utf-8")


def finish_item(plan: ItemPlan, records: Sequence[dict[str, Any]], *, store: ObjectStore, catalog: Catalog,
                record: DCRecord, collection: str | None, languages: str | None, publish: bool,
                catalogue_ref: str | None = None, access: str | None = None) -> Finished:
    records = sorted(records, key=lambda r: r["seq"])
    pages = [to_page(r) for r in records]
    pdf_key = keys.item_object(plan.item_id, "item.pdf")
    text_key = keys.item_object(plan.item_id, "item.txt")
    with tempfile.TemporaryDirectory(prefix="olketanu-item-") as tmp:
        merged = Path(tmp) / "item.pdf"
        merge_pdf(store, [p.pdf_key for p in pages if p.pdf_key], merged)
        store.put_file(pdf_key, merged)
    store.put_bytes(text_key, item_text(store, [p.text_key for p in pages if p.text_key]))
    item = IngestedItem(
        item_id=plan.item_id, source_key=plan.source_key, record=record, pages=pages,
        collection_id=collection, publish=publish, pdf_key=pdf_key, text_key=text_key,
        ocr_languages=languages, catalogue_ref=catalogue_ref, access=access,
    )
    # Provenance of this ingest (source files, hashes, per-page OCR evidence). item.json, the
    # self-describing copy storage can rebuild the database from, is the repository's: it writes
    # it from the committed database state after registering.
    store.put_bytes(keys.item_object(plan.item_id, "ingest.json"), ingest_json(plan, item, records))
    status = catalog.register_item(item)
    return Finished(item, status)


def ingest_json(plan: ItemPlan, item: IngestedItem, records: Sequence[dict[str, Any]]) -> bytes:
    data = {
        "item_id": item.item_id,
        "source_key": item.source_key,
        "record": item.record.to_json(),
        "collection_id": item.collection_id,
        "publish_requested": item.publish,
        "ocr_languages": item.ocr_languages,
        "catalogue_ref": item.catalogue_ref,
        "access": item.access,
        "pdf_key": item.pdf_key,
        "text_key": item.text_key,
        "sources": [
            {"name": f.file.name, "sha256": f.sha256, "size": f.size, "pages": f.pages, "master_key": f.master_key}
            for f in plan.files
        ],
        "pages": list(records),
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
