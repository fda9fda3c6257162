"""S3-only behaviour: a multipart upload broken midway is aborted, and errors are translated."""

import io
import os

import pytest

from storage.errors import StorageError
from storage.registry import open_store
from tests.storage.test_store import FailingStream, Interrupted, leftovers

pytestmark = pytest.mark.services
MiB = 2**20


@pytest.fixture
def s3(s3_bucket, tmp_path):
    return _open(s3_bucket, tmp_path)


def _open(s3_bucket, tmp_path):
    server, bucket = s3_bucket
    return open_store(
        "s3", endpoint=server.endpoint, region=server.region, bucket=bucket,
        access_key=server.access_key, secret_key=server.secret_key, multipart_mb=5, spool_dir=tmp_path,
    )


def test_stream_breaking_during_multipart_upload_is_aborted(s3):
    data = os.urandom(20 * MiB)
    # A file-like stream is hashed first, then uploaded; break it 12 MiB into the upload pass, after two
    # parts have really been stored on the server.
    stream = FailingStream(data, fail_after=len(data) + 12 * MiB, seekable=True)
    with pytest.raises(Interrupted):
        s3.put_stream("items/x/item.pdf", stream)
    assert not s3.exists("items/x/item.pdf")
    assert leftovers(s3) == []


def test_server_failure_during_multipart_upload_is_aborted(s3, monkeypatch):
    real_upload_part = s3.client.upload_part
    calls = []

    def flaky_upload_part(**kwargs):
        calls.append(kwargs["PartNumber"])
        if kwargs["PartNumber"] == 3:
            raise ConnectionResetError("connection reset by peer")
        return real_upload_part(**kwargs)

    monkeypatch.setattr(s3.client, "upload_part", flaky_upload_part)
    with pytest.raises(ConnectionResetError):
        s3.put_bytes("items/x/item.pdf", os.urandom(20 * MiB))
    assert calls == [1, 2, 3]
    assert not s3.exists("items/x/item.pdf")
    assert leftovers(s3) == []


def test_content_changing_between_hash_and_upload_is_refused(s3):
    class Shifty(io.BytesIO):
        """Returns other bytes on the second pass, like a file rewritten while being stored."""

        def __init__(self, data):
            super().__init__(data)
            self.passes = 0

        def seek(self, pos, whence=0):
            self.passes += 1
            return super().seek(pos, whence)

        def read(self, n=-1):
            data = super().read(n)
            return data.upper() if self.passes else data

    with pytest.raises(StorageError, match="changed while"):
        s3.put_stream("k", Shifty(b"abc" * (3 * MiB)))
    assert not s3.exists("k")
    assert leftovers(s3) == []


def test_missing_bucket_is_a_storage_error(s3_bucket, tmp_path):
    server, _ = s3_bucket
    store = open_store(
        "s3", endpoint=server.endpoint, region=server.region, bucket="olk-test-never-created",
        access_key=server.access_key, secret_key=server.secret_key, multipart_mb=5,
    )
    with pytest.raises(StorageError, match="does not exist"):
        store.put_bytes("k", b"x")
    with pytest.raises(StorageError):
        store.check()


def test_unreachable_server_is_a_storage_error():
    store = open_store(
        "s3", endpoint="http://127.0.0.1:9", region="us-east-1", bucket="b",
        access_key="k", secret_key="s", multipart_mb=5, max_attempts=1,
    )
    with pytest.raises(StorageError, match="cannot reach"):
        store.check()


def test_ensure_bucket_is_idempotent(s3):
    s3.ensure_bucket()
    s3.ensure_bucket()
    assert "s3 bucket" in s3.check()
