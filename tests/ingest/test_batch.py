"""The batch runner end to end with real libvips, poppler and Tesseract (forced `eng`: fast)."""
from __future__ import annotations

import json
import os

import pytest
from pypdf import PdfReader

from ingest import keys
from ingest.batch import run_batch
from ingest.jobs import INGEST_JOB, BadJobParams, Pipeline, ingest_job, make_handler, params_for

from tests.ingest.conftest import (FAST, SHARED_SAMPLES, DictCatalog, broken_xref_pdf, encrypted_pdf, page, pdf,
                                   png_declaring, stored_keys, tiff, truncated_jpeg)


def run(paths, store, catalog, engine, options, **kw):
    kw.setdefault("languages", FAST)
    return run_batch(paths, store=store, catalog=catalog, engine=engine, options=options, **kw)


def by_source(report):
    return {i.source: i for i in report.items}


def test_folder_pdf_and_multipage_tiff(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "batch"
    for name, seed in (("p10.png", 3), ("p2.jpg", 2), ("p1.png", 1)):
        page(batch / "book" / name, seed)
    pdf(batch / "three.pdf", 3)
    tiff(batch / "roll" / "roll.tif", 2)
    events = []
    report = run([batch], store, catalog, engine, options, progress=events.append)

    items = by_source(report)
    assert {s: (i.status, i.pages) for s, i in items.items()} == {
        "batch/book": ("ok", 3), "batch/three.pdf": ("ok", 3), "batch/roll": ("ok", 2)}
    book = catalog.items[items["batch/book"].item_id]
    assert [p.source_name for p in book.pages] == ["batch/book/p1.png", "batch/book/p2.jpg", "batch/book/p10.png"]
    for p, name in zip(book.pages, ("p1.png", "p2.jpg", "p10.png")):
        assert store.get_bytes(p.master_key) == (batch / "book" / name).read_bytes()  # byte-identical
        assert p.master_key == keys.page_master(book.item_id, p.seq, name.rsplit(".")[1])
        for key in (p.access_key, p.thumb_key, p.alto_key, p.text_key, p.pdf_key):
            assert store.exists(key)
        assert (p.width, p.height) == (800, 1100) and p.ocr_model == FAST
    three = catalog.items[items["batch/three.pdf"].item_id]
    assert [p.source_name for p in three.pages] == [f"batch/three.pdf p. {n}" for n in (1, 2, 3)]
    assert store.get_bytes(three.pages[0].master_key) == (batch / "three.pdf").read_bytes()
    assert three.pages[0].master_mime == "application/pdf"
    assert (three.pages[0].width, three.pages[0].height) == (800, 1100)  # made and rendered at 100 dpi
    with store.local_path(three.pdf_key) as merged:
        assert len(PdfReader(merged).pages) == 3
    assert "Irtysh" in store.get_bytes(three.text_key).decode("utf-8")
    roll = catalog.items[items["batch/roll"].item_id]
    assert [p.source_name for p in roll.pages] == ["batch/roll/roll.tif p. 1", "batch/roll/roll.tif p. 2"]
    assert set(catalog.status.values()) == {"draft"}

    data = json.loads(json.dumps(report.to_json()))
    assert data["totals"] == {"items": 3, "ok": 3, "failed": 0, "skipped": 0, "pages": 8,
                              "flagged_pages": data["totals"]["flagged_pages"],
                              "pages_per_minute": data["totals"]["pages_per_minute"]}
    first = data["items"][0]
    assert set(first) >= {"item_id", "source", "status", "pages", "mean_confidence", "flagged_pages", "ocr", "error"}
    assert first["ocr"][0]["model"] == FAST and first["item_id"].startswith("kz")
    assert events[-1].pages_done == events[-1].pages_total == 8 and events[-1].items_done == 3
    assert "3 items: 3 ok, 0 failed" in report.summary()


def test_same_files_again_create_nothing_new_and_force_redoes(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "batch"
    page(batch / "book" / "p1.png", 1)
    page(batch / "book" / "p2.png", 2)
    first = run([batch], store, catalog, engine, options)
    item_id = first.items[0].item_id
    before = stored_keys(store)

    again = run([batch], store, catalog, engine, options)
    assert [(i.status, i.item_id, i.catalog_status) for i in again.items] == [("skipped", item_id, "draft")]
    assert stored_keys(store) == before and catalog.registrations == [item_id]

    # The same pages copied elsewhere are the same item: the id comes from the content.
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("p1.png", "p2.png"):
        (copy / name).write_bytes((batch / "book" / name).read_bytes())
    assert run([copy], store, catalog, engine, options).items[0].item_id == item_id

    forced = run([batch], store, catalog, engine, options, force=True, publish=True)
    assert forced.items[0].status == "ok" and forced.items[0].pages_reused == 0
    assert catalog.registrations == [item_id, item_id] and catalog.status[item_id] == "published"
    assert set(stored_keys(store)) == set(before)  # same keys, replaced; nothing extra


def test_damaged_page_marker_redoes_that_page(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "batch"
    page(batch / "book" / "p1.png", 1)
    page(batch / "book" / "p2.png", 2)
    item_id = run([batch], store, catalog, engine, options).items[0].item_id
    store.put_bytes(keys.page_object(item_id, 1, "page.json"), b'{"fingerprint": "cut sh')

    again = run([batch], store, DictCatalog(), engine, options)  # a catalog that lost the item
    assert [(i.status, i.pages_reused) for i in again.items] == [("ok", 1)]
    assert json.loads(store.get_bytes(keys.page_object(item_id, 1, "page.json")))["seq"] == 1


def test_bad_inputs_fail_their_own_items_only(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "batch"
    page(batch / "good" / "p1.png", 1)
    (batch / "empty").mkdir(parents=True)
    (batch / "empty" / "p1.png").write_bytes(b"")
    page(batch / "cut" / "p1.png", 2)
    truncated_jpeg(batch / "cut" / "p2.jpg")
    (batch / "huge").mkdir()
    png_declaring(batch / "huge" / "p1.png", 100_000, 100_000)
    (batch / "fake").mkdir()
    (batch / "fake" / "p1.png").write_text("root:x:0:0:root:/root:/bin/bash\n")
    encrypted_pdf(batch / "locked.pdf", pdf(tmp_path / "src.pdf", 1), user_password="secret")
    broken_xref_pdf(batch / "broken.pdf", pdf(tmp_path / "src2.pdf", 1))
    (batch / "link").mkdir()
    page(tmp_path / "outside" / "p1.png", 4)
    os.symlink(tmp_path / "outside" / "p1.png", batch / "link" / "p1.png")

    report = run([batch], store, catalog, engine, options)
    items = by_source(report)
    assert items["batch/good"].status == "ok" and items["batch/broken.pdf"].status == "ok"
    expected = {
        "batch/empty": "batch/empty/p1.png: empty file (0 bytes)",
        "batch/cut": "batch/cut/p2.jpg: JPEG data is truncated",
        "batch/huge": "batch/huge/p1.png: declares 100000×100000 pixels, over the limit",
        "batch/fake": "batch/fake/p1.png: not a supported image or PDF (content looks like text",
        "batch/locked.pdf": "batch/locked.pdf: PDF is encrypted with a user password",
        "batch/link": "batch/link/p1.png: points outside the batch folders",
    }
    for source, message in expected.items():
        assert items[source].status == "failed", source
        assert items[source].error.startswith(message), items[source].error
        assert "root:x" not in items[source].error
    registered = set(catalog.registrations)
    assert registered == {items["batch/good"].item_id, items["batch/broken.pdf"].item_id}
    assert report.totals["failed"] == 6 and not report.ok
    assert "FAILED" in report.summary() and "JPEG data is truncated" in report.summary()


def write_sheet(path, rows):
    path.write_text("path,title@kk-Cyrl,title@en,date,language,collection,languages\n" + "".join(rows),
                    encoding="utf-8")
    return path


def test_sheet_rows_missing_files_and_bad_cells(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "batch"
    page(batch / "a" / "p1.png", 1)
    page(batch / "b" / "p1.png", 2)
    sheet = write_sheet(batch / "sheet.csv", [
        "a,Өскемен,Öskemen,1916,kk,olketanu,eng\n",
        "b,Семей,Semey,1916-13-45,kk,olketanu,eng\n",
        "c,Жоқ,Missing,1916,kk,olketanu,eng\n",
        "a/p1.png,Бет,Page,1916,kk-Cyrillic-xx,olketanu,eng\n",
    ])
    report = run_batch([], store=store, catalog=catalog, engine=engine, options=options, sheet=sheet,
                       publish=True)
    items = by_source(report)
    ok = items["batch/a"]
    assert ok.status == "ok" and ok.catalog_status == "published"
    registered = catalog.items[ok.item_id]
    assert registered.record.first("title", "en") == "Öskemen" and registered.collection_id == "olketanu"
    assert registered.ocr_languages == "eng"  # the row's `languages` forced the model
    assert items["batch/b"].status == "failed" and "row 3" in items["batch/b"].error
    assert "'date'" in items["batch/b"].error
    assert items["c"].error == "sheet row 4, column path: 'c' not found"
    single = items["batch/a/p1.png"]
    assert single.status == "failed" and "row 5" in single.error and "'language'" in single.error


def test_job_handler_on_the_real_queue(tmp_path, store, catalog, engine, options):
    from ingest.queue import open_queue
    from ingest.queue_worker import run_worker

    page(tmp_path / "batch" / "p1.png")
    queue = open_queue("sqlite", path=tmp_path / "queue.db")
    try:
        job_id = queue.enqueue(INGEST_JOB, params_for([tmp_path / "batch"], languages=FAST))
        handlers = {INGEST_JOB: make_handler(Pipeline(store, catalog, engine, options))}
        assert run_worker(queue, handlers, "w1", stop_after=1, poll_s=0.1) == 1
        job = queue.get(job_id)
        assert job.state == "done", job.error
        assert job.report["totals"]["ok"] == 1 and job.report["items"][0]["status"] == "ok"
        assert job.progress["pages_done"] == 1 and "eta_s" in job.progress
    finally:
        queue.close()


def test_job_params_are_checked(store, catalog, engine, options):
    with pytest.raises(BadJobParams, match="paths"):
        ingest_job(Pipeline(store, catalog, engine, options), {"paths": "not-a-list"})


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared/samples not present")
def test_shared_samples_with_automatic_model_choice(tmp_path, store, catalog, engine, options):
    batch = tmp_path / "samples"
    batch.mkdir()
    for name in ("samples_3pages.pdf",):
        (batch / name).symlink_to(SHARED_SAMPLES / name)
    report = run_batch([SHARED_SAMPLES / "samples_3pages.pdf"], store=store, catalog=catalog, engine=engine,
                       options=options)
    item = report.items[0]
    assert item.status == "ok" and item.pages == 3, item.error
    registered = catalog.items[item.item_id]
    assert all(p.ocr_model for p in registered.pages) and item.mean_confidence > 60
    text = store.get_bytes(registered.text_key).decode("utf-8")
    assert "Көкжар" in text


def test_several_bad_pages_in_one_item_fail_it_once(tmp_path, store, catalog, engine, options):
    # Two workers fail two pages at once while later pages wait: each page is counted exactly once
    # (a double count once left an item looking "ok" with nothing stored).
    batch = tmp_path / "batch"
    truncated_jpeg(batch / "book" / "p1.jpg", 1)
    truncated_jpeg(batch / "book" / "p2.jpg", 2)
    for n in range(3, 9):
        page(batch / "book" / f"p{n}.png", n)
    page(batch / "other" / "p1.png", 9)
    report = run([batch], store, catalog, engine, options)
    items = by_source(report)
    assert items["batch/book"].status == "failed"
    assert items["batch/book"].error.startswith(("batch/book/p1.jpg: JPEG data is truncated",
                                                 "batch/book/p2.jpg: JPEG data is truncated"))
    assert items["batch/other"].status == "ok"
    assert catalog.registrations == [items["batch/other"].item_id]

