"""Discovery: natural order, items per folder and per PDF, confinement, sheets and item.yaml."""
from __future__ import annotations

import os

import pytest

from ingest.errors import SheetError
from ingest.metadata_in import meta_error, read_sheet_rows
from ingest.sources import Roots, attach_sheet, discover, natural_key


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_natural_order():
    names = ["p10.tif", "p2.tif", "p1.tif", "P3.tif", "scan_100.jpg", "scan_9.jpg", "a.png"]
    assert sorted(names, key=natural_key) == ["a.png", "p1.tif", "p2.tif", "P3.tif", "p10.tif",
                                              "scan_9.jpg", "scan_100.jpg"]


def test_folders_pdfs_and_sidecars(tmp_path):
    batch = tmp_path / "batch"
    for name in ("p10.jpg", "p2.jpg", "p1.jpg", "p1.txt", ".DS_Store", "notes.docx"):
        touch(batch / "book" / name)
    touch(batch / "book" / "inset.pdf")
    touch(batch / "paper.pdf")
    touch(batch / "box" / "folder1" / "001.tif")
    items = discover([batch], Roots([batch]))
    assert [i.name for i in items] == ["batch/book", "batch/book/inset.pdf", "batch/box/folder1", "batch/paper.pdf"]
    book = items[0]
    assert [f.name for f in book.files] == ["batch/book/p1.jpg", "batch/book/p2.jpg", "batch/book/p10.jpg"]
    assert book.ignored == ["batch/book/notes.docx"]


def test_symlink_outside_the_batch_fails_its_item(tmp_path):
    outside = touch(tmp_path / "elsewhere" / "secret.png")
    batch = tmp_path / "batch"
    touch(batch / "book" / "p1.png")
    os.symlink(outside, batch / "book" / "p2.png")
    os.symlink("/etc", batch / "etc-link")
    items = discover([batch], Roots([batch]))
    book = next(i for i in items if i.name == "batch/book")
    assert book.error and "batch/book/p2.png" in book.error and "outside the batch" in book.error
    assert "elsewhere" not in book.error  # the target is not revealed
    top = next(i for i in items if i.name == "batch")
    assert "batch/etc-link" in top.error


def write_sheet(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "path,title@kk-Cyrl,title@en,date,language,rights,collection\n"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def test_sheet_rows_attach_and_missing_paths_fail(tmp_path):
    batch = tmp_path / "batch"
    touch(batch / "book" / "p1.png")
    touch(batch / "paper.pdf")
    sheet = write_sheet(batch / "sheet.csv", [
        "book,Кітап,A book,1916,kk,http://rightsstatements.org/vocab/NoC-OKLR/1.0/,olketanu\n",
        "gone,Жоқ,Missing,1920,ru,,\n",
    ])
    roots = Roots([batch])
    items = attach_sheet(discover([batch], roots), read_sheet_rows(sheet), batch, roots)
    book = next(i for i in items if i.name == "batch/book")
    assert book.meta.record.first("title", "en") == "A book" and book.meta.collection == "olketanu"
    gone = next(i for i in items if i.name == "gone")
    assert gone.error == "sheet row 3, column path: 'gone' not found"
    assert next(i for i in items if i.name == "batch/paper.pdf").meta is None


def test_sheet_bad_date_and_bad_language_tag_name_row_and_column(tmp_path):
    batch = tmp_path / "batch"
    touch(batch / "a" / "p1.png")
    touch(batch / "b" / "p1.png")
    sheet = write_sheet(batch / "sheet.csv", [
        "a,Бір,One,1916-13-45,kk,,\n",
        "b,Екі,Two,1916,kk-Cyrillic-xx,,\n",
    ])
    rows = read_sheet_rows(sheet)
    date_problem = meta_error(rows[0], "sheet row 2")
    assert date_problem.startswith("sheet row 2: row 2, column 'date'")
    lang_problem = meta_error(rows[1], "sheet row 3")
    assert "row 3" in lang_problem and "'language'" in lang_problem


def test_sheet_with_a_bad_header_refuses_the_batch(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("path,title@xx-Nonsense-123456789\nbook,Title\n", encoding="utf-8")
    with pytest.raises(SheetError, match="sheet.csv"):
        read_sheet_rows(sheet)


def test_sheet_row_leaving_the_batch_is_refused(tmp_path):
    batch = tmp_path / "batch"
    touch(tmp_path / "other" / "p1.png")
    sheet = write_sheet(batch / "sheet.csv", ["../other,Басқа,Other,1916,kk,,\n"])
    roots = Roots([batch])
    items = attach_sheet([], read_sheet_rows(sheet), batch, roots)
    assert "outside the batch" in items[0].error
