import pytest

from metadata import langtag
from metadata.errors import ValidationError


@pytest.mark.parametrize("text,normal", [
    ("kk", "kk"),
    ("kk-Cyrl", "kk-Cyrl"),
    ("kk-cyrl", "kk-Cyrl"),
    ("KK-LATN", "kk-Latn"),
    ("kk-Arab-CN", "kk-Arab-CN"),
    ("ru", "ru"),
    ("ru-petr1708", "ru-petr1708"),
    ("en-GB", "en-GB"),
    ("kaz", "kaz"),
    ("zh-yue-HK", "zh-yue-HK"),
    ("zh-Hans-CN", "zh-Hans-CN"),
    ("es-419", "es-419"),
    ("de-CH-1901", "de-CH-1901"),
    ("en-a-bbb-x-a-ccc", "en-a-bbb-x-a-ccc"),
    ("x-local", "x-local"),
    ("kk-Cyrl-x-old", "kk-Cyrl-x-old"),
    ("i-klingon", "i-klingon"),
    ("EN-gb-OED", "en-GB-oed"),
    ("zh-min-nan", "zh-min-nan"),
    ("uz-Latn", "uz-Latn"),
    ("tt", "tt"), ("ky", "ky"), ("tr", "tr"), ("ar", "ar"), ("fa", "fa"), ("la", "la"), ("de", "de"),
])
def test_good_tags(text, normal):
    assert langtag.normalise_tag(text) == normal
    assert langtag.is_well_formed(text)


@pytest.mark.parametrize("text,words", [
    ("", ["empty"]),
    ("kz", ["kk", "country code"]),
    ("kk_Cyrl", ["hyphens", "kk-Cyrl"]),
    ("kazakh", ["not a registered language"]),
    ("kk-", ["empty subtag"]),
    ("kk--Cyrl", ["empty subtag"]),
    ("k", ["2- or 3-letter"]),
    ("1k", ["2- or 3-letter"]),
    ("kk-Cyrl-Cyrl", ["out of place"]),
    ("de-1901-1901", ["twice"]),
    ("en-a-bbb-a-ccc", ["twice"]),
    ("en-a", ["at least one subtag"]),
    ("en-x", ["private use"]),
    ("kk-Кирл", ["Latin letters or digits"]),
    ("toolongsubtag", ["1–8"]),
])
def test_bad_tags(text, words):
    with pytest.raises(ValidationError) as caught:
        langtag.normalise_tag(text)
    for word in words:
        assert word in str(caught.value)
    assert not langtag.is_well_formed(text)


def test_matching_and_helpers():
    assert langtag.matches("kk-Cyrl", "kk") and langtag.matches("kk-Latn", "KK")
    assert not langtag.matches("kkx", "kk")
    assert langtag.primary_language("kk-Cyrl") == "kk"
    assert langtag.to_bcp47("kaz") == "kk" and langtag.to_bcp47("rus") == "ru"
    assert langtag.KNOWN_SCRIPTS["Cyrl"] == "Cyrillic"
    assert {"Latn", "Arab"} <= set(langtag.KNOWN_SCRIPTS)
