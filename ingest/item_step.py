"""One item, after all its pages succeeded: item PDF and text, ingest.json, then registration.

Nothing is registered before this step, and it runs only when every page is stored, so a
killed or failed batch never leaves a partial item visible. Re-running it is harmless: every write
replaces an object with the same content, and registering the same id again replaces the item.
"""
from __future__ import annotations

import io
import json
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from pypdf import PdfReader, PdfWriter

from metadata.dc import DCRecord
from storage.base import ObjectStore

from ingest import keys
from ingest.catalog import Catalog, IngestedItem, IngestedPage
from ingest.errors import ToolFailed
from ingest.pdfrender import Limits, run_tool
from ingest.plan import ItemPlan

_PAGE_FIELDS = tuple(IngestedPage.__dataclass_fields__)


@dataclass(frozen=True)
class Finished:
    item: IngestedItem
    status: str  # what the catalog says after registering: draft or published


def to_page(record: dict[str, Any]) -> IngestedPage:
    return IngestedPage(**{k: record[k] for k in _PAGE_FIELDS if k in record})


UNITE_GROUP = 200  # pdfunite keeps every input open: stay well below the usual 1024 open files


def merge_pdf(store: ObjectStore, page_keys: Sequence[str], out: Path, limits: Limits) -> None:
    """One searchable PDF from the page PDFs.

    With poppler's `pdfunite` (a limited child; it copies objects from the files, ~10 MB whatever the
    page count), in groups of UNITE_GROUP pages, then the groups. pypdf would hold every page of the
    item in this process (~0.8 MB per 300 dpi page: ~800 MB for a 1,000-page book); it is only the
    fallback where pdfunite is missing.
    """
    if shutil.which("pdfunite") is None:
        _merge_pypdf(store, page_keys, out)
        return
    with tempfile.TemporaryDirectory(prefix="olketanu-unite-") as tmp:
        parts: list[Path] = []
        for start in range(0, len(page_keys), UNITE_GROUP):
            part = Path(tmp) / f"part{start:06d}.pdf"
            with ExitStack() as downloads:  # S3 downloads live only while their group is united
                paths = [downloads.enter_context(store.local_path(k)) for k in page_keys[start:start + UNITE_GROUP]]
                _unite(paths, part, limits)
            parts.append(part)
        _unite(parts, out, limits)


def _unite(inputs: Sequence[Path], out: Path, limits: Limits) -> None:
    if len(inputs) == 1:
        shutil.copyfile(inputs[0], out)  # pdfunite wants at least two inputs
        return
    done = run_tool(["pdfunite", *map(str, inputs), str(out)], limits)
    if done.returncode != 0 or not out.is_file():
        raise ToolFailed("pdfunite", f"could not join {len(inputs)} page PDFs (exit status {done.returncode})")


def _merge_pypdf(store: ObjectStore, page_keys: Sequence[str], out: Path) -> None:
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
                limits: Limits, catalogue_ref: str | None = None, access: str | None = None) -> Finished:
    records = sorted(records, key=lambda r: r["seq"])
    pages = [to_page(r) for r in records]
    pdf_key = keys.item_object(plan.item_id, "item.pdf")
    text_key = keys.item_object(plan.item_id, "item.txt")
    with tempfile.TemporaryDirectory(prefix="olketanu-item-") as tmp:
        merged = Path(tmp) / "item.pdf"
        merge_pdf(store, [p.pdf_key for p in pages if p.pdf_key], merged, limits)
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
