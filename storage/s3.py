"""S3 backend (boto3), for AWS S3 and S3-compatible servers (MinIO, SeaweedFS, S3Proxy, Ceph).

Writes: the sha256 must be known before the object is created, because S3 only takes metadata
(`x-amz-meta-sha256`) when an upload starts. Seekable streams (files) are therefore read twice: once to
hash, once to upload, re-hashing on the way and refusing to complete if the bytes changed in between.
Other streams are first spooled to a temporary file (in memory below the multipart threshold).
Objects of `multipart_mb` MiB or more go up as a multipart upload, one part at a time; any failure, including
an interrupted stream or KeyboardInterrupt, aborts the upload so neither an object nor a pending upload
(with its stored parts) is left behind. S3 makes an object visible only when its upload completes.

Retries: botocore "standard" mode (exponential back-off on throttling, 5xx and connection errors).
Request checksums are sent only when an operation requires them, as several S3-compatible servers
reject the newer default (aws-chunked trailers).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import CHUNK, HashingReader, ObjectInfo, ObjectStore, hash_stream
from storage.errors import ObjectNotFound, StorageError
from storage.keys import is_valid_key, validate_key, validate_prefix

MIN_PART_MB = 5  # S3's minimum size of every part but the last
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_NO_BUCKET = {"NoSuchBucket"}


class S3Store(ObjectStore):
    def __init__(
        self,
        endpoint: str | None,
        region: str,
        bucket: str,
        access_key: str | None,
        secret_key: str | None,
        multipart_mb: int = 16,
        max_attempts: int = 5,
        addressing_style: str = "path",
        spool_dir: str | Path | None = None,
    ) -> None:
        if multipart_mb < MIN_PART_MB:
            raise StorageError(f"multipart_mb must be at least {MIN_PART_MB} (S3's minimum part size)")
        self.endpoint = endpoint
        self.bucket = bucket
        self.part_size = multipart_mb * 2**20
        self.spool_dir = spool_dir
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            s3={"addressing_style": addressing_style},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=10,
            read_timeout=60,
        )
        # An explicit session: the given credentials, not a profile's. With None (as `olketanu` passes for
        # empty settings) boto3's own chain applies, e.g. an instance role on AWS.
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        self.client = session.client("s3", endpoint_url=endpoint or None, config=config)
        self.region = region

    # --- writing ---------------------------------------------------------------------------------

    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        validate_key(key)
        if _seekable(stream):
            start = stream.tell()
            size, sha256 = hash_stream(stream)
            stream.seek(start)
            return self._upload(key, stream, size, sha256)
        with tempfile.SpooledTemporaryFile(max_size=self.part_size, dir=self.spool_dir) as spool:
            reader = HashingReader(stream)
            while chunk := reader.read(CHUNK):
                spool.write(chunk)
            spool.seek(0)
            return self._upload(key, spool, reader.size, reader.hexdigest())

    def _upload(self, key: str, stream: BinaryIO, size: int, sha256: str) -> ObjectInfo:
        reader = HashingReader(stream)
        if size < self.part_size:
            body = _read_full(reader, size + 1)  # one byte more reveals a stream that grew
            _verify(key, reader, size, sha256)
            with self._errors(key):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata={"sha256": sha256})
        else:
            self._multipart(key, reader, size, sha256)
        return ObjectInfo(key, size, sha256, self._modified(key))

    def _multipart(self, key: str, reader: HashingReader, size: int, sha256: str) -> None:
        with self._errors(key):
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, Metadata={"sha256": sha256})
        upload_id = upload["UploadId"]
        try:
            parts = self._upload_parts(key, upload_id, reader)
            _verify(key, reader, size, sha256)
            with self._errors(key):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
        except BaseException as exc:
            self._abort(key, upload_id, exc)
            raise

    def _upload_parts(self, key: str, upload_id: str, reader: HashingReader) -> list[dict]:
        parts = []
        number = 1
        while data := _read_full(reader, self.part_size):
            with self._errors(key):
                response = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
                )
            parts.append({"ETag": response["ETag"], "PartNumber": number})
            number += 1
        return parts

    def _abort(self, key: str, upload_id: str, cause: BaseException) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (BotoCoreError, ClientError) as exc:
            # The original failure is what the caller must see; the failed abort rides along as a note.
            cause.add_note(f"abort of multipart upload {upload_id} for {key!r} also failed: {exc}")

    def delete(self, key: str) -> None:
        validate_key(key)
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=key)  # S3 deletes are idempotent

    # --- reading ---------------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        with self._errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def get_bytes(self, key: str) -> bytes:
        validate_key(key)
        with self._errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with body:
                return body.read()

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        validate_key(key)
        # Keep the extension: some tools (Tesseract, pdf2image) choose their reader by it.
        suffix = PurePosixPath(key).suffix
        fd, name = tempfile.mkstemp(prefix="olketanu-", suffix=suffix, dir=self.spool_dir)
        try:
            with os.fdopen(fd, "wb") as out, self._errors(key):
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
                with body:
                    while chunk := body.read(CHUNK):
                        out.write(chunk)
            yield Path(name)
        finally:
            os.unlink(name)

    def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        sha256 = head.get("Metadata", {}).get("sha256")
        return ObjectInfo(key, head["ContentLength"], sha256, _utc(head["LastModified"]))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        # S3 lists in UTF-8 byte order, which for ASCII keys is Python's string order.
        with self._errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    if is_valid_key(entry["Key"]):  # objects written by other tools are not ours
                        yield ObjectInfo(entry["Key"], entry["Size"], None, _utc(entry["LastModified"]))

    # --- administration --------------------------------------------------------------------------

    def ensure(self) -> None:
        self.ensure_bucket()

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (idempotent)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _NOT_FOUND | _NO_BUCKET:
                raise StorageError(f"cannot reach bucket {self.bucket!r}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach S3 at {self.endpoint}: {exc}") from exc
        kwargs: dict = {"Bucket": self.bucket}
        if self.region and self.region != "us-east-1":  # us-east-1 rejects an explicit constraint
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise StorageError(f"cannot create bucket {self.bucket!r}: {exc}") from exc
            # Created concurrently by another process: that is the state we wanted.
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach S3 at {self.endpoint}: {exc}") from exc

    def check(self) -> str:
        with self._errors(""):
            self.client.head_bucket(Bucket=self.bucket)
        where = self.endpoint or f"AWS {self.region}"
        return f"s3 bucket {self.bucket} at {where} (boto3 {boto3.__version__})"

    # --- helpers ---------------------------------------------------------------------------------

    def _modified(self, key: str) -> datetime:
        with self._errors(key):
            return _utc(self.client.head_object(Bucket=self.bucket, Key=key)["LastModified"])

    @contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        """Translate boto errors into the storage package's errors."""
        try:
            yield
        except ClientError as exc:
            code = _code(exc)
            if code in _NO_BUCKET:
                raise StorageError(f"bucket {self.bucket!r} does not exist (run `olketanu init`)") from exc
            if code in _NOT_FOUND and key:
                raise ObjectNotFound(key) from exc
            raise StorageError(f"S3 error on {key!r} in bucket {self.bucket!r}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot reach S3 at {self.endpoint}: {exc}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _utc(moment: datetime) -> datetime:
    # botocore mixes tzutc and tzlocal depending on the response parser; callers get plain UTC.
    return moment.astimezone(timezone.utc)


def _seekable(stream: BinaryIO) -> bool:
    seekable = getattr(stream, "seekable", None)
    return bool(seekable and seekable())


def _read_full(reader: HashingReader, n: int) -> bytes:
    """Up to n bytes, fewer only at end of stream (streams may return short reads)."""
    buffer = bytearray()
    while len(buffer) < n:
        data = reader.read(min(CHUNK, n - len(buffer)))
        if not data:
            break
        buffer += data
    return bytes(buffer)


def _verify(key: str, reader: HashingReader, size: int, sha256: str) -> None:
    if reader.size != size or reader.hexdigest() != sha256:
        raise StorageError(f"content of {key!r} changed while it was being uploaded; nothing was stored")
