"""Upload → ingest job on the task queue → a worker (in this process) → the report on the job page;
on the SQLite queue and on a real Redis. Also re-OCR from stored masters, and /api/jobs."""
from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from repository.jobs import uploads_dir, work
from repository.models import Event, Item
from tests.staff.conftest import SEARCH_WORD, csrf_from, login, make_app, two_pages


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(request, tmp_path):
    overrides: dict[str, object] = {}
    if request.param == "redis":
        overrides = {"queue.backend": "redis", "queue.redis_url": request.getfixturevalue("redis_url")}
    app = make_app(tmp_path, **overrides)
    yield app
    app.extensions["olketanu"].close()


def run_one_job(services) -> None:
    """What `olketanu worker --jobs 1` does, in this process."""
    assert work(services, services.open_queue(), "test-worker", threading.Event(), poll_s=0.2, stop_after=1) == 1


def upload(client, files: list[Path], **form: str) -> str:
    page = client.get("/staff/upload").get_data(as_text=True)
    data: dict[str, object] = {"csrf_token": csrf_from(page), **form,
                               "files": [(io.BytesIO(p.read_bytes()), p.name) for p in files]}
    response = client.post("/staff/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.location.startswith("/staff/jobs/")
    return response.location.rsplit("/", 1)[1]


def test_upload_job_worker_report(queue_app, tmp_path):
    services = queue_app.extensions["olketanu"]
    client = queue_app.test_client()
    login(client, "staff")
    pages = two_pages(tmp_path / "scans")
    job_id = upload(client, pages, languages="eng", title="Айлақ хаттары", title_lang="kk-Cyrl", publish="on")
    # Files wait under uploads/<job-id>/ for the worker.
    assert sorted(p.name for p in (uploads_dir(services.config) / job_id).rglob("*.png")) == ["p1.png", "p2.png"]
    waiting = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "queued" in waiting

    run_one_job(services)

    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert 'class="state state-done"' in page and "1 items: 1 ok, 0 failed" in page.replace("&#39;", "'")
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "done" and job["progress"]["pages_done"] == 2 and job["progress"]["pages_per_s"] > 0
    entry = job["report"]["items"][0]
    assert entry["status"] == "ok" and entry["pages"] == 2 and entry["catalog_status"] == "published"
    assert [o["model"] for o in entry["ocr"]] == ["eng", "eng"]
    assert {o["reason"] for o in entry["ocr"]} == {"forced by batch: eng"}
    assert "OCR per page" in page and "forced by batch: eng" in page
    assert f'/staff/items/{entry["item_id"]}' in page
    with services.db.read() as session:
        item = session.get(Item, entry["item_id"])
        assert item.status == "published" and item.dc["title"] == [{"value": "Айлақ хаттары", "lang": "kk-Cyrl"}]
        actors = {e.actor for e in session.scalars(select(Event).where(Event.target_id == entry["item_id"]))}
        assert actors == {"bolat"}  # the upload's user, not an anonymous "ingest"
    # Published items reach the search index through the app's hooks, anonymous readers find them.
    found = queue_app.test_client().get(f"/api/search?q={SEARCH_WORD}").get_json()
    assert entry["item_id"] in [hit["id"] for hit in found["hits"]]
    assert client.get("/api/jobs/unknownjob").status_code == 404
    assert queue_app.test_client().get(f"/api/jobs/{job_id}").status_code == 403


def test_a_failed_item_is_reported_with_its_reason(tmp_path, app, client):
    services = app.extensions["olketanu"]
    login(client, "staff")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    job_id = upload(client, [broken], languages="eng")
    run_one_job(services)
    page = client.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "1 failed" in page and 'class="report-error"' in page and "broken.png" in page


def test_zip_upload_with_a_sheet(tmp_path, app, client):
    services = app.extensions["olketanu"]
    login(client, "staff")
    pages = two_pages(tmp_path / "scans")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for p in pages:
            zf.write(p, f"harbour/{p.name}")
    sheet = ("path,title@en,date,type\nharbour,Harbour notes,1931,Text\n").encode()
    page = client.get("/staff/upload").get_data(as_text=True)
    response = client.post("/staff/upload", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "languages": "eng", "archive": (io.BytesIO(archive.getvalue()), "batch.zip"),
        "sheet": (io.BytesIO(sheet), "sheet.csv")})
    assert response.status_code == 302
    run_one_job(services)
    job = client.get(response.location.replace("/staff/jobs/", "/api/jobs/")).get_json()
    entry = job["report"]["items"][0]
    assert entry["status"] == "ok", job
    with services.db.read() as session:
        item = session.get(Item, entry["item_id"])
        assert item.status == "draft" and item.dc["title"] == [{"value": "Harbour notes", "lang": "en"}]
        assert item.dc["date"] == [{"value": "1931"}]


