"""Local filesystem backend: one folder, one file per key.

Writes go to a temporary file in the target's own folder (same filesystem), are fsynced and then
`os.replace`d over the target, and the folder is fsynced: a reader sees the old object or the new one,
never a partial file, even after a crash. Temporary names contain '#', which no key may contain, so
listing can never mistake one for an object.

The sha256 computed while writing is kept in the extended attribute `user.olketanu.sha256`, set on the
temporary file before the rename so checksum and content appear together. On a filesystem without user
xattrs `stat` returns sha256 None (the checksum is still returned by the write and kept in item.json).

Confinement: every path is resolved and must stay under the resolved root; a symlink inside the root that
points outside it is refused (InvalidKey), for reads and writes alike.

Limitation of a filesystem (not of S3): `a` and `a/b` cannot both exist; such a write raises StorageError.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from storage.base import CHUNK, HashingReader, ObjectInfo, ObjectStore
from storage.errors import InvalidKey, ObjectNotFound, StorageError
from storage.keys import is_valid_key, validate_key, validate_prefix

XATTR = "user.olketanu.sha256"
_NO_XATTR = {errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENODATA}


class LocalStore(ObjectStore):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()

    # --- writing ---------------------------------------------------------------------------------

    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        target = self.root / validate_key(key)
        parent = target.parent
        self._confine(key, parent)
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise StorageError(f"cannot store {key!r}: a part of its path is an existing object") from exc
        except OSError as exc:
            raise StorageError(f"cannot create folder for {key!r}: {exc}") from exc
        self._confine(key, parent)  # again: a symlink could have appeared while creating folders
        try:
            fd, tmp = tempfile.mkstemp(prefix=".#", suffix="#tmp", dir=parent)
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc}") from exc
        try:
            info = self._write_and_publish(key, fd, tmp, target, stream)
        except BaseException:
            # Whatever went wrong (stream error, full disk, KeyboardInterrupt) the temp file must go.
            _unlink_quietly(tmp)
            raise
        return info

    def _write_and_publish(self, key: str, fd: int, tmp: str, target: Path, stream: BinaryIO) -> ObjectInfo:
        reader = HashingReader(stream)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), 0o644)  # mkstemp creates 0600; stored objects are ordinary files
                os.fsync(out.fileno())
                sha256 = reader.hexdigest()
                _set_sha256(out.fileno(), sha256)
                st = os.fstat(out.fileno())
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except IsADirectoryError as exc:
            raise StorageError(f"cannot store {key!r}: other objects are stored under it") from exc
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc}") from exc
        return ObjectInfo(key, st.st_size, sha256, _mtime(st))

    def delete(self, key: str) -> None:
        path = self.root / validate_key(key)
        self._confine(key, path.parent)
        try:
            os.unlink(path)  # unlinks a symlink itself, never what it points to
        except (FileNotFoundError, NotADirectoryError):
            return  # missing key: deletes are idempotent
        except IsADirectoryError:
            return  # a folder is not an object, so there is no object with this key
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc}") from exc
        _fsync_dir(path.parent)

    # --- reading ---------------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        path = self._existing(key)
        try:
            return open(path, "rb")
        except FileNotFoundError as exc:  # deleted between the check and the open
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key!r}: {exc}") from exc

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        yield self._existing(key)

    def stat(self, key: str) -> ObjectInfo:
        path = self._existing(key)
        try:
            st = os.stat(path)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r}: {exc}") from exc
        return ObjectInfo(key, st.st_size, _get_sha256(path), _mtime(st))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        folder = self.root / prefix.rpartition("/")[0]
        self._confine(prefix, folder)
        if not folder.is_dir():
            return
        found: list[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(folder, onerror=_raise_walk_error):
            dirnames[:] = [d for d in dirnames if is_valid_key(d)]  # skip foreign folders early
            for name in filenames:
                info = self._listed(Path(dirpath) / name, prefix)
                if info is not None:
                    found.append(info)
        found.sort(key=lambda info: info.key)
        yield from found

    def _listed(self, path: Path, prefix: str) -> ObjectInfo | None:
        key = path.relative_to(self.root).as_posix()
        if not key.startswith(prefix) or not is_valid_key(key):
            return None  # temporary files and foreign names are not objects
        if not _inside(Path(os.path.realpath(path)), self._root_real()):
            return None  # a symlink escaping the root is not an object of this store
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None  # deleted while listing
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r}: {exc}") from exc
        return ObjectInfo(key, st.st_size, None, _mtime(st))

    # --- administration --------------------------------------------------------------------------

    def ensure(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create storage folder {self.root}: {exc}") from exc

    def check(self) -> str:
        if not self.root.is_dir():
            raise StorageError(f"storage folder {self.root} does not exist (run `olketanu init`)")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"storage folder {self.root} is not writable")
        free_gib = shutil.disk_usage(self.root).free / 2**30
        return f"local folder {self.root} ({free_gib:.1f} GiB free)"

    # --- helpers ---------------------------------------------------------------------------------

    def _root_real(self) -> Path:
        return Path(os.path.realpath(self.root))

    def _confine(self, key: str, path: Path) -> None:
        if not _inside(Path(os.path.realpath(path)), self._root_real()):
            raise InvalidKey(key, "resolves outside the storage root (symlink)")

    def _existing(self, key: str) -> Path:
        """The resolved, confined path of an existing regular file, else ObjectNotFound."""
        path = self.root / validate_key(key)
        real = Path(os.path.realpath(path))
        if not _inside(real, self._root_real()):
            raise InvalidKey(key, "resolves outside the storage root (symlink)")
        if not real.is_file():
            raise ObjectNotFound(key)
        return real


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)


def _set_sha256(fd: int, sha256: str) -> None:
    try:
        os.setxattr(fd, XATTR, sha256.encode("ascii"))
    except OSError as exc:
        if exc.errno not in _NO_XATTR:
            raise
        # The filesystem keeps no user xattrs: stat will report sha256 None, as documented above.


def _get_sha256(path: Path) -> str | None:
    try:
        return os.getxattr(path, XATTR).decode("ascii")
    except OSError as exc:
        if exc.errno in _NO_XATTR:
            return None  # written before xattrs, or copied in by hand, or a filesystem without them
        raise StorageError(f"cannot read checksum of {path}: {exc}") from exc


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; without it a crash could bring back the old directory entry.
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # already renamed into place or never created: nothing to clean


def _raise_walk_error(exc: OSError) -> None:
    raise StorageError(f"cannot list {exc.filename}: {exc}") from exc
