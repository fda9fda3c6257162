"""The `store` fixture: every test in the behavioural suite runs on each backend.

Local runs in tmp_path; S3 runs on the real S3-compatible server of the session fixture `s3_server`,
in a bucket made fresh for each test module and emptied after each test.
"""

import uuid

import boto3
import botocore.config
import pytest

from storage.registry import open_store

MULTIPART_MB = 5  # the smallest S3 allows, so a 20 MiB object goes up in four parts


def s3_client(server):
    config = botocore.config.Config(
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session(
        aws_access_key_id=server.access_key, aws_secret_access_key=server.secret_key, region_name=server.region
    ).client("s3", endpoint_url=server.endpoint, config=config)


@pytest.fixture(scope="module")
def s3_bucket(request):
    server = request.getfixturevalue("s3_server")
    bucket = f"olk-test-{uuid.uuid4().hex[:12]}"
    store = open_store(
        "s3", endpoint=server.endpoint, region=server.region, bucket=bucket,
        access_key=server.access_key, secret_key=server.secret_key, multipart_mb=MULTIPART_MB,
    )
    store.ensure()
    yield server, bucket
    client = s3_client(server)
    _empty(client, bucket)
    client.delete_bucket(Bucket=bucket)


def _empty(client, bucket):
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            # S3Proxy's filesystem backend lists its folders as "dir/" keys, which go away with their
            # last object; deleting one while it still has content stalls, so leave them be.
            if not entry["Key"].endswith("/"):
                client.delete_object(Bucket=bucket, Key=entry["Key"])


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def store(request, tmp_path):
    if request.param == "local":
        local = open_store("local", root=tmp_path / "store")
        local.ensure()
        yield local
        return
    server, bucket = request.getfixturevalue("s3_bucket")
    s3 = open_store(
        "s3", endpoint=server.endpoint, region=server.region, bucket=bucket,
        access_key=server.access_key, secret_key=server.secret_key, multipart_mb=MULTIPART_MB,
        spool_dir=tmp_path,
    )
    yield s3
    _empty(s3.client, bucket)
