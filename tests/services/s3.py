"""A real S3-compatible server for tests: S3Proxy (Apache-2.0) on its filesystem backend.

Clients must use path-style addressing, and with boto3 ≥ 1.36 also
`request_checksum_calculation="when_required"`: S3Proxy answers NotImplemented to the CRC32 checksum
headers that newer boto3 sends on every upload by default.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass

from .process import CACHE_DIR, INSTALL_HINT, ServiceProcess, ServiceStartError, free_port, make_temp_dir

S3PROXY_VERSION = "2.6.0"
S3PROXY_JAR = CACHE_DIR / "s3proxy" / f"s3proxy-{S3PROXY_VERSION}-jar-with-dependencies.jar"
ACCESS_KEY = "olketanu-test-access"
SECRET_KEY = "olketanu-test-secret"
REGION = "us-east-1"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class S3Server:
    """What a client needs to reach the server. Buckets are created by the tests that use it."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str


def _answers_http(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # 403 for an anonymous request: the server is up
    except OSError:
        return False  # not listening yet
    return True


def _properties(endpoint: str, basedir: str) -> str:
    return "\n".join([
        f"s3proxy.endpoint={endpoint}",
        "s3proxy.authorization=aws-v2-or-v4",
        f"s3proxy.identity={ACCESS_KEY}",
        f"s3proxy.credential={SECRET_KEY}",
        "jclouds.provider=filesystem",
        f"jclouds.filesystem.basedir={basedir}",
        "",
    ])


def start_s3() -> tuple[S3Server, ServiceProcess]:
    java = shutil.which("java")
    if java is None:
        raise ServiceStartError(f"java not found on PATH (S3Proxy needs Java 17+); {INSTALL_HINT}")
    if not S3PROXY_JAR.is_file():
        raise ServiceStartError(f"S3Proxy not found at {S3PROXY_JAR}; {INSTALL_HINT}")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    workdir = make_temp_dir("s3")
    (workdir / "objects").mkdir()
    properties = workdir / "s3proxy.properties"
    properties.write_text(_properties(endpoint, str(workdir / "objects")), encoding="utf-8")
    argv = [java, "-XX:-UsePerfData", "-jar", str(S3PROXY_JAR), "--properties", str(properties)]
    # Its filesystem backend has nothing to flush, and Jetty's graceful shutdown takes seconds.
    process = ServiceProcess("s3proxy", argv, workdir, stop_grace=2)
    try:
        process.start()
        process.wait_until(lambda: _answers_http(endpoint), START_TIMEOUT_S, "answering HTTP")
    except BaseException:
        process.cleanup()
        raise
    return S3Server(endpoint, ACCESS_KEY, SECRET_KEY, REGION), process
