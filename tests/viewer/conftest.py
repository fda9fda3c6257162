"""Shared fixtures of the viewer tests.

Presentation / Content Search / Mirador fixtures are prefixed `prez_`; the Image API tests keep
their own prefix. Everything here is in-process: a fake `Source`, and
ALTO written by hand in a real `LocalStore` under tmp_path, so the tests need neither the
repository nor /work/shared.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import jsonschema
import pytest
from flask import Flask

from metadata.dc import DCRecord, LangValue
from storage.base import ObjectStore
from storage.local import LocalStore
from viewer.source import CollectionView, ImageRef, ItemView, PageView

IIIF_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "iiif"
PREZ_BASE = "http://iiif.test"


# --- Presentation / Content Search fakes --------------------------------------------------------
@dataclass
class PrezFakeSource:
    items: dict[str, ItemView] = field(default_factory=dict)
    collections: dict[str, CollectionView] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)

    def image(self, identifier: str) -> ImageRef | None:
        for item in self.items.values():
            for page in item.pages:
                if page.image_id == identifier:
                    return ImageRef(identifier, item.id, page.width, page.height, f"items/{item.id}/access.tif")
        return None

    def item(self, item_id: str) -> ItemView | None:
        return self.items.get(item_id)

    def collection(self, collection_id: str) -> CollectionView | None:
        return self.collections.get(collection_id)

    def top_collection_ids(self) -> Sequence[str]:
        return list(self.top)

    def can_view(self, item_id: str) -> bool:
        return item_id not in self.hidden


def prez_alto_xml(width: int, height: int, lines: Sequence[Sequence[tuple[str, int, int, int, int]]]) -> bytes:
    """ALTO 3.0 as Tesseract writes it: one block, the given lines of (text, x, y, w, h) words."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">',
        "<Description><MeasurementUnit>pixel</MeasurementUnit></Description>",
        f'<Layout><Page ID="page_0" PHYSICAL_IMG_NR="0" HEIGHT="{height}" WIDTH="{width}">',
        f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{width}" HEIGHT="{height}">',
        '<TextBlock ID="block_0" HPOS="0" VPOS="0" WIDTH="10" HEIGHT="10">',
    ]
    for n, words in enumerate(lines):
        x0 = min(w[1] for w in words)
        y0 = min(w[2] for w in words)
        out.append(f'<TextLine ID="line_{n}" HPOS="{x0}" VPOS="{y0}" WIDTH="100" HEIGHT="30">')
        for m, (text, x, y, w, h) in enumerate(words):
            if m:
                out.append(f'<SP WIDTH="10" VPOS="{y}" HPOS="{x - 10}"/>')
            out.append(
                f'<String ID="s_{n}_{m}" HPOS="{x}" VPOS="{y}" WIDTH="{w}" HEIGHT="{h}" WC="0.93" '
                f'CONTENT="{text}"/>'
            )
        out.append("</TextLine>")
    out.append("</TextBlock></PrintSpace></Page></Layout></alto>")
    return "\n".join(out).encode("utf-8")


# Page 1: a phrase broken across a line end ("облысы" | "Өскемен"), Cyrillic Kazakh.
PREZ_PAGE1_LINES = [
    [("Шығыс", 100, 100, 120, 40), ("Қазақстан", 240, 100, 200, 40), ("облысы", 460, 100, 150, 40)],
    [("Өскемен", 100, 160, 170, 40), ("қаласы,", 290, 160, 150, 40), ("1918", 460, 160, 90, 40)],
]
# Page 2: the same city in the Latin alphabets (2018 Kazakh Latin and plain ASCII).
PREZ_PAGE2_LINES = [
    [("Öskemen", 50, 300, 160, 40), ("qalasy", 230, 300, 130, 40)],
    [("Oskemen", 50, 360, 160, 40), ("—", 230, 360, 20, 40), ("Усть-Каменогорск", 270, 360, 330, 40)],
]


def prez_record() -> DCRecord:
    return DCRecord(
        {
            "title": [
                LangValue("Шығыс Қазақстан тарихы", "kk-Cyrl"),
                LangValue("История Восточного Казахстана", "ru"),
                LangValue("History of East Kazakhstan", "en"),
            ],
            "description": [LangValue("Өлкетану жинағы", "kk-Cyrl"), LangValue("Краеведческий сборник", "ru")],
            "creator": ["Бекмаханов, Е."],
            "subject": [LangValue("Өскемен", "kk-Cyrl"), LangValue("Усть-Каменогорск", "ru")],
            "date": ["1925"],
            "language": ["kk", "ru"],
            "rights": ["https://creativecommons.org/licenses/by/4.0/"],
        }
    )


