from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from metadata.dc import DCRecord, LangValue
from metadata.errors import MetadataError
from metadata.oai_dc import OAI_DC_NS, XML_LANG, from_oai_dc, to_oai_dc

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "oai" / "oai_dc.xsd"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA_PATH))


RECORDS = [
    DCRecord({"title": ["Минимальная запись"]}),
    DCRecord({
        "title": [LangValue("Өскемен шежіресі", "kk-Cyrl"), LangValue("Öskemen şejıresı", "kk-Latn"),
                  LangValue("Летопись Усть-Каменогорска", "ru"), LangValue("Chronicle of Öskemen", "en")],
        "alternative": [LangValue("Шежіре", "kk-Cyrl")],
        "creator": ["Әбдіхалықов, Қ."],
        "subject": [LangValue("өлкетану", "kk-Cyrl"), LangValue("краеведение", "ru")],
        "description": [LangValue("Қолжазба & <тізім>", "kk-Cyrl")],
        "date": ["1928-03-12"], "created": ["1920~"], "issued": ["1930/1931"],
        "type": ["Text"], "format": ["image/tiff"], "extent": ["34 p."], "medium": ["paper"],
        "identifier": ["urn:olketanu:item:abc"], "language": ["kk", "ru"],
        "spatial": [LangValue("Өскемен", "kk-Cyrl")], "temporal": ["1920/1930"],
        "isPartOf": ["Шығыс Қазақстан газеттері"], "hasPart": ["p. 1"],
        "rights": ["http://rightsstatements.org/vocab/InC/1.0/"], "rightsHolder": ["Облыстық кітапхана"],
        "provenance": ["Gift of the family, 1978"],
    }),
    DCRecord({"title": [LangValue("Корреспонденціи", "ru-petr1708")], "type": ["StillImage"]}),
]


@pytest.mark.parametrize("record", RECORDS)
def test_valid_against_xsd(schema, record):
    element = to_oai_dc(record, extra_identifiers=["https://archive.example/items/abc"])
    schema.validate(etree.tostring(element))  # raises on any violation
    reparsed = etree.fromstring(etree.tostring(element, encoding="UTF-8"))
    assert reparsed.tag == f"{{{OAI_DC_NS}}}dc"


def test_xml_lang_and_refinements():
    element = to_oai_dc(RECORDS[1], extra_identifiers=["https://archive.example/items/abc"])
    titles = element.findall(f"{DC}title")
    assert [(t.text, t.get(XML_LANG)) for t in titles][-1] == ("Шежіре", "kk-Cyrl")  # alternative -> title
    assert titles[0].get(XML_LANG) == "kk-Cyrl"
    dates = [d.text for d in element.findall(f"{DC}date")]
    assert dates == ["1928-03-12", "1920~", "1930/1931"]
    assert [c.text for c in element.findall(f"{DC}coverage")] == ["Өскемен", "1920/1930"]
    assert [f.text for f in element.findall(f"{DC}format")] == ["image/tiff", "34 p.", "paper"]
    assert [r.text for r in element.findall(f"{DC}relation")] == ["Шығыс Қазақстан газеттері", "p. 1"]
    assert [r.text for r in element.findall(f"{DC}rights")][1] == "Облыстық кітапхана"
    assert [i.text for i in element.findall(f"{DC}identifier")] == \
        ["urn:olketanu:item:abc", "https://archive.example/items/abc"]
    assert element.find(f"{DC}creator").get(XML_LANG) is None
    # only the 15 DCMES appear
    assert {etree.QName(c).localname for c in element} <= {
        "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
        "format", "identifier", "source", "language", "relation", "coverage", "rights"}


def test_round_trip_without_refinements():
    record = DCRecord({
        "title": [LangValue("Өскемен", "kk-Cyrl"), LangValue("Усть-Каменогорск", "ru")],
        "date": ["1916"], "language": ["kk"], "rights": ["http://creativecommons.org/licenses/by/4.0/"],
    })
    assert from_oai_dc(to_oai_dc(record)) == record
    parsed = etree.fromstring(etree.tostring(to_oai_dc(record)))
    assert from_oai_dc(parsed) == record


def test_from_oai_dc_rejects_other_elements():
    with pytest.raises(MetadataError):
        from_oai_dc(etree.Element("record"))
