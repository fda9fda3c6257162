"""The `marc21` format: MARCXML (MARC 21 slim) of the catalogue records that are MARC 21.

Which records have it:
- catalogue records imported as MARC 21 (ISO 2709 or MARCXML), deleted ones included (as deletions);
- not UNIMARC/RUSMARC records: the MARC 21 slim namespace is for MARC 21 content, and a UNIMARC record in
  it would be read with MARC 21 tag meanings (200 is not a title there). They keep oai_dc and mods;
- not digitised items: they have no MARC record of their own. An item linked to a catalogue record is
  a copy of what that record describes; the record is harvested under its own identifier.
A record without it answers GetRecord with cannotDisseminateFormat, is absent from marc21 lists, and
ListMetadataFormats for its identifier does not name marc21.

How: the catalogue's record source (`repository.catalogue_oai.CatalogueSource`) gives each record what
its MARC format offers and the stored raw record; `build_marc21` decodes that
raw record exactly as the import did (same codec: UTF-8, MARC-8, Windows-1251, KZ-1048 …, or the stored
MARCXML element) and writes it with `metadata.marcxml.to_marcxml`, so the output is UTF-8 whatever the
source was. Nothing is crosswalked: every field, indicator and subfield is the catalogue's own (cleaned
only where MARC21slim.xsd demands it: see metadata.marcxml).
"""
from __future__ import annotations

from lxml import etree
from pymarc import Record

from metadata.marcxml import MARCXML_NS, MARCXML_SCHEMA, to_marcxml
from repository.marc_import import decode_iso2709, xml_to_record
from repository.oai.records import OAIRecord, StoredMarc

MARC21 = "marc21"  # the prefix, the catalogue's format name and what a record offers, alike
MARC21_NS = MARCXML_NS
MARC21_SCHEMA = MARCXML_SCHEMA

# The stored MARCXML was written by lxml from a parsed file: parse it as strictly as the import did.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def stored_record(stored: StoredMarc) -> Record:
    """The pymarc Record of a stored raw record, decoded as the import decoded it."""
    if stored.syntax == "marcxml":
        return xml_to_record(etree.fromstring(stored.raw, _PARSER))
    return decode_iso2709(1, stored.raw, stored.fmt, stored.encoding).record


def build_marc21(record: OAIRecord, repository_name: str) -> etree._Element:
    """The `marc:record` of a record that offers marc21 (a format builder: see repository.oai.formats)."""
    if record.marc is None or record.marc.fmt != MARC21:
        raise ValueError(f"{record.local_id} has no MARC 21 record to disseminate")
    return to_marcxml(stored_record(record.marc))
