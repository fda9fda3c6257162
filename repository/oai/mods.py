"""The `mods` format: MODS 3.7 built from the Dublin Core record, in the structure MODS consumers expect.

Partner museums and libraries take MODS because it keeps what simple DC flattens: which date is the
publication and which the creation, what is a topic and what a place or a period, a name and its role,
language codes with their authority, the host a newspaper issue belongs to, a rights URI as a link.

The mapping follows the Library of Congress "Dublin Core Metadata Element Set Mapping to MODS 3" with
the dcterms refinements we keep (created, issued, spatial, temporal, extent, medium, isPartOf, hasPart,
rightsHolder, provenance, alternative) mapped to their precise MODS places. It is derived only from the
record and its links, so whatever changes it also moves the item's datestamp.
"""
from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from metadata import langtag
from metadata.dc import DCRecord, LangValue
from metadata.dcmitype import normalise_type
from metadata.edtf import parse_edtf
from metadata.errors import ValidationError
from metadata.rights import looks_like_uri, normalise_rights

MODS_NS = "http://www.loc.gov/mods/v3"
MODS_SCHEMA = "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {"mods": MODS_NS, "xlink": XLINK_NS, "xsi": XSI_NS}

# DCMI Type -> MODS typeOfResource (the MODS list; 3.7 no longer enforces it, consumers still expect it).
TYPE_OF_RESOURCE = {
    "Text": "text", "StillImage": "still image", "Image": "still image", "MovingImage": "moving image",
    "Sound": "sound recording", "PhysicalObject": "three dimensional object",
    "Software": "software, multimedia", "InteractiveResource": "software, multimedia",
    "Dataset": "software, multimedia", "Collection": "mixed material",
}
# Kinds of resource whose plain dc:date is when it was made rather than when it was published.
_CREATED_TYPES = frozenset({"StillImage", "Image", "PhysicalObject", "MovingImage", "Sound"})
# ISO 639-1 -> ISO 639-2/B for the languages of langtag.KNOWN_LANGUAGES (MODS prefers the B codes).
ISO639_2B = {
    "kk": "kaz", "ru": "rus", "en": "eng", "de": "ger", "tr": "tur", "uz": "uzb", "ky": "kir", "tt": "tat",
    "ar": "ara", "fa": "per", "zh": "chi", "la": "lat", "ug": "uig", "mn": "mon", "uk": "ukr", "fr": "fre",
}
ROLES = {"creator": ("creator", "cre"), "contributor": ("contributor", "ctb")}
_MIME = re.compile(r"[a-z]+/[A-Za-z0-9.+-]+")
_ISBN = re.compile(r"(?:ISBN(?:-1[03])?[:\s]*)?([0-9][-0-9\s]{8,15}[0-9Xx])", re.I)


def _m(name: str) -> str:
    return f"{{{MODS_NS}}}{name}"


def _add(parent: etree._Element, name: str, value: LangValue | str | None = None, **attrs: str) -> etree._Element:
    """A MODS child; a LangValue's tag becomes xml:lang and its script subtag MODS's `script`."""
    child = etree.SubElement(parent, _m(name))
    if isinstance(value, LangValue):
        child.text = value.value
        if value.lang:
            child.set(XML_LANG, value.lang)
            script = _script(value.lang)
            if script:
                child.set("script", script)
    elif value is not None:
        child.text = value
    for key, val in attrs.items():
        child.set(f"{{{XLINK_NS}}}{key[6:]}" if key.startswith("xlink_") else key, val)
    return child


def _script(tag: str) -> str | None:
    try:
        return langtag.parse_tag(tag).script
    except ValidationError:
        return None  # a bad tag is reported by validation when the record is saved; here we describe


def _dcmi_type(value: str) -> str | None:
    try:
        return normalise_type(value)
    except ValidationError:
        return None


def _edtf(value: str) -> bool:
    try:
        parse_edtf(value)
    except ValidationError:
        return False
    return True


