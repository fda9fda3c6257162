"""Parent side of the resident Tesseract helper (ocr/tesseract_child.py).

One helper process per OCR engine object and process (an ingest worker, the web app's job
thread). A request that outlives its timeout, or a helper that dies (a crash inside Tesseract),
fails that one page: the helper is killed and the next request starts a fresh one; so is a request
interrupted in any other way (Ctrl-C), so that no late reply is ever taken for the next page's. The
helper ends by itself within 0.1 s of this process (ocr/tesseract_child.py): a worker killed
mid-page leaves nothing running.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import ocr
from ocr.base import OcrFailed, OcrTimeout


class ResidentTesseract:
    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending = b""
        self._requests = 0
        self._lock = threading.Lock()
        self._pid = os.getpid()  # the process whose helper and lock these are

    def _forget_if_forked(self) -> None:
        """In a forked copy: the helper is the parent's, and the lock may have been copied held by a
        thread that does not exist here. Start afresh (only one thread runs right after a fork)."""
        if self._pid != os.getpid():
            self._lock, self._pid = threading.Lock(), os.getpid()
            self._proc, self._pending = None, b""

    def run(self, image: Path, outbase: Path, languages: str, psm: int, outputs: tuple[str, ...],
            timeout_s: float, shown_name: str) -> None:
        """Have the helper write `outbase`.xml/.txt/.pdf; raise OcrTimeout/OcrFailed naming `shown_name`."""
        self._forget_if_forked()
        with self._lock:
            self._requests += 1
            request = {"id": self._requests, "image": str(image.resolve()), "outbase": str(outbase.resolve()),
                       "languages": languages, "psm": int(psm), "outputs": list(outputs)}
            try:
                reply = self._exchange(request, timeout_s, shown_name)
            except BaseException:
                # Interrupted between request and reply (Ctrl-C, a timeout, a crash): the helper may
                # still answer or write files later; only a new helper is surely in step.
                self._discard()
                raise
        if not reply.get("ok"):
            raise OcrFailed(f"{shown_name}: {reply.get('error') or 'Tesseract failed'}")

    def _exchange(self, request: dict[str, object], timeout_s: float, shown_name: str) -> dict[str, object]:
        proc = self._started(shown_name)
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            raise OcrFailed(f"{shown_name}: Tesseract ended unexpectedly ({self._ended(proc)})") from None
        line = self._read_line(proc, timeout_s)
        if line is None:
            raise OcrTimeout(f"{shown_name}: OCR did not finish within {timeout_s:g} s")
        if not line:
            raise OcrFailed(f"{shown_name}: Tesseract crashed ({self._ended(proc)})")
        reply = json.loads(line)
        if reply.get("id") != request["id"]:
            raise OcrFailed(f"{shown_name}: the Tesseract helper answered another request")
        return reply

    def close(self, wait_s: float = 5.0) -> None:
        """End the helper: it exits when its input closes (killed if it does not within `wait_s`)."""
        self._forget_if_forked()
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is None:
                return
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            try:
                proc.wait(wait_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()

    @property
    def pid(self) -> int | None:
        self._forget_if_forked()
        return self._proc.pid if self._proc is not None else None

    def _started(self, shown_name: str) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._proc is not None:
            self._discard()
        # The helper imports this package: give it the folder the package was loaded from.
        env = dict(self._env, PYTHONPATH=str(Path(ocr.__file__).resolve().parent.parent))
        try:
            # -P: the package from PYTHONPATH, never an `ocr` folder in the current directory.
            argv = [sys.executable, "-P", "-m", "ocr.tesseract_child", str(os.getpid())]
            self._proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)  # may echo file contents
        except OSError as exc:
            raise OcrFailed(f"{shown_name}: could not start the Tesseract helper ({exc.strerror})") from None
        self._pending = b""
        return self._proc

    def _read_line(self, proc: subprocess.Popen[bytes], timeout_s: float) -> bytes | None:
        """One reply line; b"" when the helper ended, None on timeout."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return b""
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line

    def _ended(self, proc: subprocess.Popen[bytes], wait_s: float = 1.0) -> str:
        """How a helper that closed its output ended (it may still be exiting): for messages."""
        try:
            code = proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            return "no exit status"
        return f"signal {-code}" if code < 0 else f"exit status {code}"

    def _discard(self) -> str:
        """Kill and reap the helper; returns how it ended, for messages."""
        proc, self._proc = self._proc, None
        if proc is None:
            return "no helper"
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass  # the helper is gone; there is nothing left to flush to
        return f"signal {-code}" if code < 0 else f"exit status {code}"
