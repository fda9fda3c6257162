"""Shared plumbing for the throw-away service processes: free ports, waiting, start and stop.

Each service runs in its own process group so that stopping it also stops whatever it forked
(PostgreSQL backends, the Elasticsearch CLI's JVM), and writes its output to one log file whose last
lines go into the failure message when it does not come up.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
INSTALL_HINT = "run `bash scripts/setup.sh install` first"
LOG_TAIL_LINES = 40


class ServiceStartError(RuntimeError):
    """A service could not be started; the message says why and quotes the end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    if not path.exists():
        return f"(no log file at {path})"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(log is empty)"


def running_as_root() -> bool:
    return os.geteuid() == 0


def require_user(name: str, why: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ServiceStartError(f"system user {name!r} does not exist ({why}); {INSTALL_HINT}") from None


def make_temp_dir(prefix: str, owner: str | None = None) -> Path:
    """A temp dir outside pytest's own (which is private to the current user), optionally given to `owner`."""
    path = Path(tempfile.mkdtemp(prefix=f"olketanu-{prefix}-"))
    if owner is not None:
        chown_tree(path, owner)
    return path


def chown_tree(path: Path, owner: str) -> None:
    entry = pwd.getpwnam(owner)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def as_user(argv: Sequence[str], user: str | None) -> list[str]:
    """Prefix argv with runuser when we are root and the service must not run as root."""
    if user is None or not running_as_root():
        return list(argv)
    return ["runuser", "-u", user, "--", *argv]


def run_checked(argv: Sequence[str], what: str, *, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 120) -> None:
    """Run a set-up command (e.g. initdb) to completion; raise with its output if it fails."""
    try:
        done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise ServiceStartError(f"{what}: {exc.filename} not found; {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ServiceStartError(f"{what}: timed out after {timeout:.0f} s") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
        raise ServiceStartError(f"{what} failed with exit code {done.returncode}:\n" + "\n".join(output))


class ServiceProcess:
    """One long-running service process with its log file and its temp dir."""

    def __init__(self, name: str, argv: Sequence[str], workdir: Path, *, env: dict | None = None,
                 cwd: Path | None = None, stop_grace: float = 20):
        self.name = name
        self.argv = list(argv)
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.env = env
        self.cwd = cwd or workdir
        self.stop_grace = stop_grace
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            try:
                self.proc = subprocess.Popen(
                    self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    cwd=self.cwd, env=self.env, start_new_session=True,
                )
            except FileNotFoundError as exc:
                raise ServiceStartError(f"{self.name}: {exc.filename} not found; {INSTALL_HINT}") from exc

    def failure(self, reason: str) -> ServiceStartError:
        return ServiceStartError(
            f"{self.name} did not start: {reason}\ncommand: {' '.join(self.argv)}\n"
            f"last lines of {self.log_path}:\n{log_tail(self.log_path)}"
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `ready` until it returns True; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise self.failure(f"process exited with code {self.proc.returncode} before {what}")
            if ready():
                return
            time.sleep(0.25)
        raise self.failure(f"not {what} after {timeout:.0f} s")

    def stop(self) -> None:
        """Terminate the whole process group, then kill what is left after `stop_grace` seconds."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session makes the child its group leader
        _signal_group(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=self.stop_grace)
        except subprocess.TimeoutExpired:
            pass
        # Children may outlive the leader (or ignore SIGTERM): make sure nothing is left behind.
        _signal_group(pgid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # the group is already gone, which is what we want
