"""End-to-end fixture: every sample page of ../shared/samples through the REAL ingest pipeline.

`samples_site` (module scope) copies the 10 sample images and `samples_3pages.pdf` into a batch folder
with a cataloguer's metadata sheet (one item per image, the PDF as one 3-page item; titles that do NOT
repeat the printed text, so that a text search can only hit through OCR), then runs the installed
command as staff would:

    olketanu init
    olketanu ingest --sheet batch/sheet.csv --publish --json --no-progress

with automatic model choice (no `--lang`), on the embedded defaults (SQLite database, local storage,
SQLite FTS5 search). The app (create_app) is then opened on the same data folder.

The module using it must skip itself when the samples are absent (`SAMPLES`, `needs_samples`).
OAI responses are checked with the `validate` fixture of tests/oai (imported below).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.oai.conftest import validate  # noqa: F401  (the OAI-PMH + oai_dc schema check, reused)
from tests.repository.conftest import make_config
from tests.web.conftest import wire_search

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"extra check: {SAMPLES} not present")
OLKETANU = str(Path(sys.executable).with_name("olketanu"))
BASE_URL = "http://archive.test"
PDF = "samples_3pages.pdf"
PDF_PAGES = ("s01", "s05", "s09")  # the images the PDF was made from, in order (samples/README.md)

# The cataloguer's view of each sample: language(s), date, type. Titles are neutral on purpose.
SHEET_COLUMNS = ("path", "title@en", "language", "date", "type")
DATES = {"s01": "2019", "s02": "1978", "s03": "1931", "s04": "1987", "s05": "1912", "s06": "1914-07-13",
         "s07": "2021", "s08": "2021", "s09": "1916", "s10": "1936"}
LANGUAGES = {"kk_cyrl": "kk-Cyrl", "kk_latn": "kk-Latn", "ru_modern": "ru", "ru_prereform": "ru",
             "mixed": "kk-Cyrl||ru||en"}


@dataclass
class SamplesSite:
    app: Flask
    report: dict[str, Any]  # the `--json` batch report
    items: dict[str, str]  # sample id (s01…s10, and "pdf") -> item id
    sources: dict[str, str]  # sample id -> the file name in the batch
    seconds: float  # wall time of `olketanu ingest`
    exit_status: int  # of `olketanu ingest`: 1 when any item failed

    @property
    def services(self):
        return self.app.extensions["olketanu"]

    def entry(self, sample: str) -> dict[str, Any]:
        return next(i for i in self.report["items"] if i["item_id"] == self.items[sample])


def sample_meta(sample: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{sample}.json").read_text(encoding="utf-8"))


def ground_truth(sample: str) -> str:
    return (SAMPLES / f"{sample}.txt").read_text(encoding="utf-8")


def sample_ids() -> list[str]:
    return sorted(p.stem for p in SAMPLES.glob("s[0-9][0-9].txt"))


def _write_batch(batch: Path) -> dict[str, str]:
    batch.mkdir(parents=True)
    sources: dict[str, str] = {}
    rows = []
    for sample in sample_ids():
        meta = sample_meta(sample)
        image = SAMPLES / meta["image"]
        shutil.copyfile(image, batch / image.name)
        sources[sample] = image.name
        rows.append({"path": image.name, "title@en": f"Sample page {sample}",
                     "language": LANGUAGES[meta["category"]], "date": DATES[sample],
                     "type": "StillImage" if meta["layout"] == "photo" else "Text"})
    shutil.copyfile(SAMPLES / PDF, batch / PDF)
    sources["pdf"] = PDF
    rows.append({"path": PDF, "title@en": "Sample pages in one PDF", "language": "kk-Cyrl||ru||en",
                 "date": "2020", "type": "Text"})
    with (batch / "sheet.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return sources


def olketanu(work: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """The installed command on this instance (its config file and data folder; no OLKETANU_* leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLKETANU_")}
    env["OLKETANU_REPOSITORY_DATA_DIR"] = str(work / "var")
    return subprocess.run([OLKETANU, "--config", str(work / "config.yaml"), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=work)


@pytest.fixture(scope="module")
def samples_site(tmp_path_factory) -> Iterator[SamplesSite]:
    work = tmp_path_factory.mktemp("e2e")
    (work / "config.yaml").write_text(f"repository:\n  base_url: {BASE_URL}\n", encoding="utf-8")
    sources = _write_batch(work / "batch")
    done = olketanu(work, "init")
    assert done.returncode == 0, done.stdout + done.stderr
    started = time.monotonic()
    done = olketanu(work, "ingest", "--sheet", str(work / "batch" / "sheet.csv"), "--publish", "--json",
                    "--no-progress")
    seconds = time.monotonic() - started
    assert done.stdout.strip(), f"no report (exit {done.returncode}): {done.stderr[-3000:]}"
    report = json.loads(done.stdout)
    by_source = {entry["source"].rsplit("/", 1)[-1]: entry for entry in report["items"]}
    items = {sample: by_source[name]["item_id"] for sample, name in sources.items()
             if by_source.get(name, {}).get("item_id")}
    app = create_samples_app(work)
    yield SamplesSite(app, report, items, sources, seconds, done.returncode)
    app.extensions["olketanu"].close()


def create_samples_app(work: Path) -> Flask:
    from repository import create_app

    # Reads work/config.yaml (base_url) and work/var, like the command; small OAI pages to follow tokens.
    app = create_app(make_config(work, **{"oai.page_size": 4}))
    app.config["TESTING"] = True
    wire_search(app)
    return app
