"""The Tesseract backend on generated pages: ALTO v4, boxes, text, errors, timeout, check()."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import xmlschema
from PIL import Image

from ocr.alto import ALTO_V4, parse_alto
from ocr.base import OcrError, OcrFailed, OcrTimeout
from ocr.registry import ENGINES, UnknownEngine, get_engine
from ocr.tesseract import REQUIRED_MODELS, TesseractEngine
from tests.ocr import pages
from tests.ocr.cer import cer

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "alto"


@pytest.fixture(scope="module")
def alto_schema():
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "alto-4-4.xsd"))


@pytest.fixture(scope="module")
def kk_result(engine, kazakh_cyrillic_page):
    return engine.recognise(kazakh_cyrillic_page, "kaz+rus+eng", timeout_s=60)


def test_alto_is_v4_and_validates(kk_result, alto_schema):
    assert f'xmlns="{ALTO_V4}"'.encode() in kk_result.alto
    alto_schema.validate(kk_result.alto)


def test_alto_names_only_the_file_not_its_path(kk_result, kazakh_cyrillic_page):
    assert b"<fileName>kk_cyrl.png</fileName>" in kk_result.alto
    assert str(kazakh_cyrillic_page.parent).encode() not in kk_result.alto


def test_word_boxes_inside_page(kk_result, kazakh_cyrillic_page):
    page = parse_alto(kk_result.alto)
    with Image.open(kazakh_cyrillic_page) as im:
        assert (page.width, page.height) == im.size
    assert page.words()
    for w in page.words():
        assert 0 <= w.x and 0 <= w.y and w.w > 0 and w.h > 0
        assert w.x + w.w <= page.width and w.y + w.h <= page.height


def test_text_matches_ground_truth(kk_result):
    truth = "\n".join(pages.KAZAKH_CYRILLIC)
    assert cer(truth, kk_result.text) < 0.02
    assert cer(truth, parse_alto(kk_result.alto).text()) < 0.02


def test_result_fields(kk_result):
    assert kk_result.pdf.startswith(b"%PDF")
    assert kk_result.languages == "kaz+rus+eng"
    assert kk_result.word_count == len(parse_alto(kk_result.alto).words())
    assert 50 < kk_result.mean_confidence <= 100


def test_exif_orientation_is_applied(engine, kazakh_cyrillic_page, tmp_path):
    # Stored sideways with an EXIF tag saying "rotate 90° clockwise to view" (orientation 6).
    sideways = tmp_path / "sideways.jpg"
    with Image.open(kazakh_cyrillic_page) as im:
        exif = Image.Exif()
        exif[0x0112] = 6
        im.rotate(90, expand=True).save(sideways, exif=exif, quality=95, dpi=(300, 300))
    result = engine.recognise(sideways, "kaz", timeout_s=60)
    assert cer("\n".join(pages.KAZAKH_CYRILLIC), result.text) < 0.05


@pytest.mark.parametrize("content", [b"", b"root:x:0:0:secret-line\n/etc/hostname\n"])
def test_bad_input_fails_cleanly(engine, tmp_path, content):
    bad = tmp_path / "page.png"
    bad.write_bytes(content)
    with pytest.raises(OcrFailed) as err:
        engine.recognise(bad, "kaz+rus+eng", timeout_s=30)
    message = str(err.value)
    assert message.startswith("page.png: ")
    assert ("empty file" in message) if not content else ("not an image" in message)
    assert "secret" not in message and "Error" not in message and "tesseract" not in message.lower()


def test_symlink_directory_and_missing_are_refused(engine, tmp_path, kazakh_cyrillic_page):
    link = tmp_path / "link.png"
    link.symlink_to(kazakh_cyrillic_page)
    for path, cause in ((link, "not a regular file"), (tmp_path, "not a regular file"),
                        (tmp_path / "nope.png", "does not exist")):
        with pytest.raises(OcrFailed, match=cause):
            engine.recognise(path, "kaz", timeout_s=30)


def test_missing_language_names_debian_package(engine, kazakh_cyrillic_page):
    with pytest.raises(OcrFailed, match="tesseract-ocr-xyz"):
        engine.recognise(kazakh_cyrillic_page, "kaz+xyz", timeout_s=30)
    with pytest.raises(OcrFailed, match="invalid language"):
        engine.recognise(kazakh_cyrillic_page, "kaz;rm -rf", timeout_s=30)


def test_timeout(engine, page_dir):
    big = pages.render(page_dir / "big.png", pages.KAZAKH_CYRILLIC, "DejaVuSerif.ttf", width=2480, repeat=14)
    with pytest.raises(OcrTimeout, match="within 1 s"):
        engine.recognise(big, "kaz+rus+eng", timeout_s=1)


def test_check_reports_every_component(engine):
    components = {c.name: c for c in engine.check()}
    assert components["tesseract"].ok and components["tesseract"].version.startswith(("4.", "5."))
    for model, package in REQUIRED_MODELS.items():
        c = components[f"tesseract model {model}"]
        assert c.ok, c
    assert REQUIRED_MODELS["Latin"] == "tesseract-ocr-script-latn"
    assert REQUIRED_MODELS["Cyrillic"] == "tesseract-ocr-script-cyrl"


def test_check_without_binary_says_how_to_fix():
    (only,) = TesseractEngine(binary="no-such-tesseract-binary").check()
    assert not only.ok and only.fix == "apt-get install tesseract-ocr"


def test_registry():
    assert ENGINES["tesseract"] is TesseractEngine
    assert isinstance(get_engine("tesseract"), TesseractEngine)
    with pytest.raises(UnknownEngine) as err:
        get_engine("abbyy")
    assert isinstance(err.value, OcrError)


def test_blank_page_is_read_as_empty_not_failed(engine, tmp_path, alto_schema):
    # A book's blank leaf must not fail its whole item.
    blank = tmp_path / "blank.png"
    Image.new("L", (800, 1000), 255).save(blank)
    result = engine.recognise(blank, "eng", timeout_s=60)
    assert result.text.strip() == "" and result.word_count == 0
    assert result.pdf.startswith(b"%PDF")
    alto_schema.validate(result.alto)


def test_blank_page_goes_through_model_choice(engine, tmp_path):
    from ocr.select import choose_and_recognise

    blank = tmp_path / "blank.png"
    Image.new("L", (800, 1000), 255).save(blank)
    result, choice = choose_and_recognise(engine, blank, None, timeout_s=60)
    assert result.word_count == 0 and choice.model