def test_a_dangerous_zip_is_refused_and_nothing_is_queued(app, client):
    login(client, "staff")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.png", b"x")
    page = client.get("/staff/upload").get_data(as_text=True)
    response = client.post("/staff/upload", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "archive": (io.BytesIO(archive.getvalue()), "bad.zip")})
    assert response.status_code == 400 and "is not allowed" in response.get_data(as_text=True)
    services = app.extensions["olketanu"]
    assert services.open_queue().list() == []
    assert list(uploads_dir(services.config).iterdir()) == []  # the staging folder is gone too
    empty = client.post("/staff/upload", data={"csrf_token": csrf_from(page)})
    assert empty.status_code == 400


def test_reocr_from_stored_masters_keeps_what_staff_set(tmp_path, app, client):
    services = app.extensions["olketanu"]
    login(client, "staff")
    job_id = upload(client, two_pages(tmp_path / "scans"), languages="eng", title="Harbour", title_lang="en")
    run_one_job(services)
    item_id = client.get(f"/api/jobs/{job_id}").get_json()["report"]["items"][0]["item_id"]
    token = csrf_from(client.get(f"/staff/items/{item_id}").get_data(as_text=True))
    client.post(f"/staff/items/{item_id}/pages", data={"csrf_token": token, "pos-1": "2", "pos-2": "1",
                                                       "label-1": "first", "label-2": "second"})
    client.post(f"/staff/items/{item_id}/status", data={"csrf_token": token, "action": "publish"})

    response = client.post(f"/staff/items/{item_id}/reocr", data={"csrf_token": token, "languages": "eng+rus"})
    assert response.status_code == 302
    run_one_job(services)
    job = client.get(response.location.replace("/staff/jobs/", "/api/jobs/")).get_json()
    assert job["state"] == "done", job
    assert job["report"]["items"][0]["status"] == "ok" and job["report"]["items"][0]["item_id"] == item_id
    with services.db.read() as session:
        item = session.get(Item, item_id)
        assert item.status == "published" and item.dc["title"] == [{"value": "Harbour", "lang": "en"}]
        assert [(p.seq, p.label, p.source_name, p.ocr_model) for p in item.pages] == [
            (1, "second", "p1/p2.png", "eng+rus"), (2, "first", "p1/p1.png", "eng+rus")]
        actions = [e.action for e in session.scalars(select(Event).where(Event.target_id == item_id).order_by(Event.id))]
    assert "reocr-requested" in actions and actions[-1] == "reocr"
    assert "reocr" in client.get(f"/staff/items/{item_id}").get_data(as_text=True)
    bad = client.post(f"/staff/items/{item_id}/reocr", data={"csrf_token": token, "languages": "eng; rm -rf"},
                      follow_redirects=True)
    assert "unknown OCR model" in bad.get_data(as_text=True) and "Latin+Cyrillic" in bad.get_data(as_text=True)


def test_a_collections_ocr_model_forces_uploads_into_it_and_bad_names_are_refused(tmp_path, app, client):
    from repository.collections import create_collection

    services = app.extensions["olketanu"]
    create_collection(services, "t", "maps", "Maps", ocr_languages="eng")
    login(client, "staff")
    job_id = upload(client, two_pages(tmp_path / "scans"), collection="maps")
    run_one_job(services)
    entry = client.get(f"/api/jobs/{job_id}").get_json()["report"]["items"][0]
    assert entry["status"] == "ok", entry
    assert [(o["model"], o["reason"]) for o in entry["ocr"]] == [("eng", "forced by collection 'maps': eng")] * 2
    with services.db.read() as session:
        item = session.get(Item, entry["item_id"])
        assert item.collection_id == "maps" and [p.ocr_model for p in item.pages] == ["eng", "eng"]
        assert item.pages[0].ocr_evidence["forced_by"] == "collection 'maps'"

    page = client.get("/staff/upload").get_data(as_text=True)
    refused = client.post("/staff/upload", data={
        "csrf_token": csrf_from(page), "languages": "Latn",
        "files": [(io.BytesIO((tmp_path / "scans" / "p1.png").read_bytes()), "p1.png")]},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "unknown OCR model" in refused.get_data(as_text=True)
    assert sorted(p.name for p in uploads_dir(services.config).iterdir()) == [job_id]  # nothing left behind
