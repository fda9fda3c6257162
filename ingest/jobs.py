"""The one entry point the CLI (`olketanu ingest`) and the background job (ingest/queue worker)
both call, so a batch behaves the same whichever way it was started.

The job handler takes JSON-able params (what the web upload stores in the queue) and reports
progress as JSON-able dicts; it returns the batch report's JSON, which the queue stores.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ocr.base import OcrEngine
from storage.base import ObjectStore

from ingest.batch import run_batch
from ingest.catalog import Catalog
from ingest.errors import IngestError
from ingest.options import IngestOptions
from ingest.progress import Progress, ProgressCallback
from ingest.report import BatchReport

JobProgress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Pipeline:
    """What the repository wires once (from config) and hands to the CLI and to the worker."""
    store: ObjectStore
    catalog: Catalog
    engine: OcrEngine
    options: IngestOptions


def ingest(pipeline: Pipeline, paths: Sequence[str | Path], *, sheet: str | Path | None = None,
           collection: str | None = None, languages: str | None = None, publish: bool = False,
           force: bool = False, progress: ProgressCallback | None = None) -> BatchReport:
    """`olketanu ingest PATH... [--sheet] [--collection] [--lang] [--publish] [--force]`."""
    return run_batch(paths, store=pipeline.store, catalog=pipeline.catalog, engine=pipeline.engine,
                     options=pipeline.options, sheet=sheet, collection=collection, languages=languages,
                     publish=publish, force=force, progress=progress)


class BadJobParams(IngestError):
    """The queued job's parameters are malformed (a programming or API error, not a bad file)."""


def params_for(paths: Sequence[str | Path], *, sheet: str | Path | None = None, collection: str | None = None,
               languages: str | None = None, publish: bool = False, force: bool = False) -> dict[str, Any]:
    """The params dict a job is queued with (the inverse of `ingest_job`'s reading)."""
    return {"paths": [str(p) for p in paths], "sheet": str(sheet) if sheet else None,
            "collection": collection, "languages": languages, "publish": publish, "force": force}


def ingest_job(pipeline: Pipeline, params: Mapping[str, Any], progress: JobProgress | None = None) -> dict[str, Any]:
    """Queue worker handler: run the batch described by `params`; returns the report JSON.

    The repository binds `pipeline` (e.g. `functools.partial(ingest_job, pipeline)`) and registers
    the result as the handler of `ingest` jobs.
    """
    paths = params.get("paths")
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise BadJobParams("job params need 'paths': a list of strings")
    unknown = set(params) - {"paths", "sheet", "collection", "languages", "publish", "force"}
    if unknown:
        raise BadJobParams(f"unknown job params: {', '.join(sorted(unknown))}")

    def forward(event: Progress) -> None:
        if progress is not None:
            progress(event.to_json())

    report = ingest(pipeline, paths, sheet=params.get("sheet"), collection=params.get("collection"),
                    languages=params.get("languages"), publish=bool(params.get("publish")),
                    force=bool(params.get("force")), progress=forward)
    return report.to_json()


INGEST_JOB = "ingest"  # the queue's job kind for ingest batches


def make_handler(pipeline: Pipeline) -> Callable[[Any, JobProgress], dict[str, Any]]:
    """The queue worker's handler for `ingest` jobs: `run_worker(queue, {INGEST_JOB: make_handler(p)}, …)`.

    Takes the queue's Job (anything with `.params`) and its progress callback.
    """
    def handle(job: Any, progress: JobProgress) -> dict[str, Any]:
        return ingest_job(pipeline, job.params, progress)
    return handle
