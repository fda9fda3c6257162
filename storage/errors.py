"""Errors raised by the storage package; every one derives from StorageError."""

from __future__ import annotations


class StorageError(Exception):
    """Root of every storage failure (backend unreachable, I/O error, bad key, missing object)."""


class ObjectNotFound(StorageError):
    """The key names no stored object."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no stored object with key {key!r}")
        self.key = key


class InvalidKey(StorageError):
    """The key breaks the key rules (see storage.keys); nothing was read or written."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"invalid storage key {key!r}: {reason}")
        self.key = key
        self.reason = reason
