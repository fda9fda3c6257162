"""A throw-away Redis: no snapshots, no append-only file, 127.0.0.1 on a free port."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from .process import INSTALL_HINT, ServiceProcess, ServiceStartError, free_port, make_temp_dir

START_TIMEOUT_S = 30


@dataclass
class RedisServer:
    process: ServiceProcess
    url: str

    def answers_ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False  # not listening yet

    def stop(self) -> None:
        self.process.cleanup()


def start_redis() -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceStartError(f"redis-server not found on PATH; {INSTALL_HINT}")
    port = free_port()
    workdir = make_temp_dir("redis")
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]
    process = ServiceProcess("redis", argv, workdir)
    server = RedisServer(process, f"redis://127.0.0.1:{port}/0")
    try:
        process.start()
        process.wait_until(server.answers_ping, START_TIMEOUT_S, "answering PING")
    except BaseException:
        process.cleanup()
        raise
    return server
