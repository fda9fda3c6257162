"""The staff path in real headless Chromium on a live server with the embedded worker thread:
login → upload two sample pages → the job page follows the job to its report → publish → an
anonymous reader finds the item by a word on its pages. Screenshots go to tests/artifacts/.
Chromium missing fails the test (it is installed by setup), it is never skipped.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from repository.jobs import start_background_worker
from tests.staff.conftest import SEARCH_WORD, USERS, make_app, two_pages
from tests import chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def live(tmp_path):
    from werkzeug.serving import make_server

    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = make_app(tmp_path, **{"repository.base_url": url})
    holder["app"] = app
    services = app.extensions["olketanu"]
    worker, stop_worker = start_background_worker(services, poll_s=0.2)  # what `olketanu serve` starts
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=10)
    stop_worker.set()
    worker.join(timeout=120)
    services.close()


@pytest.fixture
def browser():
    with chromium.launched() as browser:
        yield browser


def test_staff_upload_to_anonymous_search(live, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    pages = two_pages(tmp_path / "scans")
    errors: list[str] = []
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(f"{live}/staff/?lang=en")
    assert "/staff/login" in page.url
    username, password, _ = USERS["staff"]
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.screenshot(path=str(ARTIFACTS / "staff_login.png"), full_page=True)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/staff/?lang=en")
    page.screenshot(path=str(ARTIFACTS / "staff_dashboard.png"), full_page=True)

    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Page images or PDFs").set_input_files([str(p) for p in pages])
    page.get_by_label("Title of the uploaded files").fill("Harbour notes")
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_label("OCR model").fill("eng")
    page.screenshot(path=str(ARTIFACTS / "staff_upload.png"), full_page=True)
    page.get_by_role("button", name="Upload and ingest").click()
    page.wait_for_url("**/staff/jobs/*")

    # The page refreshes itself until the worker thread has finished the job.
    page.wait_for_function("() => document.querySelector('#job-state') && "
                           "['done', 'failed'].includes(document.querySelector('#job-state').textContent)",
                           timeout=180_000, polling=500)
    page.screenshot(path=str(ARTIFACTS / "staff_job_report.png"), full_page=True)
    assert page.locator("#job-state").inner_text() == "done", page.content()
    assert "1 ok, 0 failed" in page.locator(".report-totals").inner_text()
    item_id = page.locator("a.report-item").first.inner_text()

    page.locator("a.report-item").first.click()
    page.wait_for_url(f"**/staff/items/{item_id}")
    assert page.locator("#item-status").inner_text() == "draft"
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**/staff/items/{item_id}")
    assert page.locator("#item-status").inner_text() == "published"
    assert page.locator("#history").get_by_text("publish", exact=True).count() == 1
    page.screenshot(path=str(ARTIFACTS / "staff_item.png"), full_page=True)

    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(f"{live}/search?q={SEARCH_WORD}&lang=en")
    link = reader.locator(f'a[href*="/items/{item_id}"]').first
    link.wait_for(timeout=10_000)
    reader.screenshot(path=str(ARTIFACTS / "staff_published_found.png"), full_page=True)
    link.click()
    reader.wait_for_url(f"**/items/{item_id}**")
    assert "Harbour notes" in reader.locator("h1").first.inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    staff.close()
