"""Which setting forces a page's OCR model (item > batch > collection > automatic choice), the
reason stored with it, unknown model names, and the per-page evidence in the batch report."""
from __future__ import annotations

import pytest

from ingest.batch import run_batch
from ingest.report import BatchReport, ItemReport, evidence_summary, page_ocr
from ocr.select import MODELS, PROFILES, UnknownModel, check_forced

from tests.ingest.conftest import FAST, DictCatalog, page


class CollectionCatalog(DictCatalog):
    """A catalog whose collections force OCR models; counts how often it is asked."""

    def __init__(self, languages: dict[str, str]) -> None:
        super().__init__()
        self.languages = languages
        self.asked: list[str] = []

    def collection_languages(self, collection_id: str) -> str | None:
        self.asked.append(collection_id)
        return self.languages.get(collection_id)


def run(paths, store, catalog, engine, options, **kw):
    return run_batch(paths, store=store, catalog=catalog, engine=engine, options=options, **kw)


def pages_of(catalog, report, source):
    entry = next(i for i in report.items if i.source == source)
    assert entry.status == "ok", entry.error
    return catalog.items[entry.item_id].pages, entry


def test_collection_forces_its_model_and_is_asked_once(tmp_path, store, engine, options):
    page(tmp_path / "batch" / "one" / "p1.png", 1)
    page(tmp_path / "batch" / "two" / "p1.png", 2)
    catalog = CollectionCatalog({"maps": FAST})
    report = run([tmp_path / "batch"], store, catalog, engine, options, collection="maps")
    for source in ("batch/one", "batch/two"):
        pages, entry = pages_of(catalog, report, source)
        assert pages[0].ocr_model == FAST
        assert pages[0].ocr_evidence["reason"] == f"forced by collection 'maps': {FAST}"
        assert entry.ocr[0]["reason"].startswith("forced by collection 'maps'")
        assert catalog.items[entry.item_id].ocr_languages == FAST
    assert catalog.asked == ["maps"]


def test_batch_overrides_collection_and_sheet_row_overrides_both(tmp_path, store, engine, options):
    batch = tmp_path / "batch"
    page(batch / "a" / "p1.png", 1)
    page(batch / "b" / "p1.png", 2)
    # The collection's and the batch's models would be slow or wrong: they must never run.
    catalog = CollectionCatalog({"maps": "Cyrillic"})
    by_batch = run([batch / "a"], store, catalog, engine, options, collection="maps", languages=FAST)
    pages, _ = pages_of(catalog, by_batch, "a")
    assert pages[0].ocr_model == FAST and pages[0].ocr_evidence["reason"] == f"forced by batch: {FAST}"
    assert catalog.asked == []  # the batch decided: the collection is not even asked

    sheet = batch / "sheet.csv"
    sheet.write_text(f"path,title,collection,languages\nb,Семей,maps,{FAST}\n", encoding="utf-8")
    by_item = run([], store, catalog, engine, options, sheet=sheet, languages="Latin")
    pages, entry = pages_of(catalog, by_item, "batch/b")
    assert pages[0].ocr_model == FAST
    assert pages[0].ocr_evidence["reason"] == f"forced by item (sheet row 2): {FAST}"
    assert pages[0].ocr_evidence["forced_by"] == "item (sheet row 2)" and "probe_seconds" not in pages[0].ocr_evidence


def test_model_names_as_tesseract_and_profiles_write_them():
    for value in ("Latin", "Cyrillic", "Latin+Cyrillic", "kaz+rus+eng", *PROFILES):
        assert check_forced(value) == value
    assert set(MODELS) >= {"Latin", "Cyrillic", "kaz", "rus", "eng"}
    with pytest.raises(UnknownModel) as caught:
        check_forced("latin+kaz")
    message = str(caught.value)
    assert "'latin+kaz'" in message and "'latin' is written 'Latin'" in message and "kk_latn" in message
    with pytest.raises(UnknownModel, match="stands alone"):
        check_forced("kk_latn+eng")


def test_unknown_model_fails_the_item_naming_value_setting_and_choices(tmp_path, store, engine, options):
    batch = tmp_path / "batch"
    page(batch / "a" / "p1.png", 1)
    page(batch / "b" / "p1.png", 2)
    sheet = batch / "sheet.csv"
    sheet.write_text("path,title,collection,languages\na,Өскемен,maps,Latn\nb,Семей,maps,\n", encoding="utf-8")
    catalog = CollectionCatalog({"maps": "kaz+fra"})
    report = run([], store, catalog, engine, options, sheet=sheet)
    items = {i.source: i for i in report.items}
    bad_row, bad_collection = items["batch/a"], items["batch/b"]
    assert bad_row.status == "failed" and bad_collection.status == "failed"
    assert "set by item (sheet row 2)" in bad_row.error and "'Latn'" in bad_row.error
    assert "kk_latn" in bad_row.error and "Latin+Cyrillic" in bad_row.error
    assert "set by collection 'maps'" in bad_collection.error and "'kaz+fra'" in bad_collection.error
    assert catalog.registrations == [] and not list(store.list("items/"))


def test_report_carries_model_reason_evidence_restored_letters_and_doubtful_years():
    probed = {"reason": "pre-1918 orthography (12 of 80 words end in ъ, 0 ѣ/ѳ/ѵ)", "profile": "ru_prereform",
              "probe_languages": "Cyrillic+eng", "probe_confidence": 81.4, "letters": 420, "latin_letters": 3,
              "cyrillic_letters": 417, "kazakh_letters": 0, "kazakh_latin_letters": 0, "old_letters": 0,
              "final_hard_sign_words": 12, "latin_words": 0, "restored_pre1918": {"Ъ→ѣ": 4, "ө→ѳ": 1},
              "doubtful_years": [{"token": "1956", "word": "1956.", "box": [1, 2, 3, 4], "confidence": 0.81}]}
    entry = page_ocr(1, "Cyrillic", 64.2, True, probed)
    assert entry["model"] == "Cyrillic" and entry["reason"].startswith("pre-1918 orthography")
    assert entry["restored_pre1918"] == 5
    assert entry["doubtful_years"] == [{"token": "1956", "confidence": 0.81}]
    assert "probe Cyrillic+eng confidence 81" in entry["evidence"] and "12 words in final ъ" in entry["evidence"]
    forced = page_ocr(2, "eng", 90.0, False, {"reason": "forced by batch: eng", "forced": "eng",
                                               "forced_by": "batch", "doubtful_years": []})
    assert forced["evidence"] == "forced eng by batch, no probe" and forced["restored_pre1918"] == 0
    assert evidence_summary({}) == ""

    report = BatchReport([ItemReport("batch/a", "ok", "kzabc234", 2, 77.1, [{"seq": 1, "confidence": 64.2}],
                                     [entry, forced], "draft")])
    as_json = report.to_json()["items"][0]["ocr"]
    assert as_json[0]["doubtful_years"][0]["token"] == "1956" and as_json[1]["reason"] == "forced by batch: eng"
    text = report.summary()
    assert "p.1: Cyrillic (confidence 64, flagged) — pre-1918 orthography" in text
    assert "5 pre-1918 letters restored" in text and "doubtful years: 1956 (0.81)" in text
    assert "p.2: eng (confidence 90) — forced by batch: eng [forced eng by batch, no probe]" in text
