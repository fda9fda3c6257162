"""`olketanu reindex`: rebuild a search index from the database (the index is derived data)."""
from __future__ import annotations

import click
from tqdm import tqdm

from repository.cli import CliState, pass_state
from repository.search.registry import BACKENDS


@click.command()
@click.option("--backend", type=click.Choice(sorted(BACKENDS)),
              help="Index to rebuild (default: search.backend); e.g. fill Elasticsearch before switching to it.")
@pass_state
def reindex(state: CliState, backend: str | None) -> None:
    """Clear the search index and index every published item again, with a progress bar."""
    from repository.search.service import attach

    search = attach(state.services, backend)
    try:
        total = search.published_count()
        with tqdm(total=total, unit="item", desc=f"reindex ({search.backend.name})") as bar:
            count = search.reindex(progress=bar.update)
        click.echo(f"indexed {count} published items into {search.backend.health()}")
    finally:
        search.close()


def register(group: click.Group) -> None:
    group.add_command(reindex)
