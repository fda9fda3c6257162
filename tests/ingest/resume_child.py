"""A batch run in a child process for the kill-and-resume test: `python -m tests.ingest.resume_child
STORE CATALOG.json PATH...`. The catalog is a JSON file, so what the killed run registered survives."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ingest.batch import run_batch
from ingest.catalog import IngestedItem
from ingest.options import IngestOptions
from ocr.registry import get_engine
from storage.registry import open_store


class JsonCatalog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {"status": {}, "registrations": [],
                                                                             "pages": {}}

    def item_status(self, item_id: str) -> str | None:
        return self._load()["status"].get(item_id)

    def register_item(self, item: IngestedItem) -> str:
        data = self._load()
        data["status"][item.item_id] = "draft"
        data["registrations"].append(item.item_id)
        data["pages"][item.item_id] = [p.master_key for p in item.pages]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)
        return "draft"


def main(argv: list[str]) -> int:
    store = open_store("local", root=argv[0])
    store.ensure()
    report = run_batch(argv[2:], store=store, catalog=JsonCatalog(Path(argv[1])), engine=get_engine("tesseract"),
                       options=IngestOptions(workers=1), languages="eng")
    print(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
