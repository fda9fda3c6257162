"""The `olketanu` command: init, serve, check, rebuild-db, user add (and commands other modules add).

Commands from other modules: list the module in COMMAND_MODULES; it defines `register(group)` that
adds its click commands (and may use `pass_state` from here).
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from repository import create_app
from repository.bootstrap import init_instance
from repository.checks import SYSTEM_CHECKS, run_checks
from repository.config import Config, load_config
from repository.db import upgrade
from repository.errors import RepositoryError
from repository.rebuild import rebuild
from repository.services import Services, build_services
from repository.users import create_user
from storage.errors import StorageError

# Modules that add commands (ingest, worker, reindex, import-marc, demo …): one line each, e.g.
# "repository.cli_ingest". Each defines `register(group: click.Group) -> None`.
COMMAND_MODULES: tuple[str, ...] = ("repository.cli_search", "repository.cli_catalogue", "repository.cli_ingest",
                                     "repository.cli_worker")


@dataclass
class CliState:
    """Config and services, loaded on first use so that `--help` works with a broken config."""

    config_path: Path | None
    _config: Config | None = None
    _services: Services | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.config)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


pass_state = click.make_pass_decorator(CliState)


class Group(click.Group):
    """Expected failures (bad config, storage or database unreachable) print one line and exit 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except RepositoryError as exc:
            raise click.ClickException(exc.message) from exc
        except StorageError as exc:
            raise click.ClickException(f"storage: {exc}") from exc
        except OperationalError as exc:
            raise click.ClickException(f"database: {str(exc.orig or exc).strip()}") from exc


@click.group(cls=Group)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="config.yaml to read (default: $OLKETANU_CONFIG, else ./config.yaml if present).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Ölketanu: digital archive and local-history repository."""
    state = CliState(config_path)
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@pass_state
def init(state: CliState) -> None:
    """Create the data folder, the database schema, the storage root or bucket and the secret key."""
    for line in init_instance(state.config, state.services.store):
        click.echo(f"ok  {line}")


@cli.command()
@click.option("--host", help="Address to listen on (default: server.host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: server.port).")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Run one background job worker thread (uploads, re-OCR) in this process.")
@pass_state
def serve(state: CliState, host: str | None, port: int | None, worker: bool) -> None:
    """Serve the app with the development server (threaded); use gunicorn in production.

    With --worker (the default) one thread runs the ingest jobs staff upload; for more, or with the
    Redis queue, run `olketanu worker` processes (and `serve --no-worker`, or gunicorn, for the web).
    """
    app = create_app(state.config)
    if worker:
        from repository.jobs import start_background_worker

        start_background_worker(app.extensions["olketanu"])
    app.run(host=host or state.config.get("server", "host"), port=port or state.config.get("server", "port"),
            threaded=True, use_reloader=False)


@cli.command()
@pass_state
def check(state: CliState) -> None:
    """Check every component and say what is missing and how to install it."""
    components = run_checks(SYSTEM_CHECKS, state.services)
    for c in components:
        mark = "ok" if c.ok else ("MISSING" if c.required else "warning")
        line = f"{mark:8} {c.name}" + (f" {c.version}" if c.version else "") + (f" — {c.detail}" if c.detail else "")
        click.echo(line)
        if not c.ok and c.fix:
            click.echo(f"         fix: {c.fix}")
    failing = [c.name for c in components if c.required and not c.ok]
    if failing:
        raise click.ClickException(f"missing or failing: {', '.join(failing)}")
    click.echo("everything required is present")


@cli.command("rebuild-db")
@pass_state
def rebuild_db(state: CliState) -> None:
    """Rebuild items and collections of an empty database from storage (item.json files)."""
    upgrade(state.config.database_url)
    report = rebuild(state.services, progress=lambda text: click.echo(f"... {text}", err=True))
    click.echo(f"rebuilt {report.collections} collections, {report.items} items, {report.pages} pages")


@cli.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "staff"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@pass_state
def user_add(state: CliState, username: str, role: str, password_stdin: bool) -> None:
    """Create a staff account (the password is prompted for unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    create_user(state.services, "cli", username, password, role)
    click.echo(f"created {role} {username}")


def build_cli() -> click.Group:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli)
    return cli


def main() -> None:
    build_cli()(prog_name="olketanu")
