"""`olketanu ingest` (a batch of folders/PDFs/images, optionally with a metadata sheet) and
`olketanu demo` (a working instance with a few generated items, in one command).

Both run the batch in this process through `repository.jobs.build_pipeline`, the same wiring the
background worker uses, with a tqdm bar on stderr (pages, pages/s, ETA) and the batch report on stdout.
The exit status is 1 when any item failed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from repository.cli import CliState, pass_state

DEMO_COLLECTIONS: dict[str, dict[str, Any]] = {
    # The collections the demo sheet (ingest.samplepages.DEMO_ROWS) files its items under.
    "olketanu": {"title": {"kk-Cyrl": ["Өлкетану"], "ru": ["Краеведение"], "en": ["Local history"]}},
    "gazetter": {"title": {"kk-Cyrl": ["Газеттер"], "ru": ["Газеты"], "en": ["Newspapers"]}, "parent": "olketanu"},
}


def run_ingest(state: CliState, paths: list[Path], *, sheet: Path | None, collection: str | None,
               languages: str | None, publish: bool, force: bool, show_progress: bool = True) -> Any:
    """The batch with a progress bar; search is attached so that published items get indexed."""
    # Imported here: the pipeline loads libvips, which `--help` and other commands do not need.
    from ingest.jobs import ingest
    from ingest.progress import TqdmProgress
    from repository.jobs import build_pipeline
    from repository.search.service import attach

    services = state.services
    search = attach(services)
    try:
        pipeline = build_pipeline(services, actor="cli")
        with TqdmProgress(desc="ingest", disable=not show_progress) as bar:
            return ingest(pipeline, paths, sheet=sheet, collection=collection, languages=languages,
                          publish=publish, force=force, progress=bar)
    finally:
        search.close()


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV metadata sheet; its paths are relative to the sheet's folder.")
@click.option("--collection", help="Collection id for items the sheet does not place.")
@click.option("--lang", "languages", help="Force the OCR model, e.g. kaz+rus or ru_prereform (default: chosen per page).")
@click.option("--publish", is_flag=True, help="Publish items whose metadata is complete (others stay drafts).")
@click.option("--force", is_flag=True, help="Process items again even when they were ingested before.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@pass_state
@click.pass_context
def ingest_command(ctx: click.Context, state: CliState, paths: tuple[Path, ...], sheet: Path | None,
                   collection: str | None, languages: str | None, publish: bool, force: bool, as_json: bool,
                   no_progress: bool) -> None:
    """Ingest folders (one item each), PDFs and images, with OCR, into the repository."""
    if not paths and sheet is None:
        raise click.UsageError("give at least one PATH or a --sheet")
    report = run_ingest(state, list(paths), sheet=sheet, collection=collection, languages=languages,
                        publish=publish, force=force, show_progress=not no_progress)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary())
    if not report.ok:
        ctx.exit(1)


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the demo files (default: <data_dir>/demo).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@pass_state
@click.pass_context
def demo(ctx: click.Context, state: CliState, out: Path | None, no_progress: bool) -> None:
    """Set up this instance and fill it with four generated, published demo items."""
    from repository.bootstrap import init_instance
    from repository.collections import create_collection, get_collection
    from repository.errors import NotFound

    for line in init_instance(state.config, state.services.store):
        click.echo(f"ok  {line}")
    out = out or state.config.data_dir / "demo"
    sheet = out / "sheet.csv"
    if not sheet.exists():
        # A fresh interpreter draws the pages: text rendering in a process that has loaded libvips
        # can come out garbled (a shared-library clash between Pillow's raqm and libvips).
        subprocess.run([sys.executable, "-m", "ingest.samplepages", str(out)], check=True, capture_output=True)
        click.echo(f"ok  demo pages written to {out}")
    services = state.services
    for collection_id, spec in DEMO_COLLECTIONS.items():
        with services.db.read() as session:
            try:
                get_collection(session, collection_id)
                continue
            except NotFound:
                pass  # not there yet: created below
        create_collection(services, "demo", collection_id, spec["title"], parent_id=spec.get("parent"))
        click.echo(f"ok  collection {collection_id}")
    report = run_ingest(state, [out], sheet=sheet, collection=None, languages=None, publish=True, force=False,
                        show_progress=not no_progress)
    click.echo(report.summary())
    base = state.config.get("repository", "base_url")
    click.echo(f"\nStart the site with `olketanu serve`, then browse {base}/ "
               f"(search e.g. {base}/search?q=Ертіс, collections at {base}/collections).")
    if not report.ok:
        ctx.exit(1)


def register(group: click.Group) -> None:
    group.add_command(ingest_command)
    group.add_command(demo)
