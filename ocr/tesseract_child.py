"""The resident Tesseract helper process: `python -m ocr.tesseract_child PARENT_PID`.

Reads one JSON request per line on stdin, answers one JSON line on stdout:

    {"image": "/abs/page.png", "outbase": "/abs/work/out", "languages": "kaz+rus+eng",
     "psm": 3, "outputs": ["alto", "txt", "pdf"]}
    -> {"ok": true}  or  {"ok": false, "error": "<a cause we wrote>"}

Model sets stay initialised between requests (the few most recently used). The process ends when
stdin closes, i.e. when its parent ends. It runs apart from the parent so that a Tesseract crash or
hang costs only this process: the parent kills it on a timeout and starts a new one
(ocr/tesseract_resident.py).
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO

from ocr.tesseract_capi import TessApi, TessLibraryError

# Model sets kept initialised. The automatic choice uses the probe set on every page plus one of
# four final sets; five would keep all, at ~60-200 MB each. Four keeps the probe and the usual finals.
KEEP_MODEL_SETS = 4


class ModelCache:
    def __init__(self, keep: int = KEEP_MODEL_SETS) -> None:
        self._keep = keep
        self._apis: OrderedDict[str, TessApi] = OrderedDict()

    def get(self, languages: str) -> TessApi:
        api = self._apis.pop(languages, None) or TessApi(languages)
        self._apis[languages] = api
        while len(self._apis) > self._keep:
            _, oldest = self._apis.popitem(last=False)
            oldest.close()
        return api

    def close(self) -> None:
        while self._apis:
            self._apis.popitem()[1].close()


def handle(request: dict[str, object], models: ModelCache) -> dict[str, object]:
    try:
        api = models.get(str(request["languages"]))
        done = api.process(Path(str(request["image"])), Path(str(request["outbase"])),
                           int(request["psm"]), tuple(request["outputs"]))
    except TessLibraryError as exc:
        return {"ok": False, "error": str(exc)}
    if not done:
        return {"ok": False, "error": "Tesseract could not process the image"}
    return {"ok": True}


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    models = ModelCache()
    try:
        for line in requests:
            reply = handle(json.loads(line), models)
            replies.write(json.dumps(reply).encode("utf-8") + b"\n")
            replies.flush()
    finally:
        models.close()


def end_with_parent(parent: int) -> None:
    """Be killed as soon as the process that started this one ends, even by kill -9 mid-page.

    Without this a helper would notice only when it next reads its input, after finishing the page
    it is on. Linux-only (prctl PR_SET_PDEATHSIG), like the rest of the pipeline's process handling.
    The kernel sends the signal when the *thread* that started this process ends.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent ended before the line above took effect
        raise SystemExit(0)


def main() -> int:
    if len(sys.argv) > 1:
        end_with_parent(int(sys.argv[1]))
    # The protocol gets its own copy of stdout; fd 1 then points at stderr so that anything the
    # libraries print (leptonica, Tesseract) can never corrupt a reply.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, replies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
