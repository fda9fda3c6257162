"""metadata.marcxml: pymarc records written as MARCXML that validates against MARC21slim.xsd and reads
back (pymarc's own MARCXML parser) to the same leader, fields, indicators and subfields."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import xmlschema
from lxml import etree
from pymarc import Field, Indicators, Record, Subfield, parse_xml_to_array

from metadata.marcxml import MARCXML_NS, MARCXML_SCHEMA, marcxml_leader, to_marcxml

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "marc21" / "MARC21slim.xsd"
M = {"marc": MARCXML_NS}


@pytest.fixture(scope="module")
def marc_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def _record(leader: str, *fields: Field) -> Record:
    record = Record(leader=leader, force_utf8=True)
    record.add_field(*fields)
    return record


def _df(tag: str, ind: str, *pairs: str) -> Field:
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]),
                 subfields=[Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)])


def kazakh() -> Record:
    return _record(
        "01234nam a2200289 i 4500",
        Field(tag="001", data="KZ-77"),
        Field(tag="008", data="990101s1928    kz            000 0 kaz d"),
        _df("100", "1 ", "a", "Байтұрсынұлы, Ахмет,", "d", "1872-1937."),
        _df("245", "10", "a", "Тіл құралы :", "b", "қазақ тілінің сарфы /", "c", "А. Байтұрсынұлы."),
        _df("880", "10", "6", "245-01/(N", "a", "Тіл құралы"),
        _df("856", "40", "u", "https://example.kz/a?b=1&c=<2>"),
    )


def _fields(record: Record) -> list[tuple]:
    return [(f.tag, f.data) if f.is_control_field() else (f.tag, f.indicator1, f.indicator2,
                                                          [(sf.code, sf.value) for sf in f.subfields])
            for f in record.fields]


def _read_back(element: etree._Element) -> Record:
    (record,) = parse_xml_to_array(io.BytesIO(etree.tostring(element, encoding="utf-8")))
    return record


def test_a_record_round_trips_and_validates(marc_schema):
    record = kazakh()
    element = to_marcxml(record)
    marc_schema.validate(etree.tostring(element))
    assert etree.QName(element).localname == "record" and element.nsmap["marc"] == MARCXML_NS
    assert element.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == f"{MARCXML_NS} {MARCXML_SCHEMA}"
    back = _read_back(element)
    assert str(back.leader) == "01234nam a2200289 i 4500"
    assert _fields(back) == _fields(record)
    # Order: leader, control fields, data fields (as the schema's sequence wants).
    assert [etree.QName(c).localname for c in element] == ["leader"] + ["controlfield"] * 2 + ["datafield"] * 4


def test_values_are_unicode_text_in_utf8():
    data = etree.tostring(to_marcxml(kazakh()), encoding="utf-8")
    assert "қазақ тілінің сарфы /".encode("utf-8") in data
    assert b"&amp;c=&lt;2&gt;" in data  # escaped by the serialiser, not by hand


def test_leader_says_unicode_and_keeps_to_the_schema(marc_schema):
    assert marcxml_leader("00000nam  2200000   4500") == "00000nam a2200000   4500"  # 09: MARC-8 -> UCS
    assert marcxml_leader("00000nam#a22#####|#|4500") == "00000nam a22        4500"
    assert marcxml_leader("00000n|m a3300000 i 0000") == "00000nam a2200000 i 4500"
    assert marcxml_leader("00000nam") == "00000nam a22        4500"  # too short: padded
    assert marcxml_leader("00000cas a2200000 a 4500xyz") == "00000cas a2200000 a 4500"
    odd = _record("abcdenam#a22#####|#|45xx", Field(tag="001", data="x"))
    marc_schema.validate(etree.tostring(to_marcxml(odd)))


def test_what_the_schema_cannot_carry_is_cleaned_or_left_out_and_named(marc_schema):
    record = _record(
        "00000nam a2200000   4500",
        Field(tag="001", data="ID\x01X"),  # a C0 control: not XML
        _df("245", "#|", "a", "Title\x0b"),  # '#' and '|' as indicators
        _df("500", "A\\", "a", "Note"),  # capital and backslash indicators
        Field(tag="590", indicators=Indicators("1", " "), subfields=[]),  # no subfields
        _df("650", " 0", " ", "blank code", "a", "Kept"),  # a subfield code the schema refuses
        _df("0a1", "  ", "a", "mixed-case tag ok"),
        _df("0aB", "  ", "a", "mixed-case tag refused"),
    )
    notes: list[str] = []
    element = to_marcxml(record, skipped=notes)
    marc_schema.validate(etree.tostring(element))
    assert element.findtext("marc:controlfield[@tag='001']", namespaces=M) == "ID\ufffdX"
    title = element.find("marc:datafield[@tag='245']", M)
    assert (title.get("ind1"), title.get("ind2")) == (" ", " ")
    assert title.findtext("marc:subfield", namespaces=M) == "Title\ufffd"
    note = element.find("marc:datafield[@tag='500']", M)
    assert (note.get("ind1"), note.get("ind2")) == (" ", " ")
    assert [sf.text for sf in element.iterfind("marc:datafield[@tag='650']/marc:subfield", M)] == ["Kept"]
    assert [d.get("tag") for d in element.iterfind("marc:datafield", M)] == ["245", "500", "650", "0a1"]
    assert len(notes) == 3 and any("590" in n for n in notes) and any("0aB" in n for n in notes)


def test_an_empty_record_is_a_leader_alone(marc_schema):
    element = to_marcxml(Record(leader="00000nam a2200000   4500"))
    marc_schema.validate(etree.tostring(element))
    assert [etree.QName(c).localname for c in element] == ["leader"]
