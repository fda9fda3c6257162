"""ALTO reading (v3 and v4), the pre-1918 letter restoration and doubtful years."""
from __future__ import annotations

import pytest

from ocr.alto import ALTO_V3, ALTO_V4, AltoError, PageText, Line, Word, mean_confidence, parse_alto
from ocr.doubtful import doubtful_years
from ocr.orthography import restore_pre1918, restore_pre1918_alto

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="{ns}"><Layout><Page WIDTH="800" HEIGHT="600"><PrintSpace><TextBlock>
<TextLine HPOS="10" VPOS="20" WIDTH="300" HEIGHT="30">
<String HPOS="10" VPOS="20" WIDTH="100" HEIGHT="30" WC="0.96" CONTENT="Въ"/><SP/>
<String HPOS="120" VPOS="20" WIDTH="190" HEIGHT="30" WC="0.70" CONTENT="городЪ"/></TextLine>
<TextLine HPOS="10" VPOS="60" WIDTH="300" HEIGHT="30">
<String HPOS="10" VPOS="60" WIDTH="120" HEIGHT="30" WC="0.80" CONTENT="1956"/></TextLine>
</TextBlock></PrintSpace></Page></Layout></alto>"""


@pytest.mark.parametrize("ns", [ALTO_V3, ALTO_V4])
def test_parse_both_versions(ns):
    page = parse_alto(DOC.format(ns=ns).encode())
    assert (page.width, page.height) == (800, 600)
    assert page.text() == "Въ городЪ\n1956"
    assert page.lines[0].words[1] == Word("городЪ", 120, 20, 190, 30, 0.70)
    assert (page.lines[0].x, page.lines[0].w) == (10, 300)
    assert mean_confidence(page) == pytest.approx(82.0)


def test_not_alto_is_refused():
    with pytest.raises(AltoError):
        parse_alto(b"<html/>")
    with pytest.raises(AltoError):
        parse_alto(b"<alto")


def test_restore_pre1918_only_impossible_spellings():
    assert restore_pre1918("въ городЪ мЪсто лЬсъ бЪлый") == "въ городѣ мѣсто лѣсъ бѣлый"
    assert restore_pre1918("мъсто д%ло Ѳедоръ Өедоръ") == "мѣсто дѣло Ѳедоръ Ѳедоръ"
    for kept in ("объявленіе", "съѣздъ", "ВЪ", "Бѣлый", "отъ", "100%"):
        assert restore_pre1918(kept) == kept


def test_restore_pre1918_alto_counts():
    alto, counts = restore_pre1918_alto(DOC.format(ns=ALTO_V4).encode())
    assert parse_alto(alto).text() == "Въ городѣ\n1956"
    assert counts == {"Ъ→ѣ": 1}


def test_doubtful_years_flagged_not_corrected():
    page = PageText(800, 600, [Line([Word("1956", 10, 60, 120, 30, 0.8), Word("1912", 200, 60, 120, 30, 0.99),
                                     Word("12.03.1928.", 400, 60, 200, 30, 0.5), Word("123", 1, 1, 1, 1, 0.1)],
                                    10, 60, 600, 30)])
    doubts = doubtful_years(page)
    assert [(d.token, d.word) for d in doubts] == [("1956", "1956"), ("1928", "12.03.1928.")]
    assert doubts[0].to_json()["box"] == [10, 60, 120, 30]


@pytest.mark.parametrize("attribute", ['HPOS="12px"', 'WC="high"', 'WIDTH="nan"'])
def test_bad_number_is_an_alto_error(attribute):
    doc = (f'<alto xmlns="{ALTO_V4}"><Layout><Page WIDTH="10" HEIGHT="10"><TextBlock><TextLine>'
           f'<String CONTENT="a" {attribute}/></TextLine></TextBlock></Page></Layout></alto>')
    with pytest.raises(AltoError, match="is not a number"):
        parse_alto(doc.encode())
