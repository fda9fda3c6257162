"""`olketanu worker`: run ingest and re-OCR jobs from the task queue in this process.

With the embedded default (SQLite queue) `olketanu serve` already runs one worker thread, so this is
for more workers, or for the Redis queue with workers on several machines (which then must share
`<data_dir>/uploads/`, where web uploads wait, and of course the database and the store).
Stale jobs (their worker died) are put back on the queue between jobs. SIGTERM or Ctrl-C lets the
current job finish, then the worker stops.
"""
from __future__ import annotations

import threading

import click

from repository.cli import CliState, pass_state


@click.command()
@click.option("--jobs", "stop_after", type=click.IntRange(1), help="Stop after this many jobs (default: run until stopped).")
@click.option("--poll", "poll_s", type=click.FloatRange(0.1, 60), default=1.0, show_default=True,
              help="Seconds to wait for a job before looking again.")
@pass_state
def worker(state: CliState, stop_after: int | None, poll_s: float) -> None:
    """Run background jobs (uploads, re-OCR) from the configured task queue."""
    from repository.jobs import work, worker_id
    from repository.search.service import attach

    services = state.services
    search = attach(services)  # this process's commits must reach the search index too
    queue = services.open_queue()
    name = worker_id()
    click.echo(f"worker {name} on the {state.config.get('queue', 'backend')} queue; Ctrl-C or SIGTERM stops it")
    stop = threading.Event()
    try:
        handled = work(services, queue, name, stop, poll_s=poll_s, stop_after=stop_after)
    except KeyboardInterrupt:
        click.echo("interrupted")
        return
    finally:
        search.close()
    click.echo(f"worker {name} stopped after {handled} job(s)")


def register(group: click.Group) -> None:
    group.add_command(worker)
