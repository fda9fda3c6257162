"""The `olketanu` command: init, check, user add, rebuild-db, and config errors in a real subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from repository.catalog_adapter import RepositoryCatalog
from repository.cli import build_cli
from repository.config import load_config
from repository.models import User
from repository.services import build_services
from tests.repository.conftest import ingested

SCRIPT = Path(sys.executable).with_name("olketanu")


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("repository:\n  data_dir: data\n", encoding="utf-8")
    return path


def run(config_file: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(build_cli(), ["--config", str(config_file), *args], input=input)


def test_init_creates_database_storage_and_secret(config_file, tmp_path):
    result = run(config_file, "init")
    assert result.exit_code == 0, result.output
    data = tmp_path / "data"
    assert (data / "olketanu.db").is_file() and (data / "storage").is_dir()
    assert (data / "secret_key").stat().st_mode & 0o077 == 0
    assert run(config_file, "init").exit_code == 0  # idempotent


def test_check_reports_each_component(config_file):
    run(config_file, "init")
    result = run(config_file, "check")
    for name in ("Python", "tesseract", "poppler", "libvips", "database", "storage", "Mirador"):
        assert name in result.output
    missing = [line for line in result.output.splitlines() if line.startswith("MISSING")]
    # Exit status follows what is actually installed here: non-zero exactly when something is missing.
    assert (result.exit_code != 0) == bool(missing), result.output
    if missing:
        assert "fix:" in result.output


def test_check_names_an_uninitialised_database(config_file):
    result = run(config_file, "check")
    assert result.exit_code != 0
    assert "olketanu init" in result.output


def test_user_add(config_file):
    run(config_file, "init")
    result = run(config_file, "user", "add", "aigul", "--role", "admin", "--password-stdin",
                 input="a long enough password\n")
    assert result.exit_code == 0, result.output
    services = build_services(load_config(config_file, environ={}))
    with services.db.read() as session:
        assert session.scalar(select(User.role).where(User.username == "aigul")) == "admin"
    services.close()
    again = run(config_file, "user", "add", "aigul", "--role", "admin", "--password-stdin", input="x" * 12 + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    short = run(config_file, "user", "add", "bolat", "--role", "staff", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least" in short.output


def test_rebuild_db_from_storage(config_file, tmp_path):
    run(config_file, "init")
    services = build_services(load_config(config_file, environ={}))
    RepositoryCatalog(services).register_item(ingested(publish=True))
    services.close()
    refused = run(config_file, "rebuild-db")
    assert refused.exit_code == 1 and "empty database" in refused.output
    (tmp_path / "data" / "olketanu.db").unlink()
    result = run(config_file, "rebuild-db")
    assert result.exit_code == 0, result.output
    assert "1 items, 2 pages" in result.output


def test_unknown_key_stops_the_real_command(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("storage:\n  backend: local\n  bucket_name: x\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLKETANU_")}
    done = subprocess.run([str(SCRIPT), "--config", str(config), "check"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode != 0
    assert "storage.bucket_name" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_works_with_a_broken_config(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("nope: {}\n", encoding="utf-8")
    result = CliRunner().invoke(build_cli(), ["--config", str(config), "--help"])
    assert result.exit_code == 0 and "rebuild-db" in result.output

