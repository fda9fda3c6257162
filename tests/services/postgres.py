"""A throw-away PostgreSQL cluster: initdb in a temp dir, trust auth, 127.0.0.1 on a free port."""

from __future__ import annotations

import glob
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .process import (
    INSTALL_HINT, ServiceProcess, ServiceStartError, as_user, free_port, make_temp_dir,
    require_user, run_checked, running_as_root,
)

SUPERUSER = "postgres"
START_TIMEOUT_S = 60
# Durability is pointless for a cluster that lives as long as one test session.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass
class PostgresServer:
    process: ServiceProcess
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create a new empty database and return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        name = name or f"olketanu_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> None:
        self.process.cleanup()

    def _conninfo(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database} connect_timeout=2"

    def accepts_connections(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self._conninfo("postgres")) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False  # still starting up


def find_bin_dir() -> Path:
    """The newest installed server's bin dir (Debian keeps them in /usr/lib/postgresql/<major>/bin)."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if candidates:
        newest = max(candidates, key=lambda p: int(re.search(r"/postgresql/(\d+)/", p).group(1)))
        return Path(newest).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise ServiceStartError(f"PostgreSQL server binaries (initdb) not found in /usr/lib/postgresql/*/bin; {INSTALL_HINT}")


def start_postgres() -> PostgresServer:
    bin_dir = find_bin_dir()
    # PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
    owner = SUPERUSER if running_as_root() else None
    if owner:
        require_user(owner, "PostgreSQL must not run as root")
    workdir = make_temp_dir("postgres", owner=owner)
    data = workdir / "data"
    port = free_port()
    argv = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(workdir)]
    for setting in FAST_SETTINGS:
        argv += ["-c", setting]
    process = ServiceProcess("postgres", as_user(argv, owner), workdir)
    server = PostgresServer(process, port)
    try:
        run_checked(
            as_user([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                     "--encoding=UTF8", "--locale=C", "--no-sync"], owner),
            "initdb", cwd=workdir,
        )
        process.start()
        process.wait_until(server.accepts_connections, START_TIMEOUT_S, "accepting connections")
    except BaseException:
        process.cleanup()
        raise
    return server
