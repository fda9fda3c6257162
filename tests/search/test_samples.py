"""Extra checks on the real sample pages (../shared/samples): their ground-truth texts indexed as page
text. Skipped only when that folder is absent (a fresh clone without the shared samples)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from repository.search.base import ItemDoc, LangText, PageDoc, SearchRequest
from tests.search.conftest import make_backend

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} not present")


def sample_docs() -> list[ItemDoc]:
    docs = []
    for text_file in sorted(SAMPLES.glob("s*.txt")):
        meta = json.loads(text_file.with_suffix(".json").read_text(encoding="utf-8"))
        text = text_file.read_text(encoding="utf-8")
        docs.append(ItemDoc(id=text_file.stem, titles=(LangText(text.splitlines()[0], meta["language"]),),
                            languages=(meta["language"],), pages=(PageDoc(1, text),)))
    return docs


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def samples(request, tmp_path_factory):
    backend = make_backend(request.param, request, tmp_path_factory)
    backend.index_items(sample_docs())
    yield backend
    backend.close()


def found(backend, q: str) -> set[str]:
    return {h.id for h in backend.search(SearchRequest.from_text(q, per_page=50)).hits}


def test_kazakh_in_any_alphabet_finds_cyrillic_and_latin_pages(samples):
    # s07 is printed in the 2021 Latin alphabet, s01 and s10 in Cyrillic.
    for variant in ("мектеп", "mektep", "MEKTEP"):
        assert {"s07", "s10"} <= found(samples, variant), variant
    assert {"s01", "s07", "s10"} <= found(samples, "мектеп*") == found(samples, "mektep*")
    assert found(samples, "Семей") == found(samples, "Semey") == found(samples, "Semei") >= {"s01", "s10"}
    assert "s07" in found(samples, "ауыл") and "s01" in found(samples, "auyl")


def test_modern_russian_finds_the_pre_1918_pages(samples):
    assert "s05" in found(samples, "библиотека")  # printed библіотека
    assert "s06" in found(samples, "хлебов")  # printed хлѣбовъ
    assert "s06" in found(samples, '"Прибалхашский вестник"')  # printed ПРИБАЛХАШСКІЙ ВѢСТНИКЪ
    hit = samples.search(SearchRequest.from_text("хлебов")).hits[0]
    assert any("<mark>хлѣбовъ</mark>" in s.html for s in hit.snippets)


def test_phrase_on_a_sample_page_is_marked_whole(samples):
    result = samples.search(SearchRequest.from_text('"Ертіс өзенінің"'))
    assert [h.id for h in result.hits] == ["s01"]
    assert any("<mark>Ертіс өзенінің</mark>" in s.html for s in result.hits[0].snippets)
