"""Storage backends by name, as config.yaml's `storage.backend` names them."""

from __future__ import annotations

from typing import Any

from storage.base import ObjectStore
from storage.errors import StorageError
from storage.local import LocalStore
from storage.s3 import S3Store

BACKENDS: dict[str, type[ObjectStore]] = {"local": LocalStore, "s3": S3Store}


def open_store(backend: str, **options: Any) -> ObjectStore:
    """A store of the named backend; `local` takes `root`, `s3` takes `endpoint, region, bucket,
    access_key, secret_key, multipart_mb` (and optionally `max_attempts, addressing_style, spool_dir`).

    No I/O happens here; call `store.ensure()` to create the folder or bucket.
    """
    try:
        cls = BACKENDS[backend]
    except KeyError:
        allowed = ", ".join(sorted(BACKENDS))
        raise StorageError(f"unknown storage backend {backend!r}; allowed: {allowed}") from None
    try:
        return cls(**options)
    except TypeError as exc:
        # Wrong or missing option names: report them as a storage configuration error.
        raise StorageError(f"bad options for storage backend {backend!r}: {exc}") from exc
