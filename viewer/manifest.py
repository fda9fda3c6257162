"""IIIF Presentation 3 Manifests for items, built with iiif-prezi3 from what `Source` gives.

The builder is pure: an `ItemView` and the `ViewerOptions` in, a JSON-ready dict out. Access checks
happen in the blueprint before anything here runs, so a restricted item never reaches this module.
"""
from __future__ import annotations

import html
import json
from typing import Any

from iiif_prezi3 import Annotation, AnnotationPage, Canvas, Manifest

from metadata.dc import DCRecord
from metadata.edtf import parse_edtf
from metadata.errors import MetadataError
from metadata.rights import pick_rights_uri
from viewer.contexts import PRESENTATION_3_CONTEXT, SEARCH_1_CONTEXT, SEARCH_2_CONTEXT
from viewer.options import ViewerOptions
from viewer.source import ItemView, PageView

SEARCH_1_PROFILE = "http://iiif.io/api/search/1/search"
IMAGE_PROFILE = "level2"
# The IIIF cookbook (recipe 0068, newspapers) links ALTO with this version-neutral profile; Tesseract
# writes ALTO 3.0, so naming a specific schema version here would be wrong for some pages.
ALTO_PROFILE = "http://www.loc.gov/standards/alto/"
# /api/items/<id>/dc.xml is the oai_dc serialisation (metadata.oai_dc.to_oai_dc)
DC_PROFILE = "http://www.openarchives.org/OAI/2.0/oai_dc/"

# DC elements shown in `metadata`, in display order, with their labels in the UI languages.
# title and description are not repeated here: they are the manifest's label and summary.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "alternative": {"kk": "Басқа атауы", "ru": "Другое заглавие", "en": "Alternative title"},
    "creator": {"kk": "Авторы", "ru": "Автор", "en": "Creator"},
    "contributor": {"kk": "Қатысушы", "ru": "Соавтор", "en": "Contributor"},
    "date": {"kk": "Күні", "ru": "Дата", "en": "Date"},
    "created": {"kk": "Жасалған күні", "ru": "Дата создания", "en": "Created"},
    "issued": {"kk": "Жарияланған күні", "ru": "Дата издания", "en": "Issued"},
    "publisher": {"kk": "Баспагер", "ru": "Издатель", "en": "Publisher"},
    "type": {"kk": "Түрі", "ru": "Тип", "en": "Type"},
    "format": {"kk": "Пішімі", "ru": "Формат", "en": "Format"},
    "extent": {"kk": "Көлемі", "ru": "Объём", "en": "Extent"},
    "medium": {"kk": "Материалы", "ru": "Материал", "en": "Medium"},
    "language": {"kk": "Тілі", "ru": "Язык", "en": "Language"},
    "subject": {"kk": "Тақырыбы", "ru": "Тема", "en": "Subject"},
    "spatial": {"kk": "Орны", "ru": "Место", "en": "Place"},
    "temporal": {"kk": "Кезеңі", "ru": "Период", "en": "Period"},
    "coverage": {"kk": "Қамту", "ru": "Охват", "en": "Coverage"},
    "source": {"kk": "Дереккөзі", "ru": "Источник", "en": "Source"},
    "relation": {"kk": "Байланысы", "ru": "Связь", "en": "Relation"},
    "isPartOf": {"kk": "Құрамында", "ru": "Входит в", "en": "Is part of"},
    "hasPart": {"kk": "Бөліктері", "ru": "Части", "en": "Has part"},
    "identifier": {"kk": "Идентификатор", "ru": "Идентификатор", "en": "Identifier"},
    "provenance": {"kk": "Шығу тегі", "ru": "Происхождение", "en": "Provenance"},
    "rightsHolder": {"kk": "Құқық иесі", "ru": "Правообладатель", "en": "Rights holder"},
    "rights": {"kk": "Құқықтар", "ru": "Права", "en": "Rights"},
}
ATTRIBUTION_LABEL = {"kk": ["Дереккөз"], "ru": ["Источник"], "en": ["Attribution"]}
PDF_LABEL = {"kk": ["Іздеуге болатын PDF"], "ru": ["PDF с текстовым слоем"], "en": ["Searchable PDF"]}
TEXT_LABEL = {"kk": ["Мәтін"], "ru": ["Текст"], "en": ["Plain text"]}
ALTO_LABEL = {"en": ["ALTO XML"]}
DC_LABEL = {"en": ["Dublin Core (oai_dc)"]}
UNTITLED = {"kk": ["Атаусыз"], "ru": ["Без названия"], "en": ["Untitled"]}


