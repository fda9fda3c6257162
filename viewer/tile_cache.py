"""Encoded IIIF responses kept for reuse: a small in-memory LRU in front of a bounded disk cache.

Keys are strings that already name everything the bytes depend on (canonical request, source file
version, encoder settings), so an entry is never stale, only unused: nothing is invalidated, old
entries age out. The disk cache is shared by all worker processes: files are written to a temporary
name and renamed into place (readers see a whole file or none), and a hit refreshes the file's
mtime, which eviction uses as its access time (atime is unreliable under relatime/noatime).
Eviction runs in whichever process notices the total over the bound, and trims to 90 % of it.

Disk writes can be handed to a writer thread (`background=True`, what the server uses): creating a
file costs 0.1-1 ms on ext4, as much as rendering a tile, and the request has its bytes already. When
the writer falls behind, writes are dropped (the memory LRU still holds the bytes).
"""
from __future__ import annotations

import hashlib
import logging
import os
import queue
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

TOUCH_AFTER_S = 60.0  # refresh a hit's mtime at most this often: LRU by the minute is plenty


def key_digest(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=20).hexdigest()


class MemoryLRU:
    """Bytes by key, bounded in total size; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes // 8:
            return  # one large view must not flush the hot tiles
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._items[key] = data
            self._size += len(data)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


class DiskCache:
    """Files under `directory`, at most `max_bytes` in total (checked on write, approximately
    between processes: each process counts its own writes and re-measures when it evicts)."""

    def __init__(self, directory: str | Path, max_bytes: int, background: bool = False) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.background = background
        self.dropped = 0  # background writes skipped because the writer was behind
        self._size: int | None = None  # measured lazily, so that construction touches no disk
        self._lock = threading.Lock()
        self._made: set[Path] = set()  # sub-folders known to exist: no mkdir per write
        self._queue: queue.Queue[tuple[str, bytes]] | None = None
        self._writer_pid = 0

    def _path(self, digest: str) -> Path:
        return self.directory / digest[:2] / digest

    def get(self, key: str) -> bytes | None:
        path = self._path(key_digest(key))
        try:
            with open(path, "rb") as handle:
                data = handle.read()
                mtime = os.fstat(handle.fileno()).st_mtime
        except FileNotFoundError:
            return None
        if time.time() - mtime > TOUCH_AFTER_S:
            try:
                os.utime(path)
            except FileNotFoundError:
                pass  # evicted by another process since we read it: the bytes we hold are still good
        return data

    def put(self, key: str, data: bytes) -> None:
        if not self.background:
            self.write(key, data)
            return
        try:
            self._writer_queue().put_nowait((key, data))
        except queue.Full:
            self.dropped += 1

    def flush(self) -> None:
        """Wait until queued background writes are on disk."""
        if self._queue is not None and self._writer_pid == os.getpid():
            self._queue.join()

    def _writer_queue(self) -> "queue.Queue[tuple[str, bytes]]":
        # Started on first use, and again in a forked worker: threads do not survive fork.
        if self._queue is None or self._writer_pid != os.getpid():
            with self._lock:
                if self._queue is None or self._writer_pid != os.getpid():
                    self._queue = queue.Queue(maxsize=1024)
                    self._writer_pid = os.getpid()
                    threading.Thread(target=self._drain, args=(self._queue,), daemon=True,
                                     name="tile-cache-writer").start()
        return self._queue

    def _drain(self, jobs: "queue.Queue[tuple[str, bytes]]") -> None:
        while True:
            key, data = jobs.get()
            try:
                self.write(key, data)
            except OSError as error:  # a full or read-only disk must not kill the writer
                log.warning("tile cache: cannot write in %s: %s", self.directory, error)
            finally:
                jobs.task_done()

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key_digest(key))
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except FileNotFoundError:  # the folder was emptied behind our back: make it again
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
        with self._lock:
            if self._size is None:
                self._size = self._measure()
            else:
                self._size += len(data)
            over = self._size > self.max_bytes
        if over:
            self.evict()

    def evict(self) -> None:
        """Delete least recently used files until the total is at most 90 % of the bound."""
        entries = []
        for path in self.directory.glob("??/*"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            if path.name.startswith(".tmp-") and time.time() - st.st_mtime < 3600:
                continue  # another process is writing it
            entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        target = self.max_bytes * 9 // 10
        entries.sort()
        for _, size, path in entries:
            if total <= target:
                break
            _unlink(str(path))
            total -= size
        with self._lock:
            self._size = total

    def _measure(self) -> int:
        total = 0
        for path in self.directory.glob("??/*"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                continue
        return total


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # already gone: another process evicted it


class TileCache:
    """Memory first, then disk (optional). `get` promotes disk hits into memory."""

    def __init__(self, directory: str | Path | None, max_mb: int, memory_mb: int = 64,
                 background: bool = True) -> None:
        self.memory = MemoryLRU(memory_mb * 1024 * 1024)
        self.disk = DiskCache(directory, max_mb * 1024 * 1024, background) if directory else None

    def get(self, key: str) -> bytes | None:
        data = self.memory.get(key)
        if data is None and self.disk is not None:
            data = self.disk.get(key)
            if data is not None:
                self.memory.put(key, data)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.memory.put(key, data)
        if self.disk is not None:
            self.disk.put(key, data)
