"""Metadata as the reader sees it: values in the interface language first, others with their language.

Every value keeps its BCP 47 tag for the `lang` attribute (an untagged value gets `lang=""`, "language
unknown", rather than silently inheriting the page's language). Only http(s) URLs become links.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from metadata import langtag
from metadata.dc import DCRecord, LangValue
from repository.web.i18n import locale_name
from repository.web.security import http_url

# Elements in the order the item page lists them, with their labels.
ELEMENT_LABELS = {
    "title": _l("Title"), "alternative": _l("Other title"), "creator": _l("Creator"),
    "contributor": _l("Contributor"), "date": _l("Date"), "created": _l("Date created"),
    "issued": _l("Date issued"), "publisher": _l("Publisher"), "type": _l("Type"), "format": _l("Format"),
    "extent": _l("Extent"), "medium": _l("Medium"), "language": _l("Language"), "subject": _l("Subject"),
    "description": _l("Description"), "coverage": _l("Coverage"), "spatial": _l("Place"),
    "temporal": _l("Period"), "source": _l("Source"), "relation": _l("Related"), "isPartOf": _l("Part of"),
    "hasPart": _l("Has part"), "identifier": _l("Identifier"), "rights": _l("Rights"),
    "rightsHolder": _l("Rights holder"), "provenance": _l("Provenance"),
}
TYPE_LABELS = {
    "Text": _l("Text"), "Image": _l("Image"), "StillImage": _l("Still image"), "Collection": _l("Collection"),
    "PhysicalObject": _l("Physical object"), "Dataset": _l("Dataset"), "Sound": _l("Sound"),
    "MovingImage": _l("Moving image"), "InteractiveResource": _l("Interactive resource"),
}


@dataclass(frozen=True)
class ShownValue:
    text: str
    lang: str  # BCP 47 tag, or "" for unknown
    language_label: str | None  # set when the value is in another language than the interface
    href: str | None = None


@dataclass(frozen=True)
class ShownField:
    name: str
    label: str
    values: tuple[ShownValue, ...]


def in_locale(tag: str | None, locale: str) -> bool:
    return tag is not None and langtag.matches(tag, locale)


def _shown(value: LangValue, element: str, locale: str) -> ShownValue:
    text = value.value
    if element == "language":
        text = locale_name(text, locale) if langtag.is_well_formed(text) else text
    elif element == "type":
        text = str(TYPE_LABELS.get(text, text))
    label = None if value.lang is None or in_locale(value.lang, locale) else locale_name(value.lang, locale)
    return ShownValue(text, value.lang or "", label, http_url(value.value))


def ordered_values(values: tuple[LangValue, ...], locale: str) -> list[LangValue]:
    """The reader's-language values first, then untagged ones, then the rest (stable within each)."""
    rank = {True: 0, False: 2}
    return sorted(values, key=lambda v: 1 if v.lang is None else rank[in_locale(v.lang, locale)])


def shown_fields(record: DCRecord, locale: str) -> list[ShownField]:
    fields = []
    for name, label in ELEMENT_LABELS.items():
        values = record.get(name)
        if values:
            shown = tuple(_shown(v, name, locale) for v in ordered_values(values, locale))
            fields.append(ShownField(name, str(label), shown))
    return fields


def best_value(record: DCRecord, element: str, locale: str) -> LangValue | None:
    values = ordered_values(record.get(element), locale)
    return values[0] if values else None


def title_of(record: DCRecord, locale: str, fallback: str) -> LangValue:
    return best_value(record, "title", locale) or LangValue(fallback)


def map_text(language_map: Mapping[str, Any] | None, locale: str) -> tuple[str, str]:
    """(text, lang tag) from a IIIF-style language map such as a collection title; ("", "") if empty."""
    if not language_map:
        return "", ""
    for tag, texts in language_map.items():
        if tag != "none" and texts and in_locale(tag, locale):
            return texts[0], tag
    if language_map.get("none"):
        return language_map["none"][0], ""
    tag, texts = next(((t, v) for t, v in language_map.items() if v), ("", [""]))
    return texts[0], "" if tag == "none" else tag
