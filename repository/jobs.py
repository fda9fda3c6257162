"""Background jobs: the ingest pipeline wired from config, the queue handlers, and enqueueing.

The ONE place the ingest pipeline is put together (store, the repository's Catalog adapter, the OCR
engine and options from config): `olketanu ingest`, `olketanu demo`, `olketanu worker`, the worker
thread of `olketanu serve` and the web upload all go through here, so a batch behaves the same
whichever way it was started.

Job kinds:
- `ingest`: a web upload. The files wait in `<data_dir>/uploads/<job-id>/`; the params carry paths
  relative to that folder (plus who asked), see `enqueue_upload`.
- `reocr`: OCR an item's pages again from their stored masters with other languages or a forced model,
  through the same pipeline with `force` (see `reocr_item`).
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from metadata.dc import DCRecord
from repository import events
from repository.catalog_adapter import RepositoryCatalog
from repository.config import Config
from repository.errors import BadRequest
from repository.items import get_item
from repository.services import Services

if TYPE_CHECKING:  # the pipeline modules load libvips; only code that runs a batch imports them
    from ingest.catalog import IngestedItem
    from ingest.jobs import Pipeline
    from ingest.options import IngestOptions
    from ingest.queue import Job, JobQueue
    from ocr.base import OcrEngine

log = logging.getLogger(__name__)

INGEST, REOCR = "ingest", "reocr"
HEARTBEAT_S = 30.0
STALE_S = 180.0  # a running job without a heartbeat for this long lost its worker (6 missed beats)
IDLE_CHECK_S = 60.0  # an idle worker looks for stale jobs this often
UPLOADS = "uploads"
STAGING_PREFIX = ".staging-"


# --- the pipeline -----------------------------------------------------------------------------


def ingest_options(config: Config) -> IngestOptions:
    from ingest.options import IngestOptions

    return IngestOptions(
        workers=config.get("ingest", "workers"),
        max_file_mb=config.get("ingest", "max_file_mb"),
        max_pixels=config.get("ingest", "max_pixels"),
        pdf_dpi=config.get("ingest", "pdf_dpi"),
        pdf_timeout_s=config.get("ingest", "pdf_timeout_s"),
        ocr_timeout_s=config.get("ocr", "timeout_s"),
        ocr_languages=config.get("ocr", "languages"),
        model_choice=config.get("ocr", "model_choice"),
        low_confidence=config.get("ocr", "low_confidence"),
    )


def ocr_engine(config: Config) -> OcrEngine:
    """The configured OCR engine."""
    from ocr.registry import get_engine

    return get_engine(config.get("ocr", "engine"), resident=config.get("ocr", "tesseract_resident"))


def build_pipeline(services: Services, actor: str = "ingest", catalog: Any = None) -> Pipeline:
    """The pipeline on these services; registrations are audit events by `actor`."""
    from ingest.jobs import Pipeline

    return Pipeline(
        store=services.store,
        catalog=catalog or RepositoryCatalog(services, actor=actor),
        engine=ocr_engine(services.config),
        options=ingest_options(services.config),
    )


# --- web uploads ------------------------------------------------------------------------------


def uploads_dir(config: Config) -> Path:
    return config.data_dir / UPLOADS


def new_staging_dir(config: Config) -> Path:
    """A private folder the upload is written into before its job exists."""
    root = uploads_dir(config)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))


def forced_model(languages: str | None) -> str | None:
    """A batch's or re-OCR's forced OCR model, checked against ocr/'s table; None when empty."""
    from ocr.select import UnknownModel, check_forced

    if languages is None or not languages.strip():
        return None
    try:
        return check_forced(languages)
    except UnknownModel as exc:
        raise BadRequest(str(exc)) from None


def enqueue_upload(
    services: Services, actor: str, staging: Path, paths: list[str], *, sheet: str | None = None,
    collection: str | None = None, languages: str | None = None, publish: bool = False,
) -> str:
    """Queue an ingest job for files written to `staging`; they end up in `uploads/<job-id>/`.

    The job id only exists once the job is queued, so the folder is renamed after `enqueue`. A worker
    may claim the job first: then whichever of the two renames first wins (see `_upload_folder`).
    """
    from ingest.jobs import params_for

    try:
        languages = forced_model(languages)
    except BadRequest:
        shutil.rmtree(staging, ignore_errors=True)  # the upload is refused: nothing of it stays
        raise
    params = params_for(paths, sheet=sheet, collection=collection or None, languages=languages,
                        publish=publish)
    params.update(actor=actor, staging=staging.name)
    job_id = services.open_queue().enqueue(INGEST, params)
    _upload_folder(services.config, job_id, staging.name)
    with services.db.transaction() as session:
        events.record(session, actor, "enqueue", "job", job_id, None,
                      {"kind": INGEST, "files": len(paths), "collection": collection, "languages": languages,
                       "publish": publish})
    return job_id


