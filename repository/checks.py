"""Component checks for `olketanu check` and `GET /api/health`.

Each check takes the Services and returns Components (name, ok, version, detail, how to fix).
The two tuples at the bottom are the registry: other packages add their check functions there
(one line each), e.g. the search backend's.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ocr.registry import get_engine
from repository.db import current_revision, head_revision
from repository.services import Services
from storage.errors import StorageError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIRADOR = PROJECT_ROOT / "node_modules" / "mirador" / "dist" / "mirador.min.js"


@dataclass(frozen=True)
class Component:
    name: str
    ok: bool
    version: str = ""
    detail: str = ""
    fix: str = ""
    required: bool = True

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "version": self.version, "detail": self.detail}


CheckFunction = Callable[[Services], list[Component]]


def check_python(_: Services) -> list[Component]:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return [Component("Python", ok, version, sys.executable, "" if ok else "install Python 3.11 or newer")]


def check_ocr(services: Services) -> list[Component]:
    config = services.config
    engine = get_engine(config.get("ocr", "engine"), resident=config.get("ocr", "tesseract_resident"))
    return [Component(c.name, c.ok, c.version or "", c.detail or "", c.fix or "") for c in engine.check()]


def check_poppler(_: Services) -> list[Component]:
    fix = "apt-get install poppler-utils"
    try:
        done = subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True, timeout=20)
    except FileNotFoundError:
        return [Component("poppler (pdftoppm)", False, detail="pdftoppm not found on PATH", fix=fix)]
    # pdftoppm prints its version on stderr: "pdftoppm version 22.12.0".
    first = (done.stderr or done.stdout).strip().splitlines()[:1]
    version = first[0].rsplit(" ", 1)[-1] if first else ""
    return [Component("poppler (pdftoppm)", bool(version), version, fix="" if version else fix)]


def check_vips(_: Services) -> list[Component]:
    fix = "apt-get install libvips42 (and `pip install pyvips` in the virtual environment)"
    try:
        import pyvips
    except (ImportError, OSError) as exc:  # OSError: pyvips is installed but libvips is not
        return [Component("libvips", False, detail=str(exc), fix=fix)]
    version = ".".join(str(pyvips.version(i)) for i in range(3))
    return [Component("libvips", True, version, f"pyvips {pyvips.__version__}")]


def check_database(services: Services) -> list[Component]:
    url = services.db.engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(services.db.engine)
        with services.db.engine.connect() as connection:
            server = ".".join(map(str, connection.dialect.server_version_info or ()))
    except SQLAlchemyError as exc:
        return [Component("database", False, detail=f"{url}: {exc.__class__.__name__}: {exc}".splitlines()[0],
                          fix="check `database.url` and that the server is running")]
    head = head_revision()
    name = f"database ({services.db.engine.dialect.name} {server})"
    if current != head:
        return [Component(name, False, server, f"{url}: schema at {current or 'none'}, needs {head}",
                          fix="run `olketanu init`")]
    return [Component(name, True, server, f"{url}: schema at {current}")]


def check_storage(services: Services) -> list[Component]:
    backend = services.config.get("storage", "backend")
    try:
        detail = services.store.check()
    except StorageError as exc:
        return [Component(f"storage ({backend})", False, detail=str(exc),
                          fix="run `olketanu init`, or check the [storage] settings")]
    return [Component(f"storage ({backend})", True, detail=detail)]


def check_mirador(_: Services) -> list[Component]:
    if MIRADOR.is_file():
        return [Component("Mirador viewer assets", True, detail=str(MIRADOR))]
    return [Component("Mirador viewer assets", False, detail=f"{MIRADOR} is missing",
                      fix=f"cd {PROJECT_ROOT} && npm install mirador (Debian: apt-get install npm first)")]


def check_search(services: Services) -> list[Component]:
    from repository.search.errors import SearchError
    from repository.search.registry import open_backend

    name = services.config.get("search", "backend")
    backend = open_backend(services.config)
    try:
        detail = backend.health()
    except SearchError as exc:
        return [Component(f"search ({name})", False, detail=str(exc),
                          fix="check the [search] settings and that the server runs; then `olketanu reindex`")]
    finally:
        backend.close()
    return [Component(f"search ({name})", True, detail=detail)]


def check_queue(services: Services) -> list[Component]:
    from ingest.queue import QueueError

    name = services.config.get("queue", "backend")
    try:
        waiting = len(services.open_queue().list(limit=1000, state="queued"))
    except QueueError as exc:
        return [Component(f"task queue ({name})", False, detail=str(exc),
                          fix="check the [queue] settings (and that redis-server runs for `redis`)")]
    return [Component(f"task queue ({name})", True, detail=f"{waiting} job(s) waiting")]


def check_djpeg(_: Services) -> list[Component]:
    # Pillow and libvips decode corrupt JPEGs silently; ingest asks djpeg -strict (see ingest/validate.py).
    found = shutil.which("djpeg")
    if found:
        return [Component("djpeg (strict JPEG check)", True, detail=found)]
    return [Component("djpeg (strict JPEG check)", False, detail="djpeg not found on PATH: corrupt JPEGs are "
                      "caught only by libvips", fix="apt-get install libjpeg-turbo-progs", required=False)]


def run_checks(checks: tuple[CheckFunction, ...], services: Services) -> list[Component]:
    return [component for check in checks for component in check(services)]


# `olketanu check`, in this order. Add a package's check with one line.
SYSTEM_CHECKS: tuple[CheckFunction, ...] = (
    check_python,
    check_ocr,
    check_poppler,
    check_vips,
    check_database,
    check_storage,
    check_search,
    check_queue,
    check_mirador,
    check_djpeg,
)

# `GET /api/health`: cheap checks of the services a running app depends on.
HEALTH_CHECKS: tuple[CheckFunction, ...] = (
    check_database,
    check_storage,
    check_search,
)
