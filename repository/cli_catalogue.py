"""`olketanu import-marc FILE...`: import general-catalogue records from MARC21/UNIMARC files."""
from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from repository.catalogue import DEFAULT_BATCH, import_files
from repository.cli import CliState, pass_state
from repository.marc_import import ENCODINGS, FORMAT_CHOICES


@click.command("import-marc")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True,
              help="MARC21 or UNIMARC/RUSMARC; auto decides per record (245/008 vs 200).")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True,
              help="auto: leader/09 'a' is UTF-8, UNIMARC 100 $a/26-27 is obeyed, otherwise UTF-8 or "
                   "Windows-1251 are recognised by their bytes and the rest is MARC-8. A named encoding "
                   "applies to every record (cp1251 for Russian exports, kz1048 for Kazakh ones).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=DEFAULT_BATCH, show_default=True,
              help="Records per database transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-index", is_flag=True, help="Do not update the search index now (the outbox keeps the work).")
@pass_state
def import_marc(state: CliState, files: tuple[Path, ...], fmt: str, encoding: str, batch_size: int,
                as_json: bool, no_index: bool) -> None:
    """Import catalogue records from ISO 2709 or MARCXML files, streaming and incrementally.

    A record with a known control number (001) is updated only when it changed; one marked deleted
    (leader/05 'd') is withdrawn; a broken record is reported with its number and skipped.
    """
    services = state.services
    search = None
    if not no_index:
        from repository.search.service import attach

        search = attach(services)
    try:
        with tqdm(unit=" records", desc="import-marc", disable=None) as bar:
            report = import_files(services, "cli", files, fmt, encoding, batch_size, progress=bar.update)
    finally:
        if search is not None:
            search.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            click.echo(line)


def register(group: click.Group) -> None:
    group.add_command(import_marc)
