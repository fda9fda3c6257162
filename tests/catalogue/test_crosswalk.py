"""Crosswalk goldens: records written for these tests, and the Dublin Core each must give."""
from __future__ import annotations

import pytest

from metadata.marc import edtf_date, language_code, normalise_isbn, to_dc, value_tag
from metadata.marc21 import to_dc as marc21_to_dc
from tests.catalogue import records


GOLDEN_KAZAKH_BOOK = {'title': [{'value': 'Тіл құралы : қазақ тілінің сарфы', 'lang': 'kk-Cyrl'}],
 'creator': [{'value': 'Байтұрсынұлы, Ахмет, 1872-1937'}],
 'subject': [{'value': 'Қазақ тілі -- Грамматика'}],
 'description': [{'value': 'Төте жазудан аударылған.', 'lang': 'kk-Cyrl'}],
 'publisher': [{'value': 'Қазақстан баспасы'}],
 'contributor': [{'value': 'Жұмабаев, Мағжан'}],
 'date': [{'value': '1928?'}],
 'type': [{'value': 'Text'}],
 'identifier': [{'value': 'urn:isbn:9785766783954'}, {'value': 'https://example.kz/kz-001'}],
 'language': [{'value': 'kk'}],
 'spatial': [{'value': 'Қазақстан -- Тарих'}],
 'extent': [{'value': '80 б. ; 22 см.'}]}

GOLDEN_RUSSIAN_BOOK = {'title': [{'value': 'Россия : полное географическое описание нашего отечества. Т. 18, Киргизский край',
            'lang': 'ru'}],
 'creator': [{'value': 'Семенов, Петр Петрович'}],
 'subject': [{'value': 'Семенов-Тян-Шанский, Петр Петрович, 1827-1914'}],
 'description': [{'value': 'Описание Степного края.', 'lang': 'ru'}],
 'publisher': [{'value': 'Изд. А. Ф. Девриена'}],
 'date': [{'value': '1903'}],
 'type': [{'value': 'Text'}],
 'identifier': [{'value': 'urn:isbn:9785930933420'}],
 'language': [{'value': 'ru'}],
 'extent': [{'value': '478 с. : ил., карты ; 25 см.'}],
 'isPartOf': [{'value': 'Россия ; т. 18'}, {'value': 'Россия (серия)'}],
 'alternative': [{'value': 'Киргизский край', 'lang': 'ru'}]}

GOLDEN_SERIAL = {'title': [{'value': 'Қазақ : газет', 'lang': 'kk-Cyrl'}],
 'contributor': [{'value': 'Алаш партиясы'}],
 'date': [{'value': '1913/1918'}],
 'type': [{'value': 'Text'}],
 'identifier': [{'value': 'urn:issn:0123-4567'}],
 'language': [{'value': 'kk'}]}

GOLDEN_MAP_RECORD = {'title': [{'value': 'Карта Казакской АССР', 'lang': 'ru'}],
 'subject': [{'value': 'Географические карты'}],
 'date': [{'value': '192X?'}],
 'type': [{'value': 'Image'}],
 'language': [{'value': 'ru'}],
 'coverage': [{'value': 'E0460000 E0870000 N0550000 N0400000'},
              {'value': 'Масштаб 1:1 000 000 (E 46°--E 87°/N 55°--N 40°).'}],
 'spatial': [{'value': 'Казахстан -- Карты'}],
 'extent': [{'value': '1 к. : цв. ; 60 x 90 см.'}]}

GOLDEN_LINKED_SCRIPTS = {'title': [{'value': 'Abai joly', 'lang': 'kk-Latn'}, {'value': 'Абай жолы', 'lang': 'kk-Cyrl'}],
 'creator': [{'value': 'Äuezov, Múhtar'}, {'value': 'Әуезов, Мұхтар'}],
 'publisher': [{'value': 'Jazuşy'}],
 'date': [{'value': '2021'}],
 'type': [{'value': 'Text'}],
 'language': [{'value': 'kk'}]}

