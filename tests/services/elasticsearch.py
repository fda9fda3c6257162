"""A throw-away single-node Elasticsearch from the integ-test-zip that setup.sh unpacks into .cache/.

Elasticsearch refuses to run as root, so as root it runs as the unprivileged `olketanu-test` user
(created by setup.sh), with its config, data and logs in a temp dir that user owns.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .process import (
    CACHE_DIR, INSTALL_HINT, ServiceProcess, ServiceStartError, as_user, chown_tree, free_port,
    make_temp_dir, require_user, running_as_root,
)

ES_VERSION = "8.19.7"
ES_HOME = CACHE_DIR / f"elasticsearch-{ES_VERSION}"
TEST_USER = "olketanu-test"
# No hsperfdata files left in /tmp by the JVMs (the server, and the CLI launcher in front of it).
JAVA_OPTS = "-Xms512m -Xmx512m -XX:-UsePerfData"
CLI_JAVA_OPTS = "-XX:-UsePerfData"
START_TIMEOUT_S = 180  # a cold JVM on two busy cores can take a while


@dataclass
class ElasticsearchServer:
    process: ServiceProcess
    url: str

    def is_yellow(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s",
                                        timeout=5) as response:
                return json.load(response).get("status") in ("yellow", "green")
        except OSError:
            return False  # not listening yet, or 408 while the cluster forms

    def stop(self) -> None:
        self.process.cleanup()


def java_home() -> str:
    """The JDK behind `java` on PATH: the integ-test-zip ships without a bundled JDK."""
    java = shutil.which("java")
    if java is None:
        raise ServiceStartError(f"java not found on PATH (Elasticsearch needs Java 17+); {INSTALL_HINT}")
    return str(Path(os.path.realpath(java)).parent.parent)


def _readable_by(user: str | None, path: Path) -> bool:
    if user is None:
        return os.access(path, os.X_OK)
    return subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)]).returncode == 0


def _home_for(user: str | None, workdir: Path) -> Path:
    """ES_HOME itself, or a hard-linked copy in workdir when `user` cannot reach it (e.g. a clone under /root)."""
    if _readable_by(user, ES_HOME / "bin" / "elasticsearch"):
        return ES_HOME
    copy = workdir / "home"
    try:
        shutil.copytree(ES_HOME, copy, copy_function=os.link)
    except OSError:  # another filesystem: hard links impossible, copy instead
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(ES_HOME, copy)
    return copy


def _settings(workdir: Path, http_port: int, transport_port: int) -> list[str]:
    settings = {
        "discovery.type": "single-node",
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        "path.data": workdir / "data",
        "path.logs": workdir / "logs",
        "xpack.security.enabled": "false",
        # A nearly full disk must not stop shards from being allocated in a test run.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    return [arg for key, value in settings.items() for arg in ("-E", f"{key}={value}")]


def start_elasticsearch() -> ElasticsearchServer:
    if not (ES_HOME / "bin" / "elasticsearch").is_file():
        raise ServiceStartError(f"Elasticsearch {ES_VERSION} not found at {ES_HOME}; {INSTALL_HINT}")
    user = TEST_USER if running_as_root() else None
    if user:
        require_user(user, "Elasticsearch refuses to run as root")
    env = dict(os.environ, ES_JAVA_HOME=java_home(), ES_JAVA_OPTS=JAVA_OPTS, CLI_JAVA_OPTS=CLI_JAVA_OPTS)
    workdir = make_temp_dir("elasticsearch")
    http_port, transport_port = free_port(), free_port()
    process = ServiceProcess("elasticsearch", [], workdir, env=env)
    server = ElasticsearchServer(process, f"http://127.0.0.1:{http_port}")
    try:
        # ES writes into its config dir (keystore), so each run gets its own copy.
        shutil.copytree(ES_HOME / "config", workdir / "config")
        for name in ("data", "logs", "tmp"):
            (workdir / name).mkdir()
        # The launcher's JVM writes its option files to java.io.tmpdir (/tmp/final-flags*): keep them
        # in the work dir, which is removed with the server.
        env.update(ES_PATH_CONF=str(workdir / "config"), ES_TMPDIR=str(workdir / "tmp"),
                   CLI_JAVA_OPTS=f"{CLI_JAVA_OPTS} -Djava.io.tmpdir={workdir / 'tmp'}")
        if user:
            chown_tree(workdir, user)
        # After the chown: a hard-linked copy of ES_HOME shares inodes with .cache/ and must keep its owner.
        home = _home_for(user, workdir)
        process.argv = as_user([str(home / "bin" / "elasticsearch"), *_settings(workdir, http_port, transport_port)], user)
        process.start()
        process.wait_until(server.is_yellow, START_TIMEOUT_S, "cluster health yellow")
    except BaseException:
        process.cleanup()
        raise
    return server