def _upload_folder(config: Config, job_id: str, staging: str | None) -> Path:
    """`uploads/<job-id>/`, moving the staging folder there if nobody has yet (atomic rename)."""
    root = uploads_dir(config)
    final = root / job_id
    if staging and not final.exists():
        if not staging.startswith(STAGING_PREFIX) or "/" in staging or "\\" in staging:
            raise BadRequest(f"not a staging folder: {staging!r}")
        try:
            os.rename(root / staging, final)
        except FileNotFoundError:
            if not final.exists():  # neither there nor moved by the other side: the files are gone
                raise
    return final


def _ingest_handler(services: Services, job: Job, progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Adapter from the queue's `(job, progress)` to `ingest.jobs.ingest_job(pipeline, params, progress)`."""
    from ingest.jobs import ingest_job

    params = dict(job.params)
    actor = str(params.pop("actor", "ingest"))
    staging = params.pop("staging", None)
    if staging is not None:  # a web upload: its paths are relative to the job's upload folder
        folder = _upload_folder(services.config, job.id, staging)
        params["paths"] = [str(_inside(folder, p)) for p in params.get("paths") or []]
        if params.get("sheet"):
            params["sheet"] = str(_inside(folder, params["sheet"]))
    return ingest_job(build_pipeline(services, actor), params, progress)


def _inside(folder: Path, relative: str) -> Path:
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise BadRequest(f"upload path {relative!r} leaves the upload folder")
    return path


# --- re-running OCR ---------------------------------------------------------------------------


def enqueue_reocr(services: Services, actor: str, item_id: str, languages: str) -> str:
    """Queue a re-OCR of the item's pages with `languages` (a profile like `ru_prereform` or Tesseract
    models like `kaz+rus`)."""
    checked = forced_model(languages)
    if checked is None:
        raise BadRequest("give the OCR model to run, e.g. kaz+rus or ru_prereform")
    languages = checked
    with services.db.read() as session:
        item = get_item(session, item_id)
        if not item.pages:
            raise BadRequest(f"item {item_id} has no pages to OCR")
    job_id = services.open_queue().enqueue(REOCR, {"item_id": item_id, "languages": languages, "actor": actor})
    with services.db.transaction() as session:
        events.record(session, actor, "reocr-requested", "item", item_id, None,
                      {"job": job_id, "languages": languages})
    return job_id


class _ReocrCatalog:
    """Registers a re-OCRed item while keeping everything staff set: record, collection, access,
    status, page order, labels and source names. Only OCR results (and the item PDF/text) change."""

    def __init__(self, services: Services, actor: str, item_id: str) -> None:
        self.inner = RepositoryCatalog(services, actor=actor)
        self.services, self.actor, self.item_id = services, actor, item_id

    def item_status(self, item_id: str) -> str | None:
        return self.inner.item_status(item_id)

    def register_item(self, ingested: IngestedItem) -> str:
        if ingested.item_id != self.item_id:
            # The stored masters no longer give this item's id: registering would make a new item.
            raise BadRequest(f"the stored pages give item {ingested.item_id}, not {self.item_id}; not registered")
        with self.services.db.read() as session:
            item = get_item(session, self.item_id)
            current = {_original_seq(p.access_key): (p.seq, p.label, p.source_name) for p in item.pages}
            before = {str(p.seq): _ocr_state(p) for p in item.pages}
        pages = []
        for page in ingested.pages:
            seq, label, source_name = current.get(_original_seq(page.access_key), (page.seq, page.label,
                                                                                   page.source_name))
            pages.append(replace(page, seq=seq, label=label, source_name=source_name))
        pages.sort(key=lambda p: p.seq)
        # An empty record keeps the stored one; no collection/access keeps those; publish=False keeps status.
        status = self.inner.register_item(replace(ingested, record=DCRecord(), pages=pages, collection_id=None,
                                                  access=None, publish=False))
        with self.services.db.transaction() as session:
            item = get_item(session, self.item_id)
            events.record(session, self.actor, "reocr", "item", self.item_id, {"pages": before},
                          {"pages": {str(p.seq): _ocr_state(p) for p in item.pages},
                           "languages": ingested.ocr_languages})
        return status


def _ocr_state(page: Any) -> dict[str, Any]:
    return {"model": page.ocr_model, "confidence": page.ocr_confidence, "flagged": page.ocr_flagged}


def _original_seq(access_key: str) -> int:
    """The seq a page was ingested with: its objects stay under `items/<id>/pages/<seq>/` after a reorder."""
    parts = access_key.split("/")
    return int(parts[3]) if len(parts) > 4 and parts[2] == "pages" and parts[3].isdigit() else -1


def reocr_item(services: Services, actor: str, item_id: str, languages: str,
               progress: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """OCR the item's pages again from their stored masters; returns the batch report's JSON.

    The masters are copied out in the order they were first ingested (so the content-derived item id
    comes out the same) and run through the pipeline with `force`.
    """
    from ingest.batch import run_batch

    with services.db.read() as session:
        item = get_item(session, item_id)
        pages = sorted(item.pages, key=lambda p: _original_seq(p.access_key))
        masters: list[str] = list(dict.fromkeys(p.master_key for p in pages))
    if not masters:
        raise BadRequest(f"item {item_id} has no pages to OCR")
    pipeline = build_pipeline(services, actor, catalog=_ReocrCatalog(services, actor, item_id))
    with tempfile.TemporaryDirectory(prefix="olketanu-reocr-") as tmp:
        folder = Path(tmp) / item_id
        folder.mkdir()
        copies = []
        for n, key in enumerate(masters, start=1):
            copy = folder / f"{n:05d}{Path(key).suffix}"
            with services.store.open(key) as src, open(copy, "wb") as dst:
                shutil.copyfileobj(src, dst)
            copies.append(copy)
        # A PDF is an item of its own; image files (and multi-page TIFFs) in a folder make one item.
        target = copies[0] if len(copies) == 1 and copies[0].suffix.lower() == ".pdf" else folder
        report = run_batch([target], store=pipeline.store, catalog=pipeline.catalog, engine=pipeline.engine,
                           options=pipeline.options, languages=languages, force=True, progress=progress)
    return report.to_json()


def _reocr_handler(services: Services, job: Job, progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    params = job.params
    item_id, languages = params.get("item_id"), params.get("languages")
    if not isinstance(item_id, str) or not isinstance(languages, str):
        raise BadRequest("a reocr job needs 'item_id' and 'languages'")
    return reocr_item(services, str(params.get("actor", "ingest")), item_id, languages,
                      progress=lambda event: progress(event.to_json()))


def handlers(services: Services) -> dict[str, Callable[[Job, Callable[[dict[str, Any]], None]], dict[str, Any]]]:
    """The queue handlers a worker runs, bound to `services`."""
    return {INGEST: partial(_ingest_handler, services), REOCR: partial(_reocr_handler, services)}


# --- the worker loop --------------------------------------------------------------------------


def worker_id(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}" + (f":{suffix}" if suffix else "")


class _Round(threading.Event):
    """The stop signal of one `run_worker` round: set by the outer stop, by SIGTERM, or when an idle
    round has lasted `idle_s` (so the loop gets to look for stale jobs)."""

    def __init__(self, outer: threading.Event, idle_s: float) -> None:
        super().__init__()
        self.outer = outer
        self.deadline = time.monotonic() + idle_s

    def is_set(self) -> bool:
        return super().is_set() or self.outer.is_set() or time.monotonic() > self.deadline

    def signalled(self) -> bool:
        return super().is_set()


def work(services: Services, queue: JobQueue, name: str, stop: threading.Event, *, poll_s: float = 1.0,
         stop_after: int | None = None, idle_check_s: float = IDLE_CHECK_S) -> int:
    """Run jobs until `stop` (or `stop_after` jobs); stale jobs are re-queued between jobs.

    Used by `olketanu worker` and by the worker thread of `olketanu serve`. Returns the jobs handled.
    """
    from ingest.queue import run_worker

    jobs = handlers(services)
    handled = 0
    while not stop.is_set() and (stop_after is None or handled < stop_after):
        requeued = queue.requeue_stale(STALE_S)
        if requeued:
            log.warning("re-queued %d job(s) whose worker stopped responding", requeued)
        round_stop = _Round(stop, idle_check_s)
        handled += run_worker(queue, jobs, name, stop_after=1, poll_s=poll_s, heartbeat_s=HEARTBEAT_S,
                              stop=round_stop)
        if round_stop.signalled():  # SIGTERM reached run_worker: the whole loop ends
            stop.set()
    return handled


def start_background_worker(services: Services, poll_s: float = 1.0) -> tuple[threading.Thread, threading.Event]:
    """One worker thread inside the app process (what `olketanu serve` does for the embedded default).

    It uses the app's own Services, so its commits reach the search index through the same hooks.
    Returns the thread and the event that stops it (the current job finishes first).
    """
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(services, services.open_queue(), worker_id("serve"), stop),
                              kwargs={"poll_s": poll_s}, name="olketanu-worker", daemon=True)
    thread.start()
    return thread, stop
