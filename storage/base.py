"""The ObjectStore interface every storage backend implements, and the ObjectInfo it returns.

Semantics shared by all backends (the behavioural suite in tests/storage checks each one):
- Writes compute the sha256 of the bytes while writing and return it. A write is all-or-nothing:
  readers see the previous object (or none) until the new one is complete; a failed write leaves no trace.
- `delete` of a missing key is not an error (deletes are idempotent, as in S3, so that resumed
  clean-ups can repeat them).
- `stat` returns the sha256 recorded at write time (None only where the backend could not record it,
  e.g. a local filesystem without extended attributes). `list` leaves sha256 None: S3 listings carry no
  object metadata and a HEAD per object would make listing slow; call `stat` for the checksum.
- `list(prefix)` matches `prefix` as a plain string prefix of keys (as S3 does) and yields in key order.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from storage.errors import InvalidKey, ObjectNotFound, StorageError

__all__ = ["ObjectStore", "ObjectInfo", "StorageError", "ObjectNotFound", "InvalidKey", "CHUNK", "hash_stream"]

CHUNK = 1024 * 1024  # read/write granularity: large enough for throughput, small enough for memory


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None
    modified: datetime  # timezone-aware, UTC


class ObjectStore(ABC):
    """Binary object storage addressed by keys (see storage.keys for the key rules)."""

    @abstractmethod
    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        """Store everything readable from `stream` under `key` (replacing any object there)."""

    def put_file(self, key: str, path: str | Path) -> ObjectInfo:
        """Store the file at `path` under `key`."""
        with open(path, "rb") as stream:
            return self.put_stream(key, stream)

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        """Store `data` under `key`."""
        return self.put_stream(key, io.BytesIO(data))

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; the caller closes it."""

    def get_bytes(self, key: str) -> bytes:
        """The whole object in memory (for small objects such as item.json or ALTO)."""
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """Context manager yielding a filesystem path holding the object's bytes; treat it as read-only.

        The local backend yields the stored file itself; S3 yields a temporary download removed on exit.
        """

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Size, checksum and modification time of the object; ObjectNotFound if there is none."""

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, sorted by key (sha256 left None)."""

    @abstractmethod
    def ensure(self) -> None:
        """Create the root folder / bucket if missing (idempotent; for `olketanu init` and start-up)."""

    @abstractmethod
    def check(self) -> str:
        """One line describing the backend for `olketanu check`; StorageError if it is unusable."""


class HashingReader:
    """Wraps a binary stream, hashing and counting what passes through `read`."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        if data is None:
            # A non-blocking stream with nothing available would silently truncate the object.
            raise StorageError("stream returned None (non-blocking streams are not supported)")
        self._hash.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def hash_stream(stream: BinaryIO) -> tuple[int, str]:
    """(size, sha256) of everything readable from `stream`, read in CHUNKs."""
    reader = HashingReader(stream)
    while reader.read(CHUNK):
        pass
    return reader.size, reader.hexdigest()
