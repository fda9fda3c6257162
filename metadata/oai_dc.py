"""Crosswalk between DCRecord and the OAI-PMH ``oai_dc:dc`` container.

oai_dc allows only the 15 DCMES elements, so each dcterms refinement is written as
the element it refines (``dc.REFINES``): created/issued -> date,
spatial/temporal -> coverage, extent/medium -> format, isPartOf/hasPart -> relation,
rightsHolder -> rights, provenance -> description, alternative -> title.
Tagged values carry ``xml:lang``.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from metadata.dc import DC_NS, DCMES, REFINES, DCRecord, LangValue
from metadata.errors import MetadataError

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}


def _sources(dc_element: str) -> tuple[str, ...]:
    """The record elements written as ``dc_element``: itself, then its refinements."""
    return (dc_element, *(name for name, parent in REFINES.items() if parent == dc_element))


def to_oai_dc(record: DCRecord, extra_identifiers: Iterable[str] = ()) -> etree._Element:
    """The ``oai_dc:dc`` element; ``extra_identifiers`` (e.g. the landing page URL) follow the record's own."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    for dc_element in DCMES:
        values: list[LangValue] = [v for name in _sources(dc_element) for v in record.get(name)]
        if dc_element == "identifier":
            values.extend(LangValue(i) for i in extra_identifiers if i)
        for value in values:
            _append(root, dc_element, value)
    return root


def _append(root: etree._Element, dc_element: str, value: LangValue) -> None:
    child = etree.SubElement(root, f"{{{DC_NS}}}{dc_element}")
    try:
        child.text = value.value
    except ValueError as err:  # lxml refuses control characters
        raise MetadataError(f"{dc_element} {value.value!r} cannot be written as XML: {err}") from err
    if value.lang:
        child.set(XML_LANG, value.lang)


def from_oai_dc(element: etree._Element) -> DCRecord:
    """Read an ``oai_dc:dc`` element back. Refinements come back as their DCMES parent."""
    if element.tag != f"{{{OAI_DC_NS}}}dc":
        raise MetadataError(f"expected an oai_dc:dc element, not {element.tag!r}")
    values: dict[str, list[LangValue]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no metadata
        qname = etree.QName(child)
        if qname.namespace != DC_NS or qname.localname not in DCMES:
            raise MetadataError(f"unexpected element {child.tag!r} in oai_dc:dc")
        values.setdefault(qname.localname, []).append(LangValue(child.text or "", child.get(XML_LANG)))
    return DCRecord(values)