# --- language maps -------------------------------------------------------------------------------
def _safe_text(value: str) -> str:
    # IIIF clients treat a value starting with "<" as HTML; ours are plain text, so escape that case.
    return html.escape(value, quote=False) if value.lstrip().startswith("<") else value


def language_map(record: DCRecord, name: str) -> dict[str, list[str]]:
    """All values of a DC element as a IIIF language map keyed by primary language ("kk-Cyrl" -> "kk",
    untagged -> "none"): viewers know the user's language only as "kk"/"ru"/"en". Empty when absent."""
    return {lang: [_safe_text(v) for v in values] for lang, values in record.language_map(name).items()}


def _labels(names: dict[str, str]) -> dict[str, list[str]]:
    return {lang: [text] for lang, text in names.items()}


def item_label(record: DCRecord) -> dict[str, list[str]]:
    return language_map(record, "title") or dict(UNTITLED)


# --- small derived values ------------------------------------------------------------------------
def rights_uri(record: DCRecord) -> str | None:
    """The first rights value that is a Creative Commons or RightsStatements.org URI (http form)."""
    return pick_rights_uri(record.values("rights"))


def nav_date(record: DCRecord) -> str | None:
    """navDate from the first parseable date (date, then created, then issued): 1 January of its year."""
    for name in ("date", "created", "issued"):
        for lv in record.get(name):
            try:
                year = parse_edtf(lv.value.strip()).lower_year
            except MetadataError:
                # Free-text dates ("1930-е жж.") are allowed in records; they just give no navDate.
                continue
            if year is not None and 1 <= year <= 9999:
                return f"{year:04d}-01-01T00:00:00Z"
    return None


def image_service(options: ViewerOptions, image_id: str) -> dict[str, Any]:
    return {"id": options.image_service_url(image_id), "type": "ImageService3", "profile": IMAGE_PROFILE}


def thumbnail(options: ViewerOptions, page: PageView) -> dict[str, Any]:
    """A small rendition of a page, with its service so clients can ask for other sizes."""
    width = max(1, min(options.thumbnail_width, page.width))  # no upscaling: "w," above max is a 400
    height = max(1, round(page.height * width / page.width))
    return {
        "id": f"{options.image_service_url(page.image_id)}/full/{width},/0/default.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "width": width,
        "height": height,
        "service": [image_service(options, page.image_id)],
    }


def provider(options: ViewerOptions) -> dict[str, Any]:
    homepage_url = options.provider_homepage or options.absolute("/")
    label = _labels(dict(options.provider_label)) or {"none": [options.repository_name]}
    agent: dict[str, Any] = {
        "id": homepage_url,
        "type": "Agent",
        "label": label,
        "homepage": [{"id": homepage_url, "type": "Text", "label": label, "format": "text/html"}],
    }
    if options.provider_logo:
        logo = options.absolute(options.provider_logo)
        agent["logo"] = [{"id": logo, "type": "Image", "format": _image_format(logo)}]
    return agent


def _image_format(url: str) -> str:
    ext = url.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "svg": "image/svg+xml", "webp": "image/webp", "gif": "image/gif"}.get(
        ext, "image/jpeg"
    )


def required_statement(options: ViewerOptions) -> dict[str, Any]:
    value = _labels(dict(options.attribution)) or {"none": [options.repository_name]}
    return {"label": dict(ATTRIBUTION_LABEL), "value": value}


def metadata_entries(record: DCRecord) -> list[dict[str, Any]]:
    entries = []
    for name, names in FIELD_LABELS.items():
        value = language_map(record, name)
        if value:
            entries.append({"label": _labels(names), "value": value})
    return entries


def has_text(item: ItemView) -> bool:
    return any(page.alto_key for page in item.pages)