def to_mods(
    record: DCRecord, *, page_url: str | None, manifest_url: str | None, record_source: str,
    record_id: str, changed: datetime,
) -> etree._Element:
    """The `mods:mods` element (version 3.7) for one record and its links."""
    root = etree.Element(_m("mods"), nsmap=NSMAP, version="3.7")
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{MODS_NS} {MODS_SCHEMA}")
    types = [t for t in (_dcmi_type(v) for v in record.values("type")) if t]
    _titles(root, record)
    _names(root, record)
    _types(root, record, types)
    _origin(root, record, types)
    _languages(root, record)
    _physical(root, record)
    for value in record.get("description"):
        _add(root, "abstract", value)
    for value in record.get("provenance"):
        _add(root, "note", value, type="ownership")
    _subjects(root, record)
    _related(root, record)
    _identifiers(root, record, page_url)
    _location(root, page_url, manifest_url)
    _rights(root, record)
    info = _add(root, "recordInfo")
    _add(info, "recordContentSource", record_source)
    _add(info, "recordChangeDate", changed.strftime("%Y-%m-%dT%H:%M:%SZ"), encoding="iso8601")
    _add(info, "recordIdentifier", record_id)
    return root


def _titles(root: etree._Element, record: DCRecord) -> None:
    titles = record.get("title")
    main_lang = titles[0].lang if titles else None
    for index, value in enumerate(titles):
        if index == 0:
            info = _add(root, "titleInfo", usage="primary")
        elif value.lang and main_lang and langtag.primary_language(value.lang) != langtag.primary_language(main_lang):
            info = _add(root, "titleInfo", type="translated")
        else:
            info = _add(root, "titleInfo", type="alternative")
        _add(info, "title", value)
    for value in record.get("alternative"):
        _add(_add(root, "titleInfo", type="alternative"), "title", value)


def _names(root: etree._Element, record: DCRecord) -> None:
    for element, (text, code) in ROLES.items():
        for value in record.get(element):
            name = _add(root, "name")
            _add(name, "namePart", value)
            role = _add(name, "role")
            _add(role, "roleTerm", text, type="text", authority="marcrelator")
            _add(role, "roleTerm", code, type="code", authority="marcrelator")


def _types(root: etree._Element, record: DCRecord, types: list[str]) -> None:
    for term in types:
        if term in TYPE_OF_RESOURCE:
            attrs = {"collection": "yes"} if term == "Collection" else {}
            _add(root, "typeOfResource", TYPE_OF_RESOURCE[term], **attrs)
    for value in record.get("type"):
        if _dcmi_type(value.value) is None:
            _add(root, "genre", value)


def _origin(root: etree._Element, record: DCRecord, types: list[str]) -> None:
    plain_as = "dateCreated" if _CREATED_TYPES.intersection(types) else "dateIssued"
    dates = [("dateIssued", v) for v in record.get("issued")] + [("dateCreated", v) for v in record.get("created")]
    dates += [(plain_as, v) for v in record.get("date")]
    publishers = record.get("publisher")
    if not dates and not publishers:
        return
    origin = _add(root, "originInfo")
    for value in publishers:
        _add(origin, "publisher", value)
    for index, (name, value) in enumerate(dates):
        attrs = {"encoding": "edtf"} if _edtf(value.value) else {}
        if index == 0:
            attrs["keyDate"] = "yes"
        _add(origin, name, value.value, **attrs)


def _languages(root: etree._Element, record: DCRecord) -> None:
    for value in record.values("language"):
        language = _add(root, "language")
        try:
            tag = langtag.parse_tag(langtag.to_bcp47(value))
        except ValidationError:
            _add(language, "languageTerm", value, type="text")
            continue
        _add(language, "languageTerm", str(tag), type="code", authority="rfc5646")
        if tag.language in ISO639_2B:
            _add(language, "languageTerm", ISO639_2B[tag.language], type="code", authority="iso639-2b")
        if tag.script:
            _add(language, "scriptTerm", tag.script, type="code", authority="iso15924")