GOLDEN_UNIMARC_RUSSIAN_BOOK = {'title': [{'value': 'История Казахстана', 'lang': 'ru'}],
 'creator': [{'value': 'Козыбаев, М. К.'}],
 'subject': [{'value': 'Казахстан -- История'}],
 'description': [{'value': 'Обзор истории края.', 'lang': 'ru'}],
 'publisher': [{'value': 'Дәуір'}],
 'contributor': [{'value': 'Абылхожин, Ж. Б.'}],
 'date': [{'value': '1999'}],
 'type': [{'value': 'Text'}],
 'identifier': [{'value': 'urn:isbn:9785020115873'}],
 'language': [{'value': 'ru'}],
 'spatial': [{'value': 'Восточный Казахстан'}],
 'extent': [{'value': '340 с. : ил. ; 22 см'}],
 'isPartOf': [{'value': 'Историческая библиотека ; вып. 3'}],
 'alternative': [{'value': 'с древнейших времен до наших дней', 'lang': 'ru'}]}

@pytest.mark.parametrize(("build", "fmt", "golden"), [
    (records.kazakh_book, "marc21", GOLDEN_KAZAKH_BOOK),
    (records.russian_book, "marc21", GOLDEN_RUSSIAN_BOOK),
    (records.serial, "marc21", GOLDEN_SERIAL),
    (records.map_record, "marc21", GOLDEN_MAP_RECORD),
    (records.linked_scripts, "marc21", GOLDEN_LINKED_SCRIPTS),
    (records.unimarc_russian_book, "unimarc", GOLDEN_UNIMARC_RUSSIAN_BOOK),
], ids=["kazakh-book", "russian-book", "serial", "map", "880-linked-scripts", "unimarc-russian-book"])
def test_golden_records(build, fmt, golden):
    assert to_dc(build(), fmt).to_json() == golden


def test_the_same_record_survives_iso2709_and_marcxml_round_trips():
    from pymarc import Record, parse_xml_to_array
    import io

    record = records.kazakh_book()
    assert marc21_to_dc(Record(record.as_marc())).to_json() == GOLDEN_KAZAKH_BOOK
    (from_xml,) = parse_xml_to_array(io.BytesIO(records.marcxml(records.kazakh_book())))
    assert marc21_to_dc(from_xml).to_json() == GOLDEN_KAZAKH_BOOK


def test_880_fields_give_title_values_tagged_with_their_script():
    titles = to_dc(records.linked_scripts(), "marc21").get("title")
    assert [(t.value, t.lang) for t in titles] == [("Abai joly", "kk-Latn"), ("Абай жолы", "kk-Cyrl")]


def test_a_map_is_an_image_with_coverage_and_a_serial_has_a_date_range():
    map_dc = to_dc(records.map_record(), "marc21")
    assert map_dc.values("type") == ["Image"] and map_dc.get("coverage")
    assert to_dc(records.serial(), "marc21").values("date") == ["1913/1918"]


def test_without_260_the_date_comes_from_008():
    record = records.serial()
    record.remove_fields("260")
    assert to_dc(record, "marc21").values("date") == ["1916/1930"]


@pytest.mark.parametrize(("text", "edtf"), [
    ("1916", "1916"), ("[1920?]", "1920?"), ("c1928", "1928"), ("©1997", "1997"), ("192-?", "192X?"),
    ("192-", "192X"), ("19--", "19XX"), ("1916-1930.", "1916/1930"), ("1916-", "1916/.."), ("ca. 1920", "1920~"),
    ("1928 ж.", "1928"), ("[б. г.]", None), ("", None),
])
def test_dates_become_edtf(text, edtf):
    assert edtf_date(text) == edtf


@pytest.mark.parametrize(("text", "isbn"), [
    ("5-7667-8395-7 (в пер.)", "9785766783954"), ("978-5-93093-342-0", "9785930933420"),
    ("0-8044-2957-X", "9780804429573"), ("5-7667-8395-1", None), ("no isbn", None),
])
def test_isbns_are_normalised_to_isbn13(text, isbn):
    assert normalise_isbn(text) == isbn


def test_language_codes_and_value_tags():
    assert language_code("kaz") == "kk" and language_code("rus") == "ru" and language_code("ita") == "it"
    assert language_code("   ") is None and language_code("und") is None and language_code("1x") is None
    assert value_tag("kk", "Тіл құралы") == "kk-Cyrl"
    assert value_tag("kk", "Til quraly") == "kk-Latn"
    assert value_tag("ru", "Россия") == "ru"
    assert value_tag("ru", "Rossiia") == "ru-Latn"
    assert value_tag(None, "Россия") is None


def test_several_text_languages_leave_values_untagged():
    record = records.kazakh_book()
    record["041"].add_subfield("a", "rus")
    dc = to_dc(record, "marc21")
    assert dc.get("title")[0].lang is None
    assert dc.values("language") == ["kk", "ru"]
