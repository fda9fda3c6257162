"""The batch runner: sources → plans → pages in a process pool → finished items → report.

- Pages of all items go through one `ProcessPoolExecutor` (forkserver; one Tesseract thread per
  worker). Tasks carry paths and hashes, never pixels: a PDF page is rendered inside the worker.
  Workers compute; this process stores (masters, outputs, then each page's `page.json`).
- Idempotent: an item id comes from the content; an id the catalog already knows is skipped
  unless `force`.
- Resumable: each stored page ends with its `page.json`; a re-run reuses finished pages and
  registers an item only when all its pages are stored, so a kill never leaves a partial item.
- A bad page fails its item (the message names the file and the cause); other items go on.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from metadata.sheet import SheetRow
from ocr.base import OcrEngine
from ocr.select import UnknownModel, check_forced
from storage.base import ObjectStore
from storage.errors import StorageError

from ingest.catalog import Catalog
from ingest.errors import IngestError, PageFailed
from ingest.item_step import finish_item
from ingest.metadata_in import default_record, meta_error, read_sheet_rows
from ingest.options import IngestOptions
from ingest.pdfrender import Limits
from ingest.page_step import (PageOutcome, clear_spool, derivatives_stored, init_worker, reusable_page, run_page,
                              store_master, store_page)
from ingest.plan import ItemPlan, PageTask, plan_item
from ingest.progress import Meter, ProgressCallback
from ingest.report import FAILED, OK, SKIPPED, BatchReport, ItemReport, page_ocr
from ingest.sources import ItemSource, Roots, attach_sheet, discover

log = logging.getLogger(__name__)


@dataclass
class _Job:
    """An item whose pages are in the pool."""
    plan: ItemPlan
    report: ItemReport
    meta: SheetRow | None
    collection: str | None
    languages: str | None
    futures: list[Future[PageOutcome]] = field(default_factory=list)
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    remaining: int = 0
    error: str | None = None
    finished: bool = False


def run_batch(paths: Sequence[str | Path], *, store: ObjectStore, catalog: Catalog, engine: OcrEngine,
              options: IngestOptions, sheet: str | Path | None = None, collection: str | None = None,
              languages: str | None = None, publish: bool = False, force: bool = False,
              progress: ProgressCallback | None = None) -> BatchReport:
    """Ingest every item under `paths` (folders, PDFs, images) and return the report.

    `sheet`: CSV whose rows give metadata to (and may add) items, paths relative to the sheet.
    `collection`, `languages`: batch defaults; a sheet row's or item.yaml's values win.
    The OCR model is forced by the first that is set: the item's `languages` (sheet row or
    item.yaml), the batch's `languages`, the item's collection (`Catalog.collection_languages`),
    `options.ocr_languages` when `options.model_choice == "fixed"`; else `ocr.select` chooses per page.
    Raises SheetError when the sheet as a whole is unusable (nothing is stored then).
    """
    started = time.monotonic()
    given = [Path(p) for p in paths]
    sheet_path = Path(sheet) if sheet is not None else None
    roots = Roots(given or ([sheet_path.parent] if sheet_path else []))
    sources = discover(given, roots)
    if sheet_path is not None:
        sources = attach_sheet(sources, read_sheet_rows(sheet_path), sheet_path.parent, roots)
    report = BatchReport()
    jobs: list[_Job] = []
    seen: dict[str, str] = {}
    forcing = _Forcing(catalog, options, languages or None)
    for source in sources:
        entry = _prepare(source, store=store, catalog=catalog, options=options, collection=collection,
                         forcing=forcing, force=force, seen=seen)
        report.items.append(entry.report if isinstance(entry, _Job) else entry)
        if isinstance(entry, _Job):
            jobs.append(entry)
    meter = Meter(sum(len(j.plan.tasks) for j in jobs), len(jobs), progress)
    if jobs:
        _run_pool(jobs, store=store, catalog=catalog, engine=engine, options=options, publish=publish,
                  meter=meter)
    report.seconds = time.monotonic() - started
    return report


class _Forcing:
    """Which setting forces an item's OCR model: item > batch > collection > fixed configuration.

    The catalog is asked once per collection; a catalog without `collection_languages` forces nothing.
    """

    def __init__(self, catalog: Catalog, options: IngestOptions, batch: str | None) -> None:
        self.catalog, self.options, self.batch = catalog, options, batch
        self.collections: dict[str, str | None] = {}

    def collection_languages(self, collection_id: str) -> str | None:
        if collection_id not in self.collections:
            ask = getattr(self.catalog, "collection_languages", None)
            self.collections[collection_id] = (ask(collection_id) or None) if ask is not None else None
        return self.collections[collection_id]

    def for_item(self, meta: SheetRow | None, where: str, collection: str | None) -> tuple[str | None, str | None]:
        """(forced value, the setting that forced it) or (None, None); the value is not checked yet."""
        if meta is not None and meta.languages:
            value, by = meta.languages, f"item ({where or 'item.yaml'})"
        elif self.batch:
            value, by = self.batch, "batch"
        elif collection and self.collection_languages(collection):
            value, by = self.collection_languages(collection), f"collection {collection!r}"
        elif self.options.model_choice == "fixed":
            value, by = self.options.ocr_languages, "configuration (ocr.model_choice: fixed)"
        else:
            return None, None
        return value, by


def _prepare(source: ItemSource, *, store: ObjectStore, catalog: Catalog, options: IngestOptions,
             collection: str | None, forcing: _Forcing, force: bool,
             seen: dict[str, str]) -> _Job | ItemReport:
    """Plan one item; a failure here (bad file, bad metadata) fails the item before any page work."""
    failed = ItemReport(source.name, FAILED, warnings=[f"ignored: {n}" for n in source.ignored])
    if source.error:
        failed.error = source.error
        return failed
    problem = meta_error(source.meta, source.meta_where)
    if problem:
        failed.error = problem
        return failed
    meta = source.meta
    item_collection = (meta.collection if meta else None) or collection
    item_languages, forced_by = forcing.for_item(meta, source.meta_where, item_collection)
    if item_languages is not None:
        try:
            item_languages = check_forced(item_languages)
        except UnknownModel as exc:
            failed.error = f"{source.name}: OCR model set by {forced_by}: {exc}"
            return failed
    try:
        plan = plan_item(source, options, forced=item_languages, force=force, forced_by=forced_by)
    except IngestError as exc:
        failed.error = str(exc)
        return failed
    failed.item_id = plan.item_id
    if plan.item_id in seen:
        return ItemReport(source.name, SKIPPED, plan.item_id, len(plan.tasks),
                          error=f"same content as {seen[plan.item_id]} in this batch")
    seen[plan.item_id] = source.name
    status = catalog.item_status(plan.item_id)
    if status is not None and not force:
        return ItemReport(source.name, SKIPPED, plan.item_id, len(plan.tasks), catalog_status=status)
    try:
        _store_source_masters(plan, store)
    except (StorageError, PageFailed) as exc:
        failed.error = str(exc)
        return failed
    # FAILED until `_finish` registers it: an item the run never finished must not read as ok.
    item_report = ItemReport(source.name, FAILED, plan.item_id, len(plan.tasks), warnings=failed.warnings)
    return _Job(plan, item_report, meta, item_collection, item_languages, remaining=len(plan.tasks))


def _store_source_masters(plan: ItemPlan, store: ObjectStore) -> None:
    """PDFs and multi-page TIFFs are kept once, unchanged, by this process (not by every page)."""
    for f in plan.files:
        if f.master_key is not None:
            store_master(store, f.master_key, f.file.path, f.sha256, f.file.name)


def _run_pool(jobs: list[_Job], *, store: ObjectStore, catalog: Catalog, engine: OcrEngine,
              options: IngestOptions, publish: bool, meter: Meter) -> None:
    pages = sum(len(j.plan.tasks) for j in jobs)
    workers = max(1, min(options.worker_count(os.cpu_count()), pages))
    # forkserver, not fork: forking a process whose libvips (or a web server's) threads hold locks
    # can deadlock the children. Workers get only the engine; storage stays in this process.
    context = multiprocessing.get_context("forkserver")
    # The forkserver imports the page step (libvips, lxml, Pillow, ocr/) once and every worker is
    # forked from it with them loaded, instead of each worker importing them again. Safe: loading
    # libvips starts no thread, and the forkserver never runs libvips. Only takes effect when this
    # process starts its forkserver ('__main__' is multiprocessing's default entry: it preloads a
    # script such as the `olketanu` command, which workers then do not import again; a program run
    # as `python -m pkg.module` is re-run by every worker, one run as `python -m pkg` is not).
    context.set_forkserver_preload(["__main__", "ingest.page_step"])
    owner: dict[Future[PageOutcome], tuple[_Job, PageTask, str]] = {}
    with tempfile.TemporaryDirectory(prefix="olketanu-spool-") as spool_root, \
            ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker,
                                initargs=(engine, os.getpid())) as pool:
        for job in jobs:
            for task in job.plan.tasks:
                if job.error is None:
                    _submit(job, task, pool, owner, spool_root, store, meter)
                else:
                    job.remaining -= 1
            if job.remaining == 0:
                _finish(job, store=store, catalog=catalog, options=options, publish=publish, meter=meter)
        for future in as_completed(owner):
            job, task, spool = owner[future]
            if future.cancelled():
                continue
            job.remaining -= 1
            _collect(job, task, future, store, meter)
            clear_spool(spool)
            if job.remaining == 0:
                _finish(job, store=store, catalog=catalog, options=options, publish=publish, meter=meter)
    for job in jobs:
        # Every page came back or was cancelled, so every item was finished; if one was not,
        # a count went wrong: report it rather than leave the item looking ok.
        if not job.finished:
            job.report.status = FAILED
            job.report.error = f"{job.report.source}: internal error (pages left unaccounted for); see the log"
            log.error("item %s not finished: %d pages unaccounted for", job.report.source, job.remaining)


def _submit(job: _Job, task: PageTask, pool: ProcessPoolExecutor,
            owner: dict[Future[PageOutcome], tuple[_Job, PageTask, str]], spool_root: str,
            store: ObjectStore, meter: Meter) -> None:
    """Send one page to the pool, unless a previous run already stored it."""
    try:
        cached = reusable_page(store, task)
        if cached is None and derivatives_stored(store, task):
            task = replace(task, reuse_derivatives=True)
    except StorageError as exc:
        job.error = f"{task.source_name}: storage failed ({exc})"
        job.remaining -= 1
        return
    if cached is not None:
        job.records[task.seq] = cached
        job.report.pages_reused += 1
        job.remaining -= 1
        meter.page(job.report.source)
        return
    spool = os.path.join(spool_root, f"{task.item_id}-{task.seq:05d}")
    future = pool.submit(run_page, task, spool)
    job.futures.append(future)
    owner[future] = (job, task, spool)


def _collect(job: _Job, task: PageTask, future: Future[PageOutcome], store: ObjectStore, meter: Meter) -> None:
    try:
        outcome = future.result()
    except BrokenProcessPool:
        _fail(job, f"{task.source_name}: a worker process died (out of memory or killed)")
        return
    except Exception as exc:  # a bug in a step: fail this item loudly, keep the batch going
        log.error("page %s failed unexpectedly", task.source_name, exc_info=exc)
        _fail(job, f"{task.source_name}: internal error ({type(exc).__name__}: {exc}); see the log")
        return
    if outcome.error is not None:
        _fail(job, outcome.error)
        return
    if job.error is not None:
        return  # the item failed meanwhile: do not store pages nobody will reference
    try:
        job.records[task.seq] = store_page(store, task, outcome)
    except (StorageError, PageFailed) as exc:
        _fail(job, str(exc) if isinstance(exc, PageFailed) else f"{task.source_name}: storage failed ({exc})")
        return
    meter.page(job.report.source)


def _fail(job: _Job, message: str) -> None:
    if job.error is None:
        job.error = message
    # Pages not started yet are not worth doing: the item fails anyway.
    for other in job.futures:
        # cancel() is also True for a future cancelled before: count each one once.
        if not other.cancelled() and other.cancel():
            job.remaining -= 1


def _merge_limits(options: IngestOptions, pages: int) -> Limits:
    # Joining page PDFs is linear in the page count; allow a second per page on top of a render's time.
    return Limits(options.pdf_timeout_s + pages, options.tool_memory_mb)


def _finish(job: _Job, *, store: ObjectStore, catalog: Catalog, options: IngestOptions, publish: bool,
            meter: Meter) -> None:
    job.finished = True
    report = job.report
    left = len(job.plan.tasks) - len(job.records)
    if job.error is not None:
        report.status, report.error = FAILED, job.error
        meter.item(report.source, pages_left=left)
        return
    meta = job.meta
    record = meta.record if meta is not None and not meta.record.is_empty() else default_record(report.source)
    try:
        finished = finish_item(job.plan, list(job.records.values()), store=store, catalog=catalog,
                               record=record, collection=job.collection, languages=job.languages,
                               publish=publish, limits=_merge_limits(options, len(job.records)),
                               catalogue_ref=meta.catalogue if meta else None,
                               access=meta.access if meta else None)
    except Exception as exc:  # storage, PDF merge or the catalog refusing: this item fails, others go on
        log.error("finishing %s failed", report.source, exc_info=exc)
        report.status, report.error = FAILED, f"{report.source}: cannot be registered ({exc})"
        meter.item(report.source)
        return
    pages = finished.item.pages
    confidences = [p.ocr_confidence for p in pages if p.ocr_confidence is not None]
    report.mean_confidence = round(sum(confidences) / len(confidences), 2) if confidences else None
    report.flagged_pages = [{"seq": p.seq, "confidence": p.ocr_confidence} for p in pages if p.ocr_flagged]
    report.ocr = [page_ocr(p.seq, p.ocr_model, p.ocr_confidence, p.ocr_flagged, p.ocr_evidence) for p in pages]
    report.catalog_status = finished.status
    report.status = OK
    meter.item(report.source)
