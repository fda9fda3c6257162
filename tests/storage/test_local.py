"""Local-backend specifics: confinement to the root, temporary files, xattr checksums."""

import os

import pytest

from storage.errors import InvalidKey, ObjectNotFound, StorageError
from storage.local import XATTR, LocalStore
from storage.registry import open_store


@pytest.fixture
def store(tmp_path):
    local = LocalStore(tmp_path / "root")
    local.ensure()
    return local


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(b"not yours")
    return folder


def test_symlinked_file_escaping_the_root_is_refused(store, outside):
    os.symlink(outside / "secret.txt", store.root / "leak.txt")
    for operation in (store.get_bytes, store.open, store.stat):
        with pytest.raises(InvalidKey, match="outside the storage root"):
            operation("leak.txt")
    with pytest.raises(InvalidKey):
        with store.local_path("leak.txt"):
            pass
    assert list(store.list()) == []


def test_symlinked_folder_escaping_the_root_is_refused_for_writes(store, outside):
    os.symlink(outside, store.root / "items")
    with pytest.raises(InvalidKey, match="outside the storage root"):
        store.put_bytes("items/x/item.json", b"{}")
    with pytest.raises(InvalidKey):
        store.delete("items/secret.txt")
    with pytest.raises(InvalidKey):
        list(store.list("items/"))
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"not yours"


def test_symlink_inside_the_root_is_followed(store):
    store.put_bytes("real/a.txt", b"a")
    os.symlink(store.root / "real" / "a.txt", store.root / "alias.txt")
    assert store.get_bytes("alias.txt") == b"a"


def test_temporary_and_foreign_files_are_not_objects(store):
    store.put_bytes("items/1/item.json", b"{}")
    (store.root / "items" / "1" / ".#partial#tmp").write_bytes(b"half")
    (store.root / "items" / "1" / "notes with spaces.txt").write_bytes(b"x")
    assert [i.key for i in store.list()] == ["items/1/item.json"]


def test_file_and_folder_with_the_same_key_conflict(store):
    store.put_bytes("a", b"file")
    with pytest.raises(StorageError, match="existing object"):
        store.put_bytes("a/b", b"x")
    store.put_bytes("c/d", b"x")
    with pytest.raises(StorageError, match="stored under it"):
        store.put_bytes("c", b"x")
    assert [i.key for i in store.list()] == ["a", "c/d"]  # and no temporary file was left behind
    assert sorted(os.listdir(store.root / "c")) == ["d"]


def test_checksum_is_kept_in_an_xattr_and_absent_for_hand_placed_files(store):
    info = store.put_bytes("k", b"data")
    assert os.getxattr(store.root / "k", XATTR).decode() == info.sha256
    (store.root / "by-hand").write_bytes(b"data")
    assert store.stat("by-hand").sha256 is None
    assert store.stat("by-hand").size == 4


def test_objects_are_ordinary_readable_files(store):
    store.put_bytes("k", b"data")
    assert oct(os.stat(store.root / "k").st_mode & 0o777) == oct(0o644)


def test_folder_is_not_an_object(store):
    store.put_bytes("a/b", b"x")
    with pytest.raises(ObjectNotFound):
        store.stat("a")
    store.delete("a")  # no object there: nothing to do
    assert store.exists("a/b")


def test_check_fails_without_the_folder(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        LocalStore(tmp_path / "missing").check()
    assert "local folder" in LocalStore(tmp_path).check()


def test_registry_names_the_allowed_backends(tmp_path):
    with pytest.raises(StorageError, match="allowed: local, s3"):
        open_store("ftp", root=tmp_path)
    with pytest.raises(StorageError, match="bad options"):
        open_store("local", folder=tmp_path)
    assert isinstance(open_store("local", root=tmp_path), LocalStore)
