"""Each real service starts on demand and answers a client."""

import io
import json
import os
import urllib.request

import boto3
import botocore.config
import psycopg
import pytest
import redis
from boto3.s3.transfer import TransferConfig
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.services
MiB = 2**20


def test_postgres_answers_select(postgres_url):
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg"
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_postgres_factory_gives_separate_empty_databases(postgres_database_factory):
    first, second = postgres_database_factory(), postgres_database_factory()
    assert make_url(first).database != make_url(second).database
    url = make_url(first)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_redis_answers_ping(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.ping()
    client.set("olketanu:probe", "ok")
    assert client.get("olketanu:probe") == b"ok"


def test_elasticsearch_cluster_is_healthy(elasticsearch_url):
    with urllib.request.urlopen(f"{elasticsearch_url}/_cluster/health", timeout=10) as response:
        health = json.load(response)
    assert health["status"] in ("yellow", "green")
    assert health["number_of_nodes"] == 1


def _client(server):
    # Path-style, and checksums only when required: see tests/services/s3.py.
    config = botocore.config.Config(
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3", endpoint_url=server.endpoint, region_name=server.region,
        aws_access_key_id=server.access_key, aws_secret_access_key=server.secret_key, config=config,
    )


def test_s3_put_get_and_multipart_upload(s3_server):
    s3 = _client(s3_server)
    s3.create_bucket(Bucket="services-probe")
    s3.put_object(Bucket="services-probe", Key="items/a/item.json", Body=b'{"ok": true}')
    assert s3.get_object(Bucket="services-probe", Key="items/a/item.json")["Body"].read() == b'{"ok": true}'

    data = os.urandom(12 * MiB)
    parts = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(data), "services-probe", "items/a/item.pdf", Config=parts)
    head = s3.head_object(Bucket="services-probe", Key="items/a/item.pdf")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 2 MiB: really went up in three parts
    assert s3.get_object(Bucket="services-probe", Key="items/a/item.pdf")["Body"].read() == data
