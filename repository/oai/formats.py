"""The metadata formats this provider disseminates: prefix -> (schema, namespace, builder).

A builder turns an `OAIRecord` (not deleted, with its Dublin Core record) into the element that goes
inside `<metadata>`. `kinds` names the record kinds a format can describe, so that a later source
(catalogue records) can offer formats of its own without the others claiming them. `requires` narrows a
format to the records of those kinds that have something of their own to show in it: `marc21` is for
catalogue records that are MARC 21 (repository/oai/marc21.py), not for UNIMARC ones nor for items.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from metadata.dc import DC_NS, DCRecord
from metadata.oai_dc import OAI_DC_NS, to_oai_dc
from repository.oai.marc21 import MARC21, MARC21_NS, MARC21_SCHEMA, build_marc21
from repository.oai.mods import MODS_NS, MODS_SCHEMA, to_mods
from repository.oai.records import OAIRecord

Builder = Callable[[OAIRecord, str], etree._Element]  # (record, repository name) -> element


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    build: Builder
    kinds: frozenset[str]
    # What a record must offer besides its kind (OAIRecord.offers); lists select by it (ListQuery.requires).
    requires: str | None = None

    def describes(self, record: OAIRecord) -> bool:
        return record.kind in self.kinds and (self.requires is None or self.requires in record.offers)


def build_oai_dc(record: OAIRecord, repository_name: str) -> etree._Element:
    """oai_dc with the links a harvester needs: the item page as dc:identifier, the manifest as dc:relation."""
    element = to_oai_dc(record.dc or DCRecord(), extra_identifiers=[record.page_url] if record.page_url else ())
    if record.manifest_url:
        _add_relation(element, record.manifest_url)
    return element


def _add_relation(element: etree._Element, url: str) -> None:
    """A dc:relation after the record's own (DCMES order), without rebuilding the record to add it."""
    relation = etree.Element(f"{{{DC_NS}}}relation")
    relation.text = url
    later = ("coverage", "rights")
    for child in element:
        if etree.QName(child).localname in later:
            child.addprevious(relation)
            return
    element.append(relation)


def build_mods(record: OAIRecord, repository_name: str) -> etree._Element:
    return to_mods(
        record.dc or DCRecord(), page_url=record.page_url, manifest_url=record.manifest_url,
        record_source=repository_name, record_id=record.local_id, changed=record.datestamp,
    )


FORMATS: Mapping[str, MetadataFormat] = {
    "oai_dc": MetadataFormat(
        "oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS, build_oai_dc,
        frozenset({"item", "catalogue"}),
    ),
    "mods": MetadataFormat("mods", MODS_SCHEMA, MODS_NS, build_mods, frozenset({"item", "catalogue"})),
    "marc21": MetadataFormat(
        "marc21", MARC21_SCHEMA, MARC21_NS, build_marc21, frozenset({"catalogue"}), requires=MARC21,
    ),
}
