"""UNIMARC (and RUSMARC, KazMARC) bibliographic records to Dublin Core.

After the UNIMARC→DC mapping of the IFLA UNIMARC manual and the RUSMARC practice of Russian and
Kazakh libraries:
- 200 $a (with part $h $i) is the title; 200 $e (other title information), $d (parallel title) and
  517/510 are alternative titles.
- 700/701, 710/711 are creators; 702, 712 contributors ("$a, $b" — "Иванов, И. И.").
- 210 and 214 $c publisher, $d date (as EDTF); 100 $a/9-12 when they have none.
- 606 (topical, subdivisions " -- "), 600/601/610 subjects; 607 spatial.
- 101 $a languages; 215 extent; 010 ISBN, 011 ISSN; 330/300/327 description; 225 and 461 isPartOf.
- Type from leader/06 as DCMI terms; 123/206 map data are coverage.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from pymarc import Field, Record

from metadata.dc import DCRecord, LangValue
from metadata.marc import (
    Context, Rule, build_record, by_tag, coded_year, crosswalk, edtf_date, isbn_urn, issn_urn, language_code,
    single, subjects, tidy, tidy_heading, tidy_title,
)

NAME_CODES = "abdcf"  # $a entry element, $b rest of name, $d roman numerals, $c additions, $f dates
SUBDIVISIONS = "jxyz"

# UNIMARC subfields carry no ISBD punctuation: the rules put it in.
_Rule = partial(Rule, isbd=False)

RULES: tuple[Rule, ...] = (
    _Rule(("200",), "ahi", "title", clean=tidy_title, tagged=True, separators={"h": ". ", "i": ". "}),
    _Rule(("200",), "e", "alternative", clean=tidy_title, join=None, tagged=True),
    _Rule(("200",), "d", "alternative", clean=tidy_title, join=None),
    _Rule(("510", "517", "532", "540", "541"), "a", "alternative", clean=tidy_title, join=None, tagged=True),
    _Rule(("700", "701"), NAME_CODES, "creator", separators={"b": ", ", "d": " ", "c": ", ", "f": " "}),
    _Rule(("710", "711"), "abcdef", "creator", separators={"b": ". ", "c": " ", "d": " ", "e": " ", "f": " "}),
    _Rule(("702",), NAME_CODES, "contributor", separators={"b": ", ", "d": " ", "c": ", ", "f": " "}),
    _Rule(("712",), "abcdef", "contributor", separators={"b": ". ", "c": " ", "d": " ", "e": " ", "f": " "}),
    _Rule(("210", "214"), "c", "publisher", join=None),
    _Rule(("215",), "acde", "extent", separators={"c": " : ", "d": " ; ", "e": " + "}),
    _Rule(("330", "300", "327"), "a", "description", tagged=True, join=None),
    _Rule(("010",), "a", "identifier", clean=isbn_urn, join=None),
    _Rule(("011",), "a", "identifier", clean=issn_urn, join=None),
    _Rule(("856",), "u", "identifier", join=None),
    _Rule(("225",), "aehiv", "isPartOf", separators={"e": " : ", "h": ". ", "i": ". ", "v": " ; "}),
    _Rule(("461", "462"), "atv", "isPartOf", separators={"v": " ; "}),
    _Rule(("310",), "a", "rights", join=None),
    _Rule(("206",), "abcd", "coverage", separators={}),
    _Rule(("123",), "defg", "coverage", separators={}),
)
TABLE = by_tag(RULES)
# Subject fields: the heading's subfields (joined by " "), then subdivisions (" -- ").
SUBJECT_FIELDS = {"600": "abcdf", "601": "abcdefgh", "602": "af", "604": "at", "605": "a", "606": "a", "610": "a"}
SPATIAL_FIELDS = {"607": "a"}

TYPES = {
    "a": "Text", "b": "Text", "c": "Text", "d": "Text",
    "e": "Image", "f": "Image", "g": "MovingImage", "k": "StillImage",
    "i": "Sound", "j": "Sound", "l": "Software", "m": "Collection", "r": "PhysicalObject",
}


def record_languages(record: Record) -> list[str]:
    tags: list[str] = []
    for f in record.get_fields("101"):
        for code in f.get_subfields("a"):
            tag = language_code(code)
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def text_language(record: Record) -> str | None:
    return single([language_code(c) for f in record.get_fields("101") for c in f.get_subfields("a")])


def fields_to_walk(record: Record, language: str | None) -> Iterator[tuple[Field, str, Context]]:
    context = Context(language)
    for f in record.fields:
        if not f.is_control_field():
            yield f, f.tag, context


def heading_values(record: Record, table: dict[str, str], element: str) -> list[tuple[str, LangValue]]:
    values = []
    for f in record.fields:
        codes = table.get(f.tag)
        if codes is None:
            continue
        heading = " ".join(tidy(sf.value) for sf in f.subfields if sf.code in codes and sf.value.strip())
        text = tidy_heading(" -- ".join(p for p in (tidy(heading), subjects(f, SUBDIVISIONS)) if p))
        if text:
            values.append((element, LangValue(text)))
    return values


def date_values(record: Record) -> list[tuple[str, LangValue]]:
    dates = [d for f in record.get_fields("210", "214") for d in map(edtf_date, f.get_subfields("d")) if d]
    if not dates:
        for f in record.get_fields("100"):
            data = f.get("a") or ""
            first = coded_year(data[9:13])
            if first:
                second = coded_year(data[13:17])
                ranged = data[8:9] in ("a", "b", "f", "g") and second and second != first
                dates.append(f"{first}/{second}" if ranged else first)
    return [("date", LangValue(d)) for d in dates]


def type_values(record: Record) -> list[tuple[str, LangValue]]:
    term = TYPES.get(str(record.leader)[6:7])
    return [("type", LangValue(term))] if term else []


def character_set(record: Record) -> str | None:
    """100 $a/26-27: the character set code ("50" Unicode, "89" Windows-1251 in RUSMARC …)."""
    for f in record.get_fields("100"):
        data = f.get("a") or ""
        if len(data) >= 28:
            return data[26:28]
    return None


def to_dc(record: Record) -> DCRecord:
    language = text_language(record)
    values = crosswalk(fields_to_walk(record, language), TABLE)
    values += date_values(record)
    values += heading_values(record, SUBJECT_FIELDS, "subject")
    values += heading_values(record, SPATIAL_FIELDS, "spatial")
    values += [("language", LangValue(tag)) for tag in record_languages(record)]
    values += type_values(record)
    return build_record(values)