def _physical(root: etree._Element, record: DCRecord) -> None:
    formats, media, extents = record.get("format"), record.get("medium"), record.get("extent")
    physical = _add(root, "physicalDescription")
    for value in formats:
        _add(physical, "internetMediaType" if _MIME.fullmatch(value.value) else "form", value)
    for value in media:
        _add(physical, "form", value)
    for value in extents:
        _add(physical, "extent", value)
    # Everything in the archive is a digitised copy of a physical original.
    _add(physical, "digitalOrigin", "reformatted digital")


def _subjects(root: etree._Element, record: DCRecord) -> None:
    for value in record.get("subject"):
        _add(_add(root, "subject"), "topic", value)
    for value in record.get("spatial"):
        _add(_add(root, "subject"), "geographic", value)
    for value in record.get("temporal"):
        _temporal(root, value)
    for value in record.get("coverage"):
        # Plain coverage is a period when it reads as a date, otherwise a place.
        if _edtf(value.value):
            _temporal(root, value)
        else:
            _add(_add(root, "subject"), "geographic", value)


def _temporal(root: etree._Element, value: LangValue) -> None:
    attrs = {"encoding": "edtf"} if _edtf(value.value) else {}
    _add(_add(root, "subject"), "temporal", value.value, **attrs)


def _related(root: etree._Element, record: DCRecord) -> None:
    for element, kind in (("isPartOf", "host"), ("hasPart", "constituent"), ("source", "original"), ("relation", None)):
        for value in record.get(element):
            attrs = {"type": kind} if kind else {}
            if _is_url(value.value):
                related = _add(root, "relatedItem", xlink_href=value.value, **attrs)
                _add(_add(related, "location"), "url", value.value)
            else:
                related = _add(root, "relatedItem", **attrs)
                _add(_add(related, "titleInfo"), "title", value)


def _identifiers(root: etree._Element, record: DCRecord, page_url: str | None) -> None:
    for value in record.values("identifier"):
        _add(root, "identifier", value, type=_identifier_type(value))
    if page_url:
        _add(root, "identifier", page_url, type="uri")


def _identifier_type(value: str) -> str:
    lowered = value.lower()
    if _is_url(value):
        return "uri"
    if lowered.startswith("urn:"):
        return "urn"
    if lowered.startswith("doi:") or lowered.startswith("10."):
        return "doi"
    if _is_isbn(value):
        return "isbn"
    return "local"


def _is_isbn(value: str) -> bool:
    """An ISBN-10 or ISBN-13 with a correct check digit (a bare number of the right length is not enough)."""
    match = _ISBN.fullmatch(value.strip())
    if match is None:
        return False
    digits = re.sub(r"[-\s]", "", match.group(1)).upper()
    if len(digits) == 10 and digits[:9].isdigit():
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


def _location(root: etree._Element, page_url: str | None, manifest_url: str | None) -> None:
    if not page_url and not manifest_url:
        return
    location = _add(root, "location")
    if page_url:
        _add(location, "url", page_url, access="object in context", usage="primary display")
    if manifest_url:
        # A IIIF manifest is neither the object itself nor a page about it; IIIF-aware aggregators look
        # for this label and note.
        _add(location, "url", manifest_url, displayLabel="IIIF Manifest", note="iiif-manifest")


def _rights(root: etree._Element, record: DCRecord) -> None:
    for value in record.get("rights"):
        uri = _rights_uri(value.value)
        if uri:
            _add(root, "accessCondition", uri, type="use and reproduction", xlink_href=uri)
        else:
            _add(root, "accessCondition", value, type="use and reproduction")
    for value in record.get("rightsHolder"):
        _add(root, "accessCondition", value, type="use and reproduction", displayLabel="Rights holder")


def _rights_uri(value: str) -> str | None:
    if not looks_like_uri(value):
        return None
    try:
        return normalise_rights(value)
    except ValidationError:
        return value if _is_url(value) else None


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))
