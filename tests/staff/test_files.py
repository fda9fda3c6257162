"""Safe unpacking of uploaded zips and safe file names (no web app needed)."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from repository.web.staff_files import Budget, UploadRefused, extract_zip, safe_name

MB = 1024 * 1024


def make_zip(path: Path, entries: list[tuple[str, bytes]], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_folders_are_kept_and_junk_is_skipped(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("oskemen/p1.png", b"1"), ("oskemen/p2.png", b"2"), ("sheet.csv", b"x"),
                                            ("__MACOSX/oskemen/._p1.png", b"junk"), ("oskemen/.DS_Store", b"junk")])
    budget = Budget(MB, 10)
    written = extract_zip(archive, tmp_path / "out", budget)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == [
        "oskemen/p1.png", "oskemen/p2.png", "sheet.csv"]
    assert len(budget.skipped) == 2


@pytest.mark.parametrize("name", ["../evil.png", "a/../../evil.png", "/etc/evil.png", "C:/evil.png", "a\\..\\evil.png",
                                  "a/b/../../../evil.png"])
def test_escaping_names_are_refused(tmp_path, name):
    archive = make_zip(tmp_path / "a.zip", [("ok.png", b"1"), (name, b"2")])
    with pytest.raises(UploadRefused):
        extract_zip(archive, tmp_path / "out", Budget(MB, 10))
    assert not (tmp_path / "evil.png").exists()


def test_symlinks_are_refused(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("ok.png", b"1")], link="pages/link.png")
    with pytest.raises(UploadRefused, match="symbolic link"):
        extract_zip(archive, tmp_path / "out", Budget(MB, 10))


def test_count_limit(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [(f"p{n}.png", b"x") for n in range(6)])
    with pytest.raises(UploadRefused, match="too many files"):
        extract_zip(archive, tmp_path / "out", Budget(MB, 5))


def test_a_zip_bomb_stops_at_the_size_limit(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("big.png", b"\0" * (20 * MB))])
    assert archive.stat().st_size < MB // 10
    with pytest.raises(UploadRefused, match="larger than 2 MiB"):
        extract_zip(archive, tmp_path / "out", Budget(2 * MB, 10))
    written = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written <= 3 * MB  # stopped while writing, not after


def test_not_a_zip(tmp_path):
    bad = tmp_path / "a.zip"
    bad.write_bytes(b"PK nothing")
    with pytest.raises(UploadRefused, match="not a readable zip"):
        extract_zip(bad, tmp_path / "out", Budget(MB, 10))


def test_safe_names_keep_letters_and_drop_paths():
    assert safe_name("Өскемен 1916.png") == "Өскемен 1916.png"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\scans\\бет1.tif") == "бет1.tif"
    assert safe_name(".hidden") == "hidden"
    assert safe_name("a\x00b\nc.png") == "abc.png"
    assert safe_name("...") == "file"
    assert len(safe_name("x" * 500 + ".png")) == 200 and safe_name("x" * 500 + ".png").endswith(".png")
