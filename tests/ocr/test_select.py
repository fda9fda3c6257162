"""Model choice per page (issue 9) on generated pages."""
from __future__ import annotations

import pytest

from ocr.alto import parse_alto
from ocr.select import PROFILES, choose_and_recognise, classify, letter_statistics
from tests.ocr import pages
from tests.ocr.cer import cer

KAZAKH_LATIN_LETTERS = "äğñşūöüı"


@pytest.fixture(scope="module")
def latin(engine, kazakh_latin_page):
    return choose_and_recognise(engine, kazakh_latin_page, timeout_s=60)


@pytest.fixture(scope="module")
def pre1918(engine, pre1918_page):
    return choose_and_recognise(engine, pre1918_page, timeout_s=60)


def test_kazakh_latin_page_gets_latin_model(latin):
    result, choice = latin
    assert choice.model == "Latin" and choice.evidence["profile"] == "kk_latn"
    assert choice.evidence["latin_share"] > 0.5 and "probe_confidence" in choice.evidence


def test_kazakh_latin_keeps_diacritics_in_text_and_alto(latin):
    result, _ = latin
    alto_text = parse_alto(result.alto).text()
    for letter in KAZAKH_LATIN_LETTERS:
        assert letter in result.text, letter
        assert letter in alto_text, letter
    assert cer("\n".join(pages.KAZAKH_LATIN), result.text) < 0.05


def test_pre1918_page_gets_cyrillic_model_and_keeps_yat(pre1918):
    result, choice = pre1918
    assert choice.model == "Cyrillic" and choice.evidence["profile"] == "ru_prereform"
    assert choice.evidence["final_hard_sign_words"] >= 3
    assert "ѣ" in result.text and "ѣ" in parse_alto(result.alto).text()
    assert sum(choice.evidence["restored_pre1918"].values()) > 0


def test_forced_model_is_honoured_without_probe(engine, kazakh_latin_page):
    result, choice = choose_and_recognise(engine, kazakh_latin_page, forced="kaz+rus", timeout_s=60)
    assert result.languages == "kaz+rus" and choice.model == "kaz+rus"
    assert choice.reason.startswith("forced") and "probe_seconds" not in choice.evidence


def test_forced_profile_name_maps_to_its_models():
    assert PROFILES["ru_prereform"].languages == "Cyrillic" and PROFILES["ru_prereform"].restore_pre1918
    assert PROFILES["mixed"].languages == "kaz+rus+eng"


@pytest.mark.parametrize("text, profile", [
    ("Ауылдағы алғашқы мектеп өткен ғасырдың басында ашылған. Қарияның әңгімесі.", "kk_cyrl"),
    ("Ниже приводится краткое описание дел, отобранных для оцифровки в рамках проекта.", "ru_modern"),
    ("Въ нашемъ городѣ открылась новая библіотека. Всѣ были довольны этимъ событіемъ.", "ru_prereform"),
    ("Auyldağy alğaşqy mektep ötken ğasyrdyñ basynda aşylğan.", "kk_latn"),
    ("Ниже приводится краткое описание дел, отобранных для оцифровки в рамках проекта "
     "«Local History Archive of Kazakhstan»; даты указаны по документам.", "mixed"),
    ("12 3", "mixed"),
])
def test_classify(text, profile):
    assert classify(letter_statistics(text))[0] == profile
