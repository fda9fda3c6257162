"""MARC21 bibliographic records to Dublin Core, after the Library of Congress MARC→DC crosswalk.

https://www.loc.gov/marc/marc2dc.html, with these decisions of our own:
- 245 $a$b$n$p is the title (the ISBD punctuation removed); 880 fields linked to a tag (880 $6 "245-01/(N")
  give further values of that tag's element, tagged with the record's language and the 880's script
  (a Kazakh title in Cyrillic and in Latin: kk-Cyrl and kk-Latn).
- Dates are EDTF: 260/264 $c normalised ("[1920?]" -> "1920?", "c1928" -> "1928", "192-?" -> "192X?"),
  else 008/07-10 (and 11-14 for serials and ranges).
- Type is the DCMI term of leader/06 (a map is Image, as DCMI puts it); 655 genre terms are subjects,
  because dc:type holds DCMI terms only.
- 651 is spatial; 034 and 255 (map coordinates and scale) are coverage.
- 856 $u is an identifier, or a relation when the second indicator says it is a related resource (2).
- 490 and 830 (series) and 773 (host item) are isPartOf.
"""
from __future__ import annotations

from collections.abc import Iterator

from pymarc import Field, Record

from metadata.dc import DCRecord, LangValue
from metadata.marc import (
    MARC_SCRIPT_CODES, Context, Rule, build_record, by_tag, coded_year, crosswalk, edtf_date, isbn_urn, join_subfield,
    issn_urn, language_code, single, subjects, tidy, tidy_heading, tidy_title,
)


def _not_related(f: Field) -> bool:
    return f.indicator2 != "2"


def _related(f: Field) -> bool:
    return f.indicator2 == "2"


TITLE_CODES = "abnp"
NAME_CODES = "abcdq"  # 100/700 $a name, $b numeration, $c titles, $d dates, $q fuller form
CORPORATE_CODES = "abcdn"
SUBJECT_SUBDIVISIONS = "vxyz"

RULES: tuple[Rule, ...] = (
    Rule(("245",), TITLE_CODES, "title", clean=tidy_title, tagged=True, separators={"b": " : ", "n": ". ", "p": ". "}),
    Rule(("130", "240", "246", "730", "740"), "abnp", "alternative", clean=tidy_title, tagged=True,
         separators={"b": " : ", "n": ". ", "p": ". "}),
    Rule(("100",), NAME_CODES, "creator", clean=tidy_heading, separators={"d": ", "}),
    Rule(("110", "111"), CORPORATE_CODES, "creator", clean=tidy_heading, separators={"b": ". "}),
    Rule(("700",), NAME_CODES, "contributor", clean=tidy_heading, separators={"d": ", "}),
    Rule(("710", "711", "720"), CORPORATE_CODES, "contributor", clean=tidy_heading, separators={"b": ". "}),
    Rule(("260", "264"), "b", "publisher", join=None, when=lambda f: f.tag == "260" or f.indicator2 in ("1", " ")),
    Rule(("300",), "abcef", "extent", separators={"b": " : ", "c": " ; ", "e": " + "}),
    Rule(("500", "520", "505"), "agrt", "description", tagged=True, separators={"g": " ", "r": " / ", "t": " -- "}),
    Rule(("020",), "a", "identifier", clean=isbn_urn, join=None),
    Rule(("022",), "a", "identifier", clean=issn_urn, join=None),
    Rule(("024",), "a", "identifier", join=None),
    Rule(("856",), "u", "identifier", join=None, when=_not_related),
    Rule(("856",), "u", "relation", join=None, when=_related),
    Rule(("490", "830", "440"), "anpv", "isPartOf", separators={"v": " ; "}),
    Rule(("773",), "tg", "isPartOf", separators={"g": ". "}),
    Rule(("506", "540"), "a", "rights", join=None),
    Rule(("255",), "abc", "coverage", separators={"b": " ; ", "c": " "}),
    Rule(("034",), "defg", "coverage", separators={}),
    Rule(("651", "662", "752"), "a" + SUBJECT_SUBDIVISIONS, "spatial", clean=tidy_heading,
         separators={c: " -- " for c in SUBJECT_SUBDIVISIONS + "bcd"}),
)
# Subject headings: the heading's own subfields joined by " ", subdivisions by " -- ".
SUBJECT_TAGS = {"600": "abcdq", "610": "ab", "611": "acdn", "630": "anp", "650": "ab", "653": "a", "655": "a"}

TABLE = by_tag(RULES)

