"""Extra checks on the real MARC files in /work/shared/samples/marc (pymarc's test data); skipped
when that folder is absent (a fresh clone)."""
from __future__ import annotations

from pathlib import Path

import pytest

from metadata.marc import to_dc
from repository.marc_import import Failure, ReadRecord, read_file

SAMPLES = Path("/work/shared/samples/marc")
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is not here (a fresh clone)")


def _read(name: str, **options) -> list[ReadRecord | Failure]:
    return list(read_file(SAMPLES / name, **options))


def test_cp1251_records_are_recognised_and_crosswalked():
    outcomes = _read("1251.dat")
    assert len(outcomes) == 6 and all(isinstance(o, ReadRecord) and o.encoding == "cp1251" for o in outcomes)
    assert [o.record["245"]["a"] for o in _read("1251.dat", encoding="cp1251")] == \
        [o.record["245"]["a"] for o in outcomes]
    dc = to_dc(outcomes[1].record, "marc21")
    assert dc.first("title") == "Психологический тренинг с подростками"
    assert dc.get("title")[0].lang == "ru" and dc.values("language") == ["ru"]


def test_marc8_is_converted():
    (read,) = _read("marc8.dat")
    assert read.encoding == "marc8"
    assert "De la solitude à la communauté" in to_dc(read.record, "marc21").values("alternative")


def test_unimarc_with_its_character_set_in_100():
    (read,) = _read("testunimarc.dat")
    assert (read.fmt, read.encoding) == ("unimarc", "utf-8")
    dc = to_dc(read.record, "unimarc")
    assert dc.first("title") == "L'altra faccia della spirale"  # the non-sorting markers are gone
    assert dc.values("creator") == ["Asimov, Isaac"] and dc.values("language") == ["it"]


def test_bad_records_each_broken_one_is_named():
    outcomes = _read("bad_records.mrc")
    failed = [o.number for o in outcomes if isinstance(o, Failure)]
    read = [o.number for o in outcomes if isinstance(o, ReadRecord)]
    # 8 records; the newline after the last one is not a record (pymarc reports it as a 9th, truncated).
    assert read == [1, 8] and failed == [2, 3, 4, 5, 6, 7]


def test_utf8_flagged_record_with_bad_bytes_is_read_with_a_warning():
    (read,) = _read("utf8_invalid.mrc")
    assert isinstance(read, ReadRecord) and read.warnings
    assert to_dc(read.record, "marc21").first("title").startswith("The coming revolution in teacher licensure")
