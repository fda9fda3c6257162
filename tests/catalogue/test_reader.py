"""Reading MARC files record by record: broken records are named, the rest read; encodings."""
from __future__ import annotations

import io

import pytest

from repository.marc_import import (
    Failure, MarcImportError, ReadRecord, decode_iso2709, iso2709_chunks, read_file, sniff,
)
from tests.catalogue import records


def _read(tmp_path, data: bytes, **options):
    return list(read_file(records.write(tmp_path / "in.mrc", data), **options))


def test_each_broken_record_is_reported_by_number_and_the_rest_are_read(tmp_path):
    good = records.russian_book
    data = (good().as_marc() + records.bad_base_address(good()) + records.kazakh_book().as_marc()
            + records.bad_directory(good()) + records.wrong_field_length(good())
            + records.invalid_utf8(records.kazakh_book()) + records.serial().as_marc() + b"00123nam  22")
    outcomes = _read(tmp_path, data)
    assert [o.number for o in outcomes] == list(range(1, 9))
    failures = {o.number: o.reason for o in outcomes if isinstance(o, Failure)}
    assert set(failures) == {2, 4, 5, 6, 8}
    assert "base address" in failures[2]
    assert "directory" in failures[4]
    assert "wrong length" in failures[5]
    assert "invalid utf-8" in failures[6]
    assert "truncated" in failures[8]
    read = [o for o in outcomes if isinstance(o, ReadRecord)]
    assert [r.record["001"].data for r in read] == ["RU-002", "KZ-001", "SER-003"]


def test_a_failure_names_the_control_number_when_the_directory_still_finds_it(tmp_path):
    (failure,) = _read(tmp_path, records.invalid_utf8(records.kazakh_book()))
    assert isinstance(failure, Failure) and failure.control_number == "KZ-001"
    assert failure.to_json()["record"] == 1


def test_a_leader_length_larger_than_the_record_is_read_with_a_warning(tmp_path):
    outcomes = _read(tmp_path, records.leader_too_long(records.kazakh_book()) + records.serial().as_marc())
    assert all(isinstance(o, ReadRecord) for o in outcomes) and len(outcomes) == 2
    assert "leader gives the record length" in outcomes[0].warnings[0]


def test_newlines_between_records_are_not_records():
    data = records.kazakh_book().as_marc() + b"\r\n" + records.serial().as_marc() + b"\n"
    assert [n for n, _ in iso2709_chunks(io.BytesIO(data), block=7)] == [1, 2]


def test_cp1251_is_recognised_by_its_bytes_and_marc8_is_the_default(tmp_path):
    data = records.iso2709(records.russian_book(), encoding="cp1251")
    (auto,) = _read(tmp_path, data)
    assert auto.encoding == "cp1251" and auto.record["245"]["a"].startswith("Россия")
    (forced,) = _read(tmp_path, data, encoding="cp1251")
    assert forced.record["245"]["a"] == auto.record["245"]["a"]
    assert sniff(b"plain ascii", fallback="marc8") == "marc8"
    assert sniff("Escape from solitude \u00e0".encode("latin-1"), fallback="marc8") == "marc8"


def test_kz1048_reads_kazakh_letters(tmp_path):
    data = records.iso2709(records.kazakh_book(), encoding="kz1048")
    (read,) = _read(tmp_path, data, encoding="kz1048")
    assert read.record["245"]["a"] == "Тіл құралы :"


def test_unimarc_character_set_in_100_decides_the_encoding(tmp_path):
    record = records.unimarc_russian_book()
    record["100"]["a"] = "19990101d1999    k  y0rusy89      ca"  # 89: Windows-1251 (RUSMARC)
    record["210"]["c"] = "Наука"  # Windows-1251 has no Kazakh letters (that is what kz1048 is for)
    (read,) = _read(tmp_path, records.iso2709(record, encoding="cp1251"))
    assert (read.fmt, read.encoding) == ("unimarc", "cp1251")
    assert read.record["200"]["a"] == "История Казахстана"


def test_marcxml_is_streamed_and_a_bad_record_is_named(tmp_path):
    xml = records.marcxml(records.kazakh_book(), records.serial(), records.unimarc_russian_book())
    xml = xml.replace(b'<leader>', b'<leader>x', 1)  # the first record's leader now has 25 characters
    outcomes = list(read_file(records.write(tmp_path / "in.xml", xml)))
    assert isinstance(outcomes[0], Failure) and outcomes[0].number == 1 and "leader" in outcomes[0].reason
    assert [(o.number, o.fmt, o.syntax) for o in outcomes[1:]] == [(2, "marc21", "marcxml"), (3, "unimarc", "marcxml")]


def test_marcxml_cut_short_is_reported_after_the_records_before(tmp_path):
    xml = records.marcxml(records.kazakh_book(), records.serial())
    outcomes = list(read_file(records.write(tmp_path / "in.xml", xml[: len(xml) - 300])))
    assert isinstance(outcomes[0], ReadRecord)
    assert isinstance(outcomes[-1], Failure) and "not well-formed" in outcomes[-1].reason


def test_bad_options_and_missing_files_are_errors(tmp_path):
    with pytest.raises(MarcImportError, match="--encoding"):
        list(read_file(tmp_path / "x.mrc", encoding="ebcdic"))
    with pytest.raises(MarcImportError, match="cannot read"):
        list(read_file(tmp_path / "missing.mrc"))


def test_decode_detects_the_format_from_the_fields():
    assert decode_iso2709(1, records.unimarc_russian_book().as_marc()).fmt == "unimarc"
    assert decode_iso2709(1, records.map_record().as_marc()).fmt == "marc21"