# Leader/06 type of record -> DCMI Type term.
TYPES = {
    "a": "Text", "t": "Text", "c": "Text", "d": "Text",  # language material, manuscripts, notated music
    "e": "Image", "f": "Image",  # maps (printed, manuscript)
    "g": "MovingImage", "k": "StillImage",
    "i": "Sound", "j": "Sound",
    "m": "Software", "o": "Collection", "p": "Collection", "r": "PhysicalObject",
}


def record_languages(record: Record) -> list[str]:
    """BCP 47 tags of 008/35-37 then 041 $a $d (split when several codes run together)."""
    found: list[str | None] = []
    for f in record.get_fields("008"):
        found.append(language_code((f.data or "")[35:38]))
    for f in record.get_fields("041"):
        for value in f.get_subfields("a", "d"):
            compact = value.strip()
            found.extend(language_code(compact[i:i + 3]) for i in range(0, len(compact) - 2, 3))
    tags: list[str] = []
    for tag in found:
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def text_language(record: Record) -> str | None:
    """The language of the record's text when it is clear: 041 $a names one (or 008 alone does)."""
    text = [language_code(v.strip()[i:i + 3]) for f in record.get_fields("041")
            for v in f.get_subfields("a") for i in range(0, len(v.strip()) - 2, 3)]
    if text:
        return single(text)
    return single([language_code((f.data or "")[35:38]) for f in record.get_fields("008")])


def linked_tag(f: Field) -> tuple[str | None, str | None]:
    """(linked tag, script) of an 880 field from its $6 ("245-01/(N" -> ("245", "Cyrl"))."""
    link = f.get("6") or ""
    tag = link[:3] if link[:3].isdigit() else None
    script = None
    if "/" in link:
        code = link.split("/", 1)[1][:2]
        script = MARC_SCRIPT_CODES.get(code)
    return tag, script


def fields_to_walk(record: Record, language: str | None) -> Iterator[tuple[Field, str, Context]]:
    base = Context(language)
    for f in record.fields:
        if f.tag == "880":
            tag, script = linked_tag(f)
            if tag is not None:
                yield f, tag, Context(language, script)
        elif not f.is_control_field():
            yield f, f.tag, base


def subject_values(record: Record) -> list[tuple[str, LangValue]]:
    """600-655 headings: the heading as catalogued, its subdivisions ($v $x $y $z) after " -- "."""
    values = []
    for f in record.fields:
        codes = SUBJECT_TAGS.get(f.tag)
        if codes is None:
            continue
        heading = ""
        for sf in f.subfields:
            if sf.code in codes and sf.value.strip():
                heading = join_subfield(heading, sf.value.strip(), " ") if heading else sf.value.strip()
        text = " -- ".join(p for p in (tidy_heading(heading), subjects(f, SUBJECT_SUBDIVISIONS)) if p)
        if text:
            values.append(("subject", LangValue(tidy_heading(text))))
    return values


def date_values(record: Record) -> list[tuple[str, LangValue]]:
    """260/264 $c as EDTF; 008/07-10 (a range for serials and multi-year works) when they have none."""
    dates = []
    for f in record.get_fields("260", "264"):
        if f.tag == "264" and f.indicator2 not in ("1", " "):
            continue
        for text in f.get_subfields("c"):
            value = edtf_date(text)
            if value:
                dates.append(value)
    if not dates:
        dates = [d for d in (_fixed_date(f.data or "") for f in record.get_fields("008")) if d]
    return [("date", LangValue(d)) for d in dates]


def _fixed_date(data: str) -> str | None:
    kind, first, second = data[6:7], coded_year(data[7:11]), coded_year(data[11:15])
    if first is None:
        return None
    if kind in ("c", "u") or (kind in ("m", "i", "k") and data[11:15] == "9999"):
        return f"{first}/.."
    if kind in ("d", "m", "i", "k") and second and second != first:
        return f"{first}/{second}"
    if kind == "q" and second and second != first:
        return f"{first}/{second}"
    return first


def type_values(record: Record) -> list[tuple[str, LangValue]]:
    leader = str(record.leader)
    found = []
    term = TYPES.get(leader[6:7])
    if term:
        found.append(("type", LangValue(term)))
    if leader[7:8] in ("c", "d") and term != "Collection":
        found.append(("type", LangValue("Collection")))
    return found


def to_dc(record: Record) -> DCRecord:
    """The MARC21 record's Dublin Core (see the module's docstring for the choices)."""
    language = text_language(record)
    values = crosswalk(fields_to_walk(record, language), TABLE)
    values += date_values(record)
    values += subject_values(record)
    values += [("language", LangValue(tag)) for tag in record_languages(record)]
    values += type_values(record)
    return build_record(values)
