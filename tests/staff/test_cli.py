"""`olketanu ingest`, `olketanu worker` and `olketanu demo`, run as the installed command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.jobs import params_for
from repository import create_app
from repository.jobs import INGEST
from tests.repository.conftest import make_config
from tests.staff.conftest import SEARCH_WORD, two_pages

OLKETANU = str(Path(sys.executable).with_name("olketanu"))


def olketanu(tmp_path: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    if not config.exists():
        config.write_text("{}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLKETANU_")}
    env.update(OLKETANU_REPOSITORY_DATA_DIR=str(tmp_path / "var"), OLKETANU_INGEST_WORKERS="2")
    return subprocess.run([OLKETANU, "--config", str(config), *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=tmp_path)


def app_for(tmp_path: Path):
    return create_app(make_config(tmp_path))


def test_ingest_json_report(tmp_path):
    two_pages(tmp_path / "batch" / "harbour")
    assert olketanu(tmp_path, "init").returncode == 0
    done = olketanu(tmp_path, "ingest", str(tmp_path / "batch"), "--lang", "eng", "--publish", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["totals"]["ok"] == 1 and report["totals"]["pages"] == 2
    entry = report["items"][0]
    assert entry["source"] == "batch/harbour" and entry["catalog_status"] == "published"
    assert "page" in done.stderr  # the tqdm bar
    again = olketanu(tmp_path, "ingest", str(tmp_path / "batch"), "--lang", "eng", "--json", "--no-progress")
    assert json.loads(again.stdout)["items"][0]["status"] == "skipped"
    app = app_for(tmp_path)
    hits = app.test_client().get(f"/api/search?q={SEARCH_WORD}").get_json()["hits"]
    assert [h["id"] for h in hits] == [entry["item_id"]]
    app.extensions["olketanu"].close()


def test_ingest_reports_failures_with_exit_status_1(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "p1.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    assert olketanu(tmp_path, "init").returncode == 0
    done = olketanu(tmp_path, "ingest", str(tmp_path / "bad"), "--lang", "eng", "--no-progress")
    assert done.returncode == 1
    assert "FAILED" in done.stdout and "p1.jpg" in done.stdout


def test_worker_command_runs_a_queued_job(tmp_path):
    two_pages(tmp_path / "batch" / "harbour")
    assert olketanu(tmp_path, "init").returncode == 0
    app = app_for(tmp_path)
    queue = app.extensions["olketanu"].open_queue()
    job_id = queue.enqueue(INGEST, {**params_for([tmp_path / "batch"], languages="eng", publish=True),
                                    "actor": "bolat"})
    done = olketanu(tmp_path, "worker", "--jobs", "1", "--poll", "0.2")
    assert done.returncode == 0, done.stderr
    assert "stopped after 1 job" in done.stdout
    job = queue.get(job_id)
    assert job.state == "done" and job.report["totals"]["ok"] == 1
    hits = app.test_client().get(f"/api/search?q={SEARCH_WORD}").get_json()["hits"]
    assert len(hits) == 1  # the worker process indexed what it published
    app.extensions["olketanu"].close()


def test_demo_end_to_end(tmp_path):
    done = olketanu(tmp_path, "demo", "--no-progress", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 items: 4 ok, 0 failed" in done.stdout
    assert "olketanu serve" in done.stdout and "http://127.0.0.1:5000/" in done.stdout
    app = app_for(tmp_path)
    client = app.test_client()
    listing = client.get("/api/items").get_json()
    assert listing["total"] == 4 and {i["status"] for i in listing["items"]} == {"published"}
    assert {i["collection"] for i in listing["items"]} == {"olketanu", "gazetter"}
    hits = client.get("/api/search?q=Өскемен").get_json()["hits"]
    assert hits, "the demo items are searchable"
    assert client.get("/").status_code == 200
    app.extensions["olketanu"].close()
    again = olketanu(tmp_path, "demo", "--no-progress")  # running it twice is harmless
    assert again.returncode == 0 and "4 skipped" in again.stdout
