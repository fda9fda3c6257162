from __future__ import annotations

from pathlib import Path

import pytest

from ocr.registry import get_engine
from tests.ocr import pages


@pytest.fixture(scope="session")
def engine():
    return get_engine("tesseract")


@pytest.fixture(scope="session")
def page_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-pages")


@pytest.fixture(scope="session")
def kazakh_cyrillic_page(page_dir) -> Path:
    return pages.render(page_dir / "kk_cyrl.png", pages.KAZAKH_CYRILLIC, "DejaVuSerif.ttf")


@pytest.fixture(scope="session")
def kazakh_latin_page(page_dir) -> Path:
    return pages.render(page_dir / "kk_latn.png", pages.KAZAKH_LATIN, "NotoSans-Regular.ttf")


@pytest.fixture(scope="session")
def pre1918_page(page_dir) -> Path:
    return pages.render(page_dir / "ru_pre.png", pages.PRE1918, "FreeSerif.ttf")
