"""Kill the batch at a random-ish moment (after the first page is stored) and run it again."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ingest.conftest import page
from tests.ingest.resume_child import JsonCatalog

REPO = Path(__file__).resolve().parents[2]
PAGES = 4


def test_kill_and_resume(tmp_path):
    batch = tmp_path / "batch"
    for n in range(1, PAGES + 1):
        page(batch / "book" / f"p{n}.png", n)
    store_root, catalog_file = tmp_path / "store", tmp_path / "catalog.json"
    args = [sys.executable, "-m", "tests.ingest.resume_child", str(store_root), str(catalog_file), str(batch)]
    # The killed run cannot remove its temporary folders (spool, multiprocessing's): keep them here.
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    # Its own session, so the kill takes the pool workers and Tesseract with it (as Ctrl-C or a
    # stopped service would).
    child = subprocess.Popen(args, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(store_root.glob("items/*/pages/*/page.json")):
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "no page stored within 60 s"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)  # the batch process only, as `kill -9 PID` would
    child.wait()
    # Its pool workers notice and end by themselves (no orphans waiting for work forever).
    assert _group_ends(child.pid, within_s=15), "workers outlived the killed batch"
    done_before = len(list(store_root.glob("items/*/pages/*/page.json")))
    assert 1 <= done_before < PAGES
    assert not catalog_file.exists()  # nothing registered: no partial item is visible

    again = subprocess.run(args, cwd=REPO, env=env, capture_output=True, timeout=120, check=True)
    report = json.loads(again.stdout)
    item = report["items"][0]
    assert item["status"] == "ok" and item["pages"] == PAGES
    assert item["pages_reused"] >= done_before
    catalog = JsonCatalog(catalog_file)._load()
    assert catalog["registrations"] == [item["item_id"]]  # registered once
    pages = sorted(p.name for p in (store_root / "items" / item["item_id"] / "pages").iterdir())
    assert pages == [f"{n:04d}" for n in range(1, PAGES + 1)]  # no duplicate pages
    masters = catalog["pages"][item["item_id"]]
    assert len(set(masters)) == PAGES
    for n, key in enumerate(masters, start=1):
        assert (store_root / key).read_bytes() == (batch / "book" / f"p{n}.png").read_bytes()
    # A write cut by the kill leaves at most an invisible temporary file, never a listed object.
    from storage.registry import open_store
    assert all("#" not in info.key for info in open_store("local", root=store_root).list(""))


def _group_ends(pgid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(pgid, signal.SIGKILL)
    return False
