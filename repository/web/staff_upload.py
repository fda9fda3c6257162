"""Staff upload and jobs: files or a zip (plus an optional metadata sheet) become an ingest job.

The upload is written to a private staging folder (see `staff_files` for the rules), then queued
(`repository.jobs.enqueue_upload`), which moves it to `<data_dir>/uploads/<job-id>/`. The job page
refreshes itself (a `<meta http-equiv=refresh>`, no script) until the job is done, then shows the
batch report. Who runs the job: the worker thread of `olketanu serve`, or `olketanu worker` processes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from repository.collections import list_collections
from repository.errors import NotFound
from repository.jobs import enqueue_upload, new_staging_dir
from repository.services import current_services
from repository.web.display import map_text
from repository.web.i18n import current_locale
from repository.web.staff import actor, with_english
from repository.web.staff_files import Budget, UploadRefused, discard, extract_zip, safe_name, unique_path, write_stream

JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
REFRESH_S = 2
# Offered in the form (free text is accepted too): ocr.select profiles, then plain Tesseract models.
OCR_CHOICES = ("kk_cyrl", "kk_latn", "ru_modern", "ru_prereform", "mixed", "kaz+rus", "kaz+rus+eng", "rus", "eng")
TITLE_LANGS = ("kk-Cyrl", "kk-Latn", "ru", "en")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/upload", view_func=upload_form, methods=["GET"])
    bp.add_url_rule("/upload", view_func=upload_submit, methods=["POST"], endpoint="upload_submit")
    bp.add_url_rule("/jobs", view_func=jobs_index)
    bp.add_url_rule("/jobs/<job_id>", view_func=job_page)


def collection_choices() -> list[tuple[str, str]]:
    locale = current_locale()
    with current_services().db.read() as session:
        return [(c.id, map_text(c.title, locale)[0] or c.id) for c in list_collections(session)]


def _render_form(error: str | Markup | None, form: dict[str, Any], status: int = 200) -> tuple[str, int]:
    return render_template("staff/upload.html", error=error, form=form, collections=collection_choices(),
                           ocr_choices=OCR_CHOICES, title_langs=TITLE_LANGS), status


def upload_form() -> tuple[str, int]:
    return _render_form(None, {"publish": False, "title_lang": "kk-Cyrl"})


def upload_submit() -> Response | tuple[str, int]:
    services = current_services()
    form = {k: request.form.get(k, "").strip() for k in ("collection", "languages", "title", "title_lang")}
    form["publish"] = request.form.get("publish") == "on"
    files = [f for f in request.files.getlist("files") if f.filename]
    archive = request.files.get("archive")
    archive = archive if archive is not None and archive.filename else None
    sheet = request.files.get("sheet")
    sheet = sheet if sheet is not None and sheet.filename else None
    if not files and archive is None:
        return _render_form(_("Choose page files or a zip to upload."), form, 400)
    if form["title_lang"] and form["title_lang"] not in TITLE_LANGS:
        return _render_form(_("The title language must be one of %(langs)s.", langs=", ".join(TITLE_LANGS)), form, 400)
    config = services.config
    budget = Budget(config.get("web", "upload_max_mb") * 1024 * 1024, config.get("web", "upload_max_files"))
    staging = new_staging_dir(config)
    try:
        paths, sheet_path = save_upload(staging, files, archive, sheet, form, budget)
    except UploadRefused as exc:
        discard(staging)
        return _render_form(with_english(_("Not uploaded: %(reason)s"), reason=exc.message), form, 400)
    except BaseException:
        discard(staging)  # nothing half-written stays behind; the error itself goes on to the error page
        raise
    job_id = enqueue_upload(services, actor(), staging, paths, sheet=sheet_path,
                            collection=form["collection"] or None, languages=form["languages"] or None,
                            publish=form["publish"])
    return redirect(url_for("staff.job_page", job_id=job_id))


def save_upload(staging: Path, files: list[FileStorage], archive: FileStorage | None, sheet: FileStorage | None,
                form: dict[str, Any], budget: Budget) -> tuple[list[str], str | None]:
    """Write the upload under `staging`; returns the batch paths and the sheet, relative to it.

    Loose files make one item in a folder named after the first file (an optional title goes into an
    `item.yaml` beside them); a zip is unpacked into a folder named after it, whose sub-folders are
    items. A sheet lands in the zip's folder (its paths are relative to itself), else in the files'.
    """
    paths: list[str] = []
    sheet_folder: Path | None = None
    if files:
        folder = unique_path(staging, Path(safe_name(files[0].filename or "", "pages")).stem or "pages")
        folder.mkdir()
        for upload in files:
            name = safe_name(upload.filename or "")
            write_stream(upload.stream, unique_path(folder, name), budget, name)
        if form.get("title"):
            value = {"value": form["title"], **({"lang": form["title_lang"]} if form.get("title_lang") else {})}
            item_yaml = {"title": [value]}
            (folder / "item.yaml").write_text(yaml.safe_dump(item_yaml, allow_unicode=True), encoding="utf-8")
        paths.append(folder.name)
        sheet_folder = folder
    if archive is not None:
        name = safe_name(archive.filename or "", "upload.zip")
        if not name.lower().endswith(".zip"):
            raise UploadRefused(f"{name} is not a .zip file")
        kept = staging / ".archive.zip"
        used = (budget.bytes_used, budget.files_used)
        write_stream(archive.stream, kept, budget, name)
        budget.bytes_used, budget.files_used = used  # the limits are on what the zip unpacks to
        folder = unique_path(staging, Path(name).stem or "upload")
        folder.mkdir()
        written = extract_zip(kept, folder, budget)
        kept.unlink()
        if not written:
            raise UploadRefused(f"{name} holds no files")
        paths.append(folder.name)
        sheet_folder = folder
    sheet_rel = None
    if sheet is not None:
        name = safe_name(sheet.filename or "", "sheet.csv")
        if not name.lower().endswith(".csv"):
            raise UploadRefused(f"the metadata sheet must be a .csv file, not {name}")
        assert sheet_folder is not None
        target = unique_path(sheet_folder, name)
        write_stream(sheet.stream, target, budget, name)
        sheet_rel = str(target.relative_to(staging))
    return paths, sheet_rel


# --- jobs -------------------------------------------------------------------------------------


def jobs_index() -> str:
    from repository.web.staff import recent_jobs

    jobs, queue_error = recent_jobs(50)
    return render_template("staff/jobs.html", jobs=jobs, queue_error=queue_error)


def job_page(job_id: str) -> str:
    from ingest.queue import JobNotFound

    if JOB_ID.fullmatch(job_id) is None:
        raise NotFound(f"no job {job_id!r}")
    try:
        job = current_services().open_queue().get(job_id)
    except JobNotFound:
        raise NotFound(f"no job {job_id!r}") from None
    running = job.state in ("queued", "running")
    return render_template("staff/job.html", job=job, running=running, refresh_s=REFRESH_S if running else None,
                           progress=job.progress or {}, report=job.report)
