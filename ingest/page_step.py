"""One page: validate → master → derivatives → OCR → stored outputs.

Split in two halves:
- `run_page` runs in a worker process and only computes: it checks the file, renders a PDF page
  (one page, in the worker: no process holds a whole PDF), makes the access pyramid and thumbnail,
  runs OCR, and leaves every output as a file in the page's spool folder.
- `store_page` runs in the batch's main process: it stores the master (unchanged, checksum
  verified) and the outputs, and writes `page.json` last.
Workers therefore never need the object store (an S3 client cannot be sent to another process),
and the process pool can start workers with `forkserver` instead of forking a parent whose
libvips and other threads may hold locks.

Resumable by content: `page.json` records what the page was made from; a re-run that finds a
matching one (and its objects) reuses the page without sending it to a worker, and one that finds
only the derivatives (killed half-way) skips making them again.
"""
from __future__ import annotations

import json
import logging
import multiprocessing.util
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr.base import OcrEngine, OcrError
from ocr.select import choose_and_recognise
from storage.base import ObjectStore

from ingest import keys
from ingest.derivatives import is_plain, load_page, make_access, make_thumb, normalise, write_ocr_input
from ingest.errors import IngestError, PageFailed
from ingest.pdfrender import page_text, render_page
from ingest.plan import PageTask, limits
from ingest.validate import FORMATS, Format, check_file, read_header, verify_decode, verify_jpeg_strict

log = logging.getLogger(__name__)

DERIVATIVES = ("access.tif", "thumb.jpg")
OCR_OUTPUTS = ("alto.xml", "text.txt", "page.pdf")

# A page decoded for the strict check is kept in memory for the access copy when its pixels fit in
# this (a 300 dpi A3 colour scan is ~50 MiB); larger pages are decoded twice, streaming.
KEEP_DECODED_BYTES = 96 * 2**20

# Set once per worker process by `init_worker` (the pool's initializer).
_WORKER: dict[str, Any] = {}


def init_worker(engine: OcrEngine, batch_pid: int) -> None:
    # One Tesseract thread per worker: the pool already uses every core (the Tesseract backend
    # sets this for its own children too; this covers anything else using OpenMP here).
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _WORKER["engine"] = engine
    # Pool workers end without running atexit handlers; multiprocessing's finalizers do run, and
    # closing here reaps the engine's helper process (its CPU time then counts as this worker's).
    multiprocessing.util.Finalize(None, engine.close, exitpriority=10)
    # A batch killed outright (kill -9) leaves forkserver workers waiting for work forever: end
    # this worker when the batch process is gone.
    threading.Thread(target=_exit_with, args=(batch_pid,), daemon=True, name="batch-watch").start()


def _exit_with(batch_pid: int, every_s: float = 2.0) -> None:
    while True:
        time.sleep(every_s)
        try:
            os.kill(batch_pid, 0)
        except ProcessLookupError:
            os._exit(3)


@dataclass(frozen=True)
class PageOutcome:
    """What a worker sends back (small and picklable): the page record and the files to store,
    or the reason the page failed."""
    item_id: str
    seq: int
    page: dict[str, Any] | None
    files: dict[str, str] = field(default_factory=dict)  # storage key -> file in the spool folder
    error: str | None = None


def run_page(task: PageTask, spool: str) -> PageOutcome:
    """Pool entry point. Expected failures become an outcome naming the file and the cause."""
    folder = Path(spool)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page, files = make_page(task, _WORKER["engine"], folder)
    except IngestError as exc:
        return PageOutcome(task.item_id, task.seq, None, error=_with_page(str(exc), task))
    except OcrError as exc:  # raised outside `_ocr` (e.g. by a check in ocr/ before recognising)
        return PageOutcome(task.item_id, task.seq, None, error=f"{task.source_name}: OCR failed ({exc})")
    return PageOutcome(task.item_id, task.seq, page, files)


def _with_page(message: str, task: PageTask) -> str:
    # Messages name the file; for a page of a PDF or multi-page TIFF, name the page too.
    if task.count > 1 and message.startswith(task.file_name + ":") and "page " not in message:
        return f"{task.source_name}:{message[len(task.file_name) + 1:]}"
    return message