def prez_build_source(store: ObjectStore) -> PrezFakeSource:
    def pages(item_id: str, sizes: Sequence[tuple[int, int]], alto: Sequence[bytes | None]) -> list[PageView]:
        out = []
        for seq, ((w, h), data) in enumerate(zip(sizes, alto), start=1):
            alto_key = None
            if data is not None:
                alto_key = f"items/{item_id}/pages/{seq:04d}/alto.xml"
                store.put_bytes(alto_key, data)
            out.append(PageView(seq, f"{seq}", w, h, f"{item_id}-p{seq}", alto_key, None))
        return out

    book_pages = pages(
        "book1",
        [(1000, 1400), (1000, 1400), (1000, 1400)],
        [
            prez_alto_xml(1000, 1400, PREZ_PAGE1_LINES),
            # ALTO measured on a half-size rendition: boxes must be scaled up to the canvas
            prez_alto_xml(500, 700, [[(t, x // 2, y // 2, w // 2, h // 2) for t, x, y, w, h in ln] for ln in PREZ_PAGE2_LINES]),
            None,
        ],
    )
    book = ItemView(
        id="book1",
        record=prez_record(),
        pages=book_pages,
        homepage="/items/book1",
        pdf_key="items/book1/item.pdf",
        text_key="items/book1/item.txt",
        collection_ids=("kraeved",),
        oai_identifier="oai:olketanu.kz:book1",
    )
    photo = ItemView(
        id="photo1",
        record=DCRecord({"title": ["Өскемен көшесі"], "type": ["StillImage"]}),
        pages=pages("photo1", [(800, 600)], [None]),
        homepage="http://iiif.test/items/photo1",
    )
    secret = ItemView(
        id="secret",
        record=DCRecord({"title": [LangValue("Құпия құжат", "kk")]}),
        pages=pages("secret", [(900, 1200)], [prez_alto_xml(900, 1200, PREZ_PAGE1_LINES)]),
        homepage="/items/secret",
    )
    source = PrezFakeSource(
        items={"book1": book, "photo1": photo, "secret": secret},
        collections={
            "kraeved": CollectionView(
                id="kraeved",
                label={"kk": ["Өлкетану"], "ru": ["Краеведение"]},
                summary={"ru": ["Книги и газеты о крае"]},
                item_ids=("book1", "secret"),
                child_ids=("newspapers",),
                homepage="/collections/kraeved",
            ),
            "newspapers": CollectionView(
                id="newspapers",
                label={"kk": ["Газеттер"]},
                summary=None,
                item_ids=("photo1",),
                child_ids=(),
                homepage="/collections/newspapers",
            ),
        },
        top=["kraeved"],
        hidden={"secret"},
    )
    return source


@pytest.fixture
def prez_options():
    from viewer.options import ViewerOptions

    return ViewerOptions(
        base_url=PREZ_BASE,
        repository_name="Ölketanu",
        attribution={"kk": "Облыстық кітапхана", "ru": "Областная библиотека", "en": "Regional library"},
        provider_label={"kk": "Облыстық кітапхана", "en": "Regional library"},
        provider_homepage="http://library.test/",
        provider_logo="/static/logo.png",
        search_page_size=2,
    )


@pytest.fixture
def prez_store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "store")


@pytest.fixture
def prez_source(prez_store) -> PrezFakeSource:
    return prez_build_source(prez_store)


@pytest.fixture
def prez_app(prez_source, prez_store, prez_options) -> Flask:
    from viewer.blueprint import make_blueprint

    app = Flask("prez_test")
    app.register_blueprint(make_blueprint(prez_source, prez_store, prez_options), url_prefix="/iiif")
    return app


@pytest.fixture
def prez_client(prez_app):
    return prez_app.test_client()


@pytest.fixture(scope="session")
def prez_iiif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((IIIF_SCHEMA_DIR / "iiif_3_0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="session")
def prez_schema_errors(prez_iiif_validator):
    """Validation helper: the schema's complaints about a document, as readable strings ([] = valid)."""

    def errors(document: dict) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in prez_iiif_validator.iter_errors(document)]

    return errors


# --- Image API fixtures (prefix image_; owned by the Image API tests) ----------------------------
IMAGE_VALIDATOR_ID = "67352ccc-d1b0-11e1-89ae-279075081939"
IMAGE_FIXTURE_PNG = Path(__file__).resolve().parent.parent / "fixtures" / "iiif" / f"{IMAGE_VALIDATOR_ID}.png"
IMAGE_BASE = "http://iiif.test"


def image_make_pyramid(source_path: Path | str, target: Path) -> Path:
    """A pyramidal TIFF exactly as ingest makes it (vips tiffsave … --tile --pyramid …)."""
    import pyvips

    pyvips.Image.new_from_file(str(source_path)).tiffsave(
        str(target), tile=True, pyramid=True, compression="jpeg", Q=90, tile_width=256, tile_height=256
    )
    return target


def image_make_generated(target: Path, width: int = 3000, height: int = 2000) -> Path:
    """A colour test card: gradients whose colour tells the position, so crops can be checked."""
    import pyvips

    xyz = pyvips.Image.xyz(width, height)
    red = (xyz[0] * (255.0 / width)).cast("uchar")
    green = (xyz[1] * (255.0 / height)).cast("uchar")
    blue = ((xyz[0] // 100 + xyz[1] // 100) % 2 * 255).cast("uchar")
    image = red.bandjoin([green, blue]).copy(interpretation="srgb")
    image.tiffsave(str(target), tile=True, pyramid=True, compression="jpeg", Q=90,
                   tile_width=256, tile_height=256)
    return target


@dataclass(frozen=True)
class ImageFakeRef:
    identifier: str
    item_id: str
    width: int
    height: int
    access_key: str
    rights: str | None = None
    public: bool = True


@dataclass
class ImageFakeSource:
    refs: dict[str, ImageFakeRef] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)

    def image(self, identifier: str) -> ImageFakeRef | None:
        return self.refs.get(identifier)

    def item(self, item_id: str):  # the Image API never asks
        return None

    def collection(self, collection_id: str):
        return None

    def top_collection_ids(self) -> Sequence[str]:
        return []

    def can_view(self, item_id: str) -> bool:
        return item_id not in self.hidden


@pytest.fixture(scope="session")
def image_pyramids(tmp_path_factory) -> dict[str, Path]:
    """Pyramids made once per session: the validator's image and a generated 3000×2000 card."""
    folder = tmp_path_factory.mktemp("image_pyramids")
    return {
        "validator": image_make_pyramid(IMAGE_FIXTURE_PNG, folder / "validator.tif"),
        "card": image_make_generated(folder / "card.tif"),
    }


@pytest.fixture
def image_store(tmp_path, image_pyramids) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    store.put_file("items/val/pages/0001/access.tif", image_pyramids["validator"])
    store.put_file("items/card/pages/0001/access.tif", image_pyramids["card"])
    store.put_file("items/secret/pages/0001/access.tif", image_pyramids["validator"])
    return store


@pytest.fixture
def image_source() -> ImageFakeSource:
    return ImageFakeSource(
        refs={
            IMAGE_VALIDATOR_ID: ImageFakeRef(IMAGE_VALIDATOR_ID, "val", 1000, 1000,
                                             "items/val/pages/0001/access.tif",
                                             rights="http://creativecommons.org/publicdomain/zero/1.0/"),
            "card": ImageFakeRef("card", "card", 3000, 2000, "items/card/pages/0001/access.tif"),
            "secret": ImageFakeRef("secret", "secret", 1000, 1000, "items/secret/pages/0001/access.tif",
                                   public=False),
            "nofile": ImageFakeRef("nofile", "card", 10, 10, "items/none/access.tif"),
        },
        hidden={"secret"},
    )


@pytest.fixture
def image_options(tmp_path):
    from viewer.options import ViewerOptions

    return ViewerOptions(base_url=IMAGE_BASE, tile_cache_dir=str(tmp_path / "tiles"), tile_cache_max_mb=64,
                         jpeg_quality=90, max_area=20_000_000)


@pytest.fixture
def image_app(image_source, image_store, image_options) -> Flask:
    from viewer.image_api import make_image_app

    return make_image_app(image_source, image_store, image_options)


@pytest.fixture
def image_client(image_app):
    return image_app.test_client()
