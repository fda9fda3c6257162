"""One behavioural suite for every ObjectStore backend (see conftest.py for the `store` fixture)."""

import hashlib
import io
import os
import threading
from datetime import datetime, timezone

import pytest

from storage.base import ObjectInfo
from storage.errors import InvalidKey, ObjectNotFound, StorageError
from storage.local import LocalStore
from storage.s3 import S3Store

MiB = 2**20


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Interrupted(Exception):
    """Raised by FailingStream: stands for a dropped upload connection or a killed reader."""


class FailingStream(io.RawIOBase):
    """Serves `data`, then raises once more than `fail_after` bytes have been read in total."""

    def __init__(self, data: bytes, fail_after: int, seekable: bool) -> None:
        self._data, self._pos, self._read, self._fail_after, self._seekable = data, 0, 0, fail_after, seekable

    def readable(self):
        return True

    def seekable(self):
        return self._seekable

    def tell(self):
        return self._pos

    def seek(self, pos, whence=io.SEEK_SET):
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = base + pos
        return self._pos

    def read(self, n=-1):
        n = len(self._data) - self._pos if n is None or n < 0 else n
        chunk = self._data[self._pos : self._pos + n]
        self._pos += len(chunk)
        self._read += len(chunk)
        if self._read > self._fail_after:
            raise Interrupted(f"stream broke after {self._read} bytes")
        return chunk


