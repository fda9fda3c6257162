"""Setting up an instance: the data folder, the schema, the storage root or bucket, the secret key."""
from __future__ import annotations

import os
import secrets

from repository.config import Config
from repository.db import upgrade
from storage.base import ObjectStore

SECRET_FILE = "secret_key"


def secret_key(config: Config) -> str:
    """`server.secret_key`, else the key kept in `<data_dir>/secret_key` (created on first use)."""
    configured = config.get("server", "secret_key")
    if configured:
        return configured
    path = config.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip()


def init_instance(config: Config, store: ObjectStore) -> list[str]:
    """Create or bring up to date everything an instance needs; returns what was done, for the CLI."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    done = [f"data folder {config.data_dir}"]
    upgrade(config.database_url)
    done.append("database schema at the newest revision")
    store.ensure()
    done.append(f"storage ready ({store.check()})")
    secret_key(config)
    done.append("session secret key" + (" from config" if config.get("server", "secret_key") else
                                        f" in {config.data_dir / SECRET_FILE}"))
    return done
