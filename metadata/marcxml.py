"""MARCXML (the MARC 21 XML "slim" schema) from a pymarc `Record`: leader, control fields, data fields
with their indicators and subfields, in record order.

The record comes in already decoded (the importer reads ISO 2709 in UTF-8, MARC-8, Windows-1251, …), so
the values are Unicode and the XML is serialised as UTF-8: leader/09 says so ('a', UCS/Unicode), as
MARCXML requires. Record length and base address (leader/00-04, 12-16) describe ISO 2709 bytes and are
kept as they were; consumers that write ISO 2709 again compute their own.

The output always validates against MARC21slim.xsd, which is stricter than what catalogues export:
- the leader positions every MARC 21 record has alike get their value (10-11 "22", 20-23 "4500"); other
  characters the schema does not allow (`#`, `|`, `^` …) become blanks (06, type of record, cannot be
  blank: it becomes 'a'); a leader of the wrong length is cut or padded to 24 characters;
- an indicator the schema does not allow (`#`, `|`, `\\`, capitals) is a blank, which is what
  `#` and `\\` mean in catalogues' own exports;
- characters XML 1.0 cannot carry (C0 controls other than tab, CR, LF) become U+FFFD;
- a data field without subfields (nothing to carry), a field with a tag the schema cannot take, and a
  subfield with a code it cannot take are left out — `skipped` names them when the caller wants to know.

Pure: a record in, an lxml element out.
"""
from __future__ import annotations

import re

from lxml import etree
from pymarc import Record

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
MARCXML_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"marc": MARCXML_NS, "xsi": XSI_NS}

# The schema's patterns (MARC21slim.xsd, version 1.2).
CONTROL_TAG = re.compile(r"00[1-9A-Za-z]")
DATA_TAG = re.compile(r"0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2}")
INDICATOR = re.compile(r"[0-9a-z ]")
SUBFIELD_CODE = re.compile(r"[0-9A-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]")
_ALNUM = re.compile(r"[0-9A-Za-z]")
# Characters XML 1.0 does not allow (lxml refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _m(name: str) -> str:
    return f"{{{MARCXML_NS}}}{name}"


def xml_text(text: str) -> str:
    """`text` with the characters XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def marcxml_leader(leader: str) -> str:
    """The leader as MARCXML takes it: 24 characters, leader/09 'a' (the XML is Unicode), the positions
    MARC 21 fixes set, characters the schema does not allow blanked."""
    chars = list(leader[:24].ljust(24))
    for i in (*range(0, 5), *range(12, 17)):  # lengths and addresses: digits or blanks
        if not (chars[i].isascii() and (chars[i].isdigit() or chars[i] == " ")):
            chars[i] = " "
    for i in (5, 7, 8, 17, 18, 19):  # codes: a letter, a digit or a blank
        if chars[i] != " " and not _ALNUM.fullmatch(chars[i]):
            chars[i] = " "
    # 06 (type of record) must be a letter or digit; a record without one is taken as language material.
    if not _ALNUM.fullmatch(chars[6]):
        chars[6] = "a"
    chars[9] = "a"
    # Indicator count and subfield code length (10-11) and the directory's entry map (20-23) are the
    # same in every MARC 21 record.
    chars[10:12], chars[20:24] = "22", "4500"
    return "".join(chars)


def indicator(value: str | None) -> str:
    value = value or " "
    return value if INDICATOR.fullmatch(value) else " "


def to_marcxml(record: Record, skipped: list[str] | None = None) -> etree._Element:
    """The record as a `marc:record` element (with its xsi:schemaLocation).

    `skipped`, when given, receives a note for each field or subfield left out (see the module's notes).
    """
    notes = skipped if skipped is not None else []
    root = etree.Element(_m("record"), nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{MARCXML_NS} {MARCXML_SCHEMA}")
    etree.SubElement(root, _m("leader")).text = marcxml_leader(str(record.leader))
    controls, data = [], []
    for f in record.fields:
        if f.is_control_field():
            if CONTROL_TAG.fullmatch(f.tag):
                element = etree.Element(_m("controlfield"), tag=f.tag)
                element.text = xml_text(f.data or "")
                controls.append(element)
            else:
                notes.append(f"field {f.tag!r}: not a tag MARCXML can carry")
            continue
        if not DATA_TAG.fullmatch(f.tag):
            notes.append(f"field {f.tag!r}: not a tag MARCXML can carry")
            continue
        element = etree.Element(_m("datafield"), tag=f.tag, ind1=indicator(f.indicator1), ind2=indicator(f.indicator2))
        for sf in f.subfields:
            if not SUBFIELD_CODE.fullmatch(sf.code or ""):
                notes.append(f"field {f.tag}: subfield code {sf.code!r} is not one MARCXML can carry")
                continue
            etree.SubElement(element, _m("subfield"), code=sf.code).text = xml_text(sf.value or "")
        if len(element):
            data.append(element)
        else:
            notes.append(f"field {f.tag}: no subfields")
    # The schema wants every control field before the data fields (MARC 21 records have them so anyway).
    root.extend(controls)
    root.extend(data)
    return root