class NonSeekable(io.RawIOBase):
    """A pipe-like stream (no seek) returning short reads, as sockets do."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def readable(self):
        return True

    def read(self, n=-1):
        return self._buffer.read(min(n, 65536) if n and n > 0 else 65536)


def leftovers(store) -> list[str]:
    """Anything a failed write could have left: temp files (local), pending multipart uploads (S3)."""
    if isinstance(store, LocalStore):
        return [os.path.join(d, f) for d, _, files in os.walk(store.root) for f in files]
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return [u["Key"] for u in uploads]


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 100_000], ids=["empty", "1B", "100kB"])
def test_put_bytes_round_trip(store, size):
    data = os.urandom(size)
    info = store.put_bytes("items/x/item.json", data)
    assert (info.key, info.size, info.sha256) == ("items/x/item.json", size, sha(data))
    assert info.modified.tzinfo is not None
    assert store.get_bytes("items/x/item.json") == data
    with store.open("items/x/item.json") as stream:
        assert stream.read() == data


def test_put_stream_round_trip_non_seekable(store):
    data = os.urandom(3 * MiB + 17)
    info = store.put_stream("items/x/pages/0001/master.tif", NonSeekable(data))
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert store.get_bytes("items/x/pages/0001/master.tif") == data


def test_put_file_round_trip(store, tmp_path):
    source = tmp_path / "scan.tif"
    source.write_bytes(data := os.urandom(250_000))
    info = store.put_file("items/x/pages/0001/master.tif", source)
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert store.get_bytes("items/x/pages/0001/master.tif") == data


def test_large_object_goes_up_in_parts_and_comes_back_whole(store, tmp_path):
    data = os.urandom(20 * MiB)  # over the 5 MiB multipart threshold of the S3 fixture: four parts
    source = tmp_path / "big.pdf"
    source.write_bytes(data)
    info = store.put_file("items/big/item.pdf", source)
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert store.stat("items/big/item.pdf").sha256 == sha(data)
    with store.open("items/big/item.pdf") as stream:
        got = hashlib.sha256()
        while chunk := stream.read(MiB):
            got.update(chunk)
    assert got.hexdigest() == sha(data)
    info = store.put_stream("items/big/copy.pdf", NonSeekable(data))
    assert info.sha256 == sha(data)
    assert store.stat("items/big/copy.pdf").size == len(data)


def test_stream_is_read_from_its_current_position(store):
    stream = io.BytesIO(b"HEADERpayload")
    stream.read(6)
    info = store.put_stream("k", stream)
    assert store.get_bytes("k") == b"payload"
    assert info.sha256 == sha(b"payload")


# --- stat, exists, delete, not found -------------------------------------------------------------


def test_stat_reports_size_checksum_and_time(store):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    store.put_bytes("items/x/text.txt", "Өлкетану".encode())
    info = store.stat("items/x/text.txt")
    assert isinstance(info, ObjectInfo)
    assert info.size == len("Өлкетану".encode())
    assert info.sha256 == sha("Өлкетану".encode())
    # Servers round LastModified to the second; allow for that and a little clock skew.
    assert (info.modified - before).total_seconds() > -5
    assert info.modified.utcoffset().total_seconds() == 0


def test_exists_and_delete(store):
    store.put_bytes("a/b", b"1")
    assert store.exists("a/b")
    assert not store.exists("a")  # a "folder" is not an object
    store.delete("a/b")
    assert not store.exists("a/b")
    store.delete("a/b")  # deleting a missing key is not an error
    store.delete("never/was")


@pytest.mark.parametrize("operation", ["open", "get_bytes", "stat", "local_path"])
def test_missing_object_raises_object_not_found(store, operation):
    with pytest.raises(ObjectNotFound) as caught:
        result = getattr(store, operation)("no/such/key")
        if operation == "local_path":
            with result:
                pass
    assert caught.value.key == "no/such/key"
    assert isinstance(caught.value, StorageError)


# --- keys ----------------------------------------------------------------------------------------

BAD_KEYS = ["../x", "/x", "a//b", "a\x00b", "a/./b", "", "a/", "a b"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
@pytest.mark.parametrize("operation", ["put_bytes", "get_bytes", "open", "stat", "exists", "delete", "local_path"])
def test_invalid_keys_are_refused_by_every_operation(store, key, operation):
    args = (key, b"data") if operation == "put_bytes" else (key,)
    with pytest.raises(InvalidKey):
        result = getattr(store, operation)(*args)
        if operation == "local_path":
            with result:
                pass


def test_invalid_key_writes_nothing(store):
    with pytest.raises(InvalidKey):
        store.put_bytes("../escape", b"x")
    assert list(store.list()) == []


# --- listing -------------------------------------------------------------------------------------


def test_list_by_prefix_is_sorted_and_recursive(store):
    keys = ["items/2/b", "items/1/pages/0001/master.tif", "items/10/x", "items/1/item.json",
            "items/1.txt", "other/z", "items/1/pages/0002/alto.xml"]
    for i, key in enumerate(keys):
        store.put_bytes(key, b"x" * i)
    assert [i.key for i in store.list("items/1/")] == [
        "items/1/item.json", "items/1/pages/0001/master.tif", "items/1/pages/0002/alto.xml"]
    # A prefix is a plain string prefix, as in S3.
    assert [i.key for i in store.list("items/1")] == [
        "items/1.txt", "items/1/item.json", "items/1/pages/0001/master.tif", "items/1/pages/0002/alto.xml",
        "items/10/x"]
    assert [i.key for i in store.list()] == sorted(keys)
    assert [i.key for i in store.list("items/1/pages/0001/master.tif")] == ["items/1/pages/0001/master.tif"]
    assert list(store.list("nothing/")) == []
    sizes = {i.key: i.size for i in store.list("items/")}
    assert sizes["items/10/x"] == keys.index("items/10/x")


def test_list_refuses_invalid_prefix(store):
    with pytest.raises(InvalidKey):
        list(store.list("../"))


# --- local_path ----------------------------------------------------------------------------------


def test_local_path_yields_a_readable_file(store):
    data = os.urandom(70_000)
    store.put_bytes("items/x/pages/0001/master.png", data)
    with store.local_path("items/x/pages/0001/master.png") as path:
        assert path.is_file()
        assert path.suffix == ".png"  # tools that pick a reader by extension still work
        assert path.read_bytes() == data
    if isinstance(store, S3Store):
        assert not path.exists()  # the temporary download is gone
    assert store.exists("items/x/pages/0001/master.png")


# --- atomicity -----------------------------------------------------------------------------------


def test_overwrite_replaces_the_object(store):
    store.put_bytes("k", b"old")
    info = store.put_bytes("k", b"new content")
    assert store.get_bytes("k") == b"new content"
    assert store.stat("k").sha256 == info.sha256 == sha(b"new content")
    assert [i.key for i in store.list()] == ["k"]


def test_readers_see_the_old_or_the_new_object_never_a_mix(store):
    old, new = b"o" * (2 * MiB), b"n" * (2 * MiB)
    store.put_bytes("k", old)
    seen, errors, done = set(), [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                data = store.get_bytes("k")
            except Exception as exc:  # recorded and asserted below, never ignored
                errors.append(exc)
                return
            seen.add(data[:1] * len(data) == data and len(data) == 2 * MiB and data[:1])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(6):
            store.put_bytes("k", new if i % 2 == 0 else old)
    finally:
        done.set()
        thread.join()
    assert errors == []
    assert seen <= {b"o", b"n"}, "a reader saw a partial or mixed object"


@pytest.mark.parametrize("seekable", [False, True], ids=["pipe", "file-like"])
def test_interrupted_write_leaves_no_object(store, seekable):
    data = os.urandom(20 * MiB)
    with pytest.raises(Interrupted):
        store.put_stream("items/x/item.pdf", FailingStream(data, fail_after=12 * MiB, seekable=seekable))
    assert not store.exists("items/x/item.pdf")
    assert list(store.list()) == []
    assert leftovers(store) == []


def test_interrupted_overwrite_keeps_the_previous_object(store):
    store.put_bytes("items/x/item.pdf", b"version 1")
    with pytest.raises(Interrupted):
        store.put_stream("items/x/item.pdf", FailingStream(os.urandom(8 * MiB), 3 * MiB, seekable=False))
    assert store.get_bytes("items/x/item.pdf") == b"version 1"
    assert store.stat("items/x/item.pdf").sha256 == sha(b"version 1")
    assert [i.key for i in store.list()] == ["items/x/item.pdf"]


# --- check ---------------------------------------------------------------------------------------


def test_check_describes_the_backend(store):
    line = store.check()
    assert isinstance(line, str) and line and "\n" not in line
