"""The project's own page generator: exact ground truth, determinism, PDF/TIFF makers, demo set."""
from __future__ import annotations

import pyvips
from pypdf import PdfReader

from ingest.samplepages import (CATEGORIES, PageSpec, kk_cyrl_to_latn, make_big_pdf, make_demo_set, page_texts,
                                write_page)
from metadata.sheet import read_sheet

from tests.ingest.conftest import pdf, tiff


def test_page_and_exact_text_are_written(tmp_path):
    out = write_page(tmp_path / "p.png", "kk_cyrl")
    truth = out.with_suffix(".txt").read_text(encoding="utf-8")
    assert truth == page_texts("kk_cyrl")
    assert truth.startswith("Өскемен қаласының тарихынан\n")
    assert pyvips.Image.new_from_file(str(out)).width == PageSpec().size[0]


def test_generator_is_deterministic(tmp_path):
    a = write_page(tmp_path / "a.png", "ru_prereform", PageSpec(seed=7))
    b = write_page(tmp_path / "b.png", "ru_prereform", PageSpec(seed=7))
    assert a.read_bytes() == b.read_bytes()
    assert "ѣ" in a.with_suffix(".txt").read_text(encoding="utf-8")


def test_kazakh_latin_2021():
    assert kk_cyrl_to_latn("Ертіс өзені, Қазақстан, шежіре, Ильин") == "Ertıs özenı, Qazaqstan, şejıre, İlin"
    assert {"ı", "ş", "ğ"} <= set(CATEGORIES["kk_latn"].text)


def test_pdf_and_tiff_makers(tmp_path):
    assert len(PdfReader(pdf(tmp_path / "three.pdf", 3)).pages) == 3
    image = pyvips.Image.new_from_file(str(tiff(tmp_path / "two.tif", 2)))
    assert image.get("n-pages") == 2


def test_big_pdf_cycles_pages(tmp_path):
    out = make_big_pdf(tmp_path / "big.pdf", 30, distinct=3, spec=PageSpec(size=(300, 400), font_size=12))
    assert len(PdfReader(out).pages) == 30


def test_demo_set_and_its_sheet(tmp_path):
    sheet = make_demo_set(tmp_path)
    result = read_sheet(sheet)
    assert result.problems == []
    assert [r.path for r in result.rows] == ["oskemen", "semey-pristan.pdf", "vestnik-1916"]
    for row in result.rows:
        assert (tmp_path / row.path).exists()
        assert {v.lang for v in row.record.get("title")} == {"kk-Cyrl", "ru", "en"}
    assert (tmp_path / "ertis-latyn" / "item.yaml").is_file()


def test_pages_typeset_right_after_pyvips_is_loaded():
    # libvips brings the system FreeType; the generator's BASIC layout must still measure text right.
    import subprocess
    import sys
    code = ("import pyvips\nfrom ingest.samplepages import _font\n"
            "f = _font('serif', 40)\nprint(f.getlength('Өскемен қаласы'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__import__("pathlib").Path(__file__).resolve().parents[2])
    assert 200 < float(out.stdout) < 500