def search_services(options: ViewerOptions, item_id: str) -> list[dict[str, Any]]:
    """Content Search 1.0 (what Mirador and UV read) and 2.0, side by side."""
    return [
        {
            "@context": SEARCH_1_CONTEXT,
            "@id": options.search1_url(item_id),
            # Presentation 3 names v1 services by @type; the schema requires it for @id-style services
            "@type": "SearchService1",
            "profile": SEARCH_1_PROFILE,
        },
        {"id": options.search2_url(item_id), "type": "SearchService2"},
    ]


# --- canvases ------------------------------------------------------------------------------------
def canvas(options: ViewerOptions, item_id: str, page: PageView) -> Canvas:
    canvas_id = options.canvas_url(item_id, page.seq)
    body = {
        "id": f"{options.image_service_url(page.image_id)}/full/max/0/default.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "width": page.width,
        "height": page.height,
        "service": [image_service(options, page.image_id)],
    }
    painting = Annotation(
        id=f"{canvas_id}/annotation/image",
        motivation="painting",
        body=body,
        target=canvas_id,
    )
    fields: dict[str, Any] = {
        "id": canvas_id,
        "label": {"none": [page.label or str(page.seq)]},
        "width": page.width,
        "height": page.height,
        "thumbnail": [thumbnail(options, page)],
        "items": [AnnotationPage(id=f"{canvas_id}/page/image", items=[painting])],
    }
    if page.alto_key:
        fields["seeAlso"] = [
            {
                "id": options.alto_url(item_id, page.seq),
                "type": "Dataset",
                "label": dict(ALTO_LABEL),
                "format": "application/xml",
                "profile": ALTO_PROFILE,
            }
        ]
    if page.text_key:
        fields["rendering"] = [
            {
                "id": options.page_text_url(item_id, page.seq),
                "type": "Text",
                "label": dict(TEXT_LABEL),
                "format": "text/plain",
            }
        ]
    return Canvas(**fields)


# --- the manifest --------------------------------------------------------------------------------
def _renderings(options: ViewerOptions, item: ItemView) -> list[dict[str, Any]]:
    out = []
    if item.pdf_key:
        out.append(
            {
                "id": options.api_item_url(item.id, "pdf"),
                "type": "Text",
                "label": dict(PDF_LABEL),
                "format": "application/pdf",
            }
        )
    if item.text_key:
        out.append(
            {
                "id": options.api_item_url(item.id, "text"),
                "type": "Text",
                "label": dict(TEXT_LABEL),
                "format": "text/plain",
            }
        )
    return out


def build_manifest(item: ItemView, options: ViewerOptions) -> dict[str, Any]:
    """The Presentation 3 Manifest of `item` as a JSON-ready dict (with @context)."""
    record = item.record
    label = item_label(record)
    fields: dict[str, Any] = {
        "id": options.manifest_url(item.id),
        "label": label,
        "requiredStatement": required_statement(options),
        "provider": [provider(options)],
        "homepage": [
            {"id": options.absolute(item.homepage), "type": "Text", "label": label, "format": "text/html"}
        ],
        "seeAlso": [
            {
                "id": options.api_item_url(item.id, "dc.xml"),
                "type": "Dataset",
                "label": dict(DC_LABEL),
                "format": "application/xml",
                "profile": DC_PROFILE,
            }
        ],
        "items": [canvas(options, item.id, page) for page in sorted(item.pages, key=lambda p: p.seq)],
    }
    optional: dict[str, Any] = {
        "summary": language_map(record, "description"),
        "metadata": metadata_entries(record),
        "rights": rights_uri(record),
        "navDate": nav_date(record),
        "thumbnail": [thumbnail(options, min(item.pages, key=lambda p: p.seq))] if item.pages else None,
        "rendering": _renderings(options, item),
        "service": search_services(options, item.id) if has_text(item) else None,
        "partOf": [{"id": options.collection_url(cid), "type": "Collection"} for cid in item.collection_ids],
    }
    fields.update({k: v for k, v in optional.items() if v})
    if "service" in fields:
        # SearchService2 is a term of the Search 2 context; extension contexts come before Presentation 3
        fields["context"] = [SEARCH_2_CONTEXT, PRESENTATION_3_CONTEXT]
    return to_dict(Manifest(**fields))


def to_dict(resource: Any) -> dict[str, Any]:
    """prezi3 model -> plain dict with the Presentation 3 @context first (as the spec asks)."""
    return json.loads(resource.json())