def make_page(task: PageTask, engine: OcrEngine, spool: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Compute everything for one page into `spool`; returns the record and {key: file}."""
    options = task.options
    source = Path(task.file_path)
    fmt = check_file(source, task.file_name, max_bytes=options.max_bytes)
    if fmt.name != task.fmt:
        raise PageFailed(task.source_name, "file changed while the batch was running")
    files: dict[str, str] = {}
    if fmt.name == "pdf":
        image_path = render_page(source, task.file_name, task.index + 1, spool / "render",
                                 dpi=options.pdf_dpi, max_pixels=options.max_pixels,
                                 quality=options.pdf_render_quality, limits=limits(options))
        hint = page_text(source, task.file_name, task.index + 1, limits(options)) if options.keep_pdf_text else ""
        if hint:
            (spool / "hint.txt").write_text(hint, encoding="utf-8")
            files[keys.page_object(task.item_id, task.seq, "hint.txt")] = str(spool / "hint.txt")
        image_fmt, frame, frames = FORMATS["jpeg"], 0, 1
    else:
        image_path, image_fmt, frame, frames = source, fmt, task.index, task.count
    header = read_header(image_path, task.source_name, image_fmt, max_pixels=options.max_pixels,
                         max_png_text=options.max_png_text_kb * 1024, page=frame)
    if image_fmt.name == "jpeg" and fmt.name != "pdf":
        verify_jpeg_strict(image_path, task.source_name)
    # Decoded once: the strict check keeps an ordinary page in memory for the access copy.
    decoded = verify_decode(image_path, task.source_name, image_fmt, page=frame,
                            keep_bytes=0 if task.reuse_derivatives else KEEP_DECODED_BYTES)
    if task.count == 1 and fmt.name != "pdf":
        files[task.master_key] = str(source)  # stored by the main process, checksum verified
    upright = normalise(load_page(image_path, task.source_name, image_fmt, page=frame,
                                  orientation=header.orientation, decoded=decoded))
    # Size of the upright page, from the header: the ALTO boxes refer to it.
    width, height = upright.width, upright.height
    if not task.reuse_derivatives:
        make_access(upright, spool / "access.tif", task.source_name, quality=options.access_quality)
        make_thumb(spool / "access.tif", spool / "thumb.jpg", size=options.thumb_size)
        for name in DERIVATIVES:
            files[keys.page_object(task.item_id, task.seq, name)] = str(spool / name)
    del upright, decoded  # the pixels are not needed during OCR
    ocr_input = _ocr_input(task, image_path, image_fmt, header.orientation, frame, frames, spool)
    record = _ocr(task, engine, ocr_input, spool, files)
    record.update(
        seq=task.seq, label=str(task.seq), source_name=task.source_name, fingerprint=task.fingerprint,
        master_key=task.master_key, master_sha256=task.file_sha256, master_mime=fmt.mime,
        master_size=os.stat(source).st_size,
        access_key=keys.page_object(task.item_id, task.seq, "access.tif"),
        thumb_key=keys.page_object(task.item_id, task.seq, "thumb.jpg"),
        width=width, height=height,
        hint_key=keys.page_object(task.item_id, task.seq, "hint.txt") if (spool / "hint.txt").exists() else None,
    )
    return record, files


def _ocr_input(task: PageTask, image_path: Path, fmt: Format, orientation: int, frame: int, frames: int,
               spool: Path) -> Path:
    """The master itself when Tesseract reads it as is (so OCR sees exactly what raw Tesseract
    would); otherwise a lossless upright 8-bit copy."""
    image = load_page(image_path, task.source_name, fmt, page=frame, orientation=orientation)
    if is_plain(image, fmt, orientation, frames):
        return image_path
    return write_ocr_input(normalise(image), spool / "ocr.png", task.source_name)


def _ocr(task: PageTask, engine: OcrEngine, image: Path, spool: Path, files: dict[str, str]) -> dict[str, Any]:
    options = task.options
    try:
        result, choice = choose_and_recognise(engine, image, task.forced, options.ocr_timeout_s,
                                              forced_by=task.forced_by)
    except OcrError as exc:
        # ocr/ names the file it was given, which may be our temporary copy: name the source instead.
        cause = str(exc).removeprefix(f"{image.name}: ")
        raise PageFailed(task.source_name, f"OCR failed ({cause})") from exc
    outputs = {"alto.xml": result.alto, "text.txt": result.text.encode("utf-8"), "page.pdf": result.pdf}
    for name, data in outputs.items():
        (spool / name).write_bytes(data)
        files[keys.page_object(task.item_id, task.seq, name)] = str(spool / name)
    # None: no words on the page (blank leaf, photograph): not flagged, there is nothing to review.
    confidence = None if result.mean_confidence is None else round(float(result.mean_confidence), 2)
    evidence = dict(choice.evidence)
    evidence["reason"] = choice.reason
    return {
        "alto_key": keys.page_object(task.item_id, task.seq, "alto.xml"),
        "text_key": keys.page_object(task.item_id, task.seq, "text.txt"),
        "pdf_key": keys.page_object(task.item_id, task.seq, "page.pdf"),
        "ocr_confidence": confidence,
        "ocr_flagged": confidence is not None and confidence < options.low_confidence,
        "ocr_model": choice.model, "ocr_languages": result.languages, "ocr_evidence": evidence,
        "word_count": result.word_count,
    }


# --- main-process half -----------------------------------------------------------------------

def reusable_page(store: ObjectStore, task: PageTask) -> dict[str, Any] | None:
    """The stored page record when a previous run finished this page from the same content."""
    if task.force:
        return None
    marker = keys.page_object(task.item_id, task.seq, "page.json")
    if not store.exists(marker):
        return None
    try:
        record = json.loads(store.get_bytes(marker))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        # A damaged marker proves nothing about the page: make it again, which rewrites the marker.
        log.warning("%s: stored %s is unreadable (%s); the page is made again", task.source_name, marker, exc)
        return None
    if not isinstance(record, dict):
        log.warning("%s: stored %s is not a page record; the page is made again", task.source_name, marker)
        return None
    if record.get("fingerprint") != task.fingerprint or record.get("master_key") != task.master_key:
        return None
    needed = [record[k] for k in ("access_key", "thumb_key", "alto_key", "text_key", "pdf_key") if record.get(k)]
    if all(store.exists(key) for key in needed + [task.master_key]):
        return record
    return None


def derivatives_stored(store: ObjectStore, task: PageTask) -> bool:
    """Access copy and thumbnail already stored (a run killed after making them)."""
    return not task.force and all(store.exists(keys.page_object(task.item_id, task.seq, n)) for n in DERIVATIVES)


def store_page(store: ObjectStore, task: PageTask, outcome: PageOutcome) -> dict[str, Any]:
    """Store the master and the outputs of a finished page, then its `page.json` (last: the marker)."""
    assert outcome.page is not None
    for key, path in outcome.files.items():
        if key == task.master_key:
            store_master(store, task.master_key, task.file_path, task.file_sha256, task.source_name)
        else:
            store.put_file(key, path)
    marker = keys.page_object(task.item_id, task.seq, "page.json")
    store.put_bytes(marker, json.dumps(outcome.page, ensure_ascii=False, indent=1).encode("utf-8"))
    return outcome.page


def store_master(store: ObjectStore, key: str, path: str | Path, sha256: str, name: str) -> None:
    """The file itself, byte for byte, checked against the `sha256` it was planned with; an object
    already stored under `key` with that checksum is kept. `name` is what the error calls the file."""
    if store.exists(key) and store.stat(key).sha256 == sha256:
        return
    info = store.put_file(key, path)
    if info.sha256 != sha256:
        raise PageFailed(name, "file changed while the batch was running (checksum differs)")


def clear_spool(spool: str) -> None:
    shutil.rmtree(spool, ignore_errors=True)  # temporary outputs; a leftover is harmless
