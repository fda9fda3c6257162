"""The resident Tesseract helper process: `python -m ocr.tesseract_child PARENT_PID`.

Reads one JSON request per line on stdin, answers one JSON line on stdout:

    {"image": "/abs/page.png", "outbase": "/abs/work/out", "languages": "kaz+rus+eng",
     "psm": 3, "outputs": ["alto", "txt", "pdf"]}
    -> {"ok": true, "id": ...}  or  {"ok": false, "error": "<a cause we wrote>", "id": ...}

An optional "id" in a request is echoed in its reply, so the parent can tell a late reply from the
answer to its current request.

Model sets stay initialised between requests (the few most recently used). The process ends when
stdin closes, i.e. when its parent ends. It runs apart from the parent so that a Tesseract crash or
hang costs only this process: the parent kills it on a timeout and starts a new one
(ocr/tesseract_resident.py).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, BinaryIO

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


def handle(request: dict[str, Any], models: ModelCache) -> dict[str, Any]:
    try:
        api = models.get(str(request["languages"]))
        done = api.process(os.fsencode(request["image"]), os.fsencode(request["outbase"]),
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
            request: dict[str, Any] = {}
            try:
                request = json.loads(line)
                reply = handle(request, models)
            except Exception as exc:  # a bad request or a bug here: answer it and keep the loaded models
                reply = {"ok": False, "error": f"the Tesseract helper could not run the request "
                                               f"({type(exc).__name__}: {exc})"}
            reply["id"] = request.get("id") if isinstance(request, dict) else None
            replies.write(json.dumps(reply).encode("utf-8") + b"\n")
            replies.flush()
    finally:
        models.close()


def watch_parent(parent: int, every_s: float = 0.1) -> None:
    """End this process as soon as the one that started it is gone, even by kill -9 mid-page.

    Otherwise a helper would notice only when it next reads its input, after finishing the page it
    is on. A thread, not prctl(PR_SET_PDEATHSIG): that signal follows the parent's *thread*, and the
    parent may start the helper from a thread that ends while another one still uses it. The page
    runs in C with the GIL released, so this thread runs meanwhile.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(0)  # nothing to flush or clean: the parent that wanted the output is gone

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def main() -> int:
    if len(sys.argv) > 1:
        watch_parent(int(sys.argv[1]))
    # The protocol gets its own copy of stdout; fd 1 then points at stderr so that anything the
    # libraries print (leptonica, Tesseract) can never corrupt a reply.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, replies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
