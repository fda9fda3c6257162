import pytest

from metadata.dc import DCMES, ELEMENTS, REFINES, DCRecord, LangValue, element_name
from metadata.errors import UnknownElementError, ValidationError
from metadata.validate import normalise, require_valid, validate

RECORD = DCRecord({
    "title": [LangValue("Өскемен шежіресі", "kk-Cyrl"), LangValue("Öskemen şejıresı", "kk-Latn"),
              LangValue("Летопись Усть-Каменогорска", "ru")],
    "creator": ["Әбдіхалықов, Қ."],
    "date": ["1928-03-12"],
    "spatial": [LangValue("Өскемен", "kk-Cyrl")],
    "type": ["Text"],
    "language": ["kk", "ru"],
    "rights": ["http://rightsstatements.org/vocab/InC/1.0/"],
})


def test_elements():
    assert len(DCMES) == 15 and ELEMENTS[:15] == DCMES
    assert set(ELEMENTS[15:]) == {"created", "issued", "spatial", "temporal", "extent", "medium",
                                  "isPartOf", "hasPart", "rightsHolder", "provenance", "alternative"}
    assert set(REFINES.values()) <= set(DCMES)


def test_json_round_trip():
    data = RECORD.to_json()
    assert data["title"][0] == {"value": "Өскемен шежіресі", "lang": "kk-Cyrl"}
    assert data["creator"] == [{"value": "Әбдіхалықов, Қ."}]
    assert "subject" not in data  # only non-empty elements
    assert DCRecord.from_json(data) == RECORD


def test_from_json_accepts_bare_strings():
    record = DCRecord.from_json({"title": "Шежіре", "subject": ["тарих", {"value": "history", "lang": "en"}]})
    assert record.get("title") == (LangValue("Шежіре"),)
    assert record.get("subject") == (LangValue("тарих"), LangValue("history", "en"))


def test_from_json_rejects_bad_shapes():
    with pytest.raises(ValidationError):
        DCRecord.from_json({"title": [{"text": "x"}]})
    with pytest.raises(ValidationError):
        DCRecord.from_json({"title": [42]})
    with pytest.raises(UnknownElementError):
        DCRecord.from_json({"titel": "x"})


def test_unknown_element_raises_everywhere():
    with pytest.raises(UnknownElementError):
        DCRecord({"author": ["x"]})
    with pytest.raises(UnknownElementError):
        RECORD.get("author")
    with pytest.raises(UnknownElementError):
        RECORD.replace("Title", ["x"])


def test_first_prefers_language():
    assert RECORD.first("title") == "Өскемен шежіресі"
    assert RECORD.first("title", "ru") == "Летопись Усть-Каменогорска"
    assert RECORD.first("title", "kk-Latn") == "Öskemen şejıresı"
    assert RECORD.first("title", "kk") == "Өскемен шежіресі"
    assert RECORD.first("title", "en") == "Өскемен шежіресі"  # no match: first value
    assert RECORD.first("subject") is None
    mixed = DCRecord({"title": [LangValue("Title", "en"), "Атауы"]})
    assert mixed.first("title", "ru") == "Атауы"  # untagged beats another language


def test_language_map():
    assert RECORD.language_map("title") == {
        "kk": ["Өскемен шежіресі", "Öskemen şejıresı"], "ru": ["Летопись Усть-Каменогорска"]}
    assert RECORD.language_map("creator") == {"none": ["Әбдіхалықов, Қ."]}


def test_immutable_replace_equality():
    changed = RECORD.replace("subject", ["тарих"])
    assert changed != RECORD and RECORD.get("subject") == ()
    assert changed.replace("subject", []) == RECORD
    with pytest.raises(AttributeError):
        RECORD.foo = 1  # type: ignore[attr-defined]
    assert DCRecord().is_empty() and not RECORD.is_empty()
    assert DCRecord({"title": ["  ", ""]}).is_empty()
    assert hash(DCRecord({"title": ["a"]})) == hash(DCRecord({"title": [" a "]}))


def test_lang_case_normalised_on_construction():
    assert DCRecord({"title": [LangValue("x", "kk-cyrl")]}).get("title")[0].lang == "kk-Cyrl"


def test_element_name_accepts_prefixes_and_case():
    assert element_name("dcterms:spatial") == "spatial"
    assert element_name("dc:Title") == "title"
    assert element_name("rightsholder") == "rightsHolder"
    with pytest.raises(UnknownElementError):
        element_name("dcterms:author")


def test_valid_record():
    assert validate(RECORD) == []
    assert require_valid(RECORD) is RECORD


@pytest.mark.parametrize("field,value,lang,words", [
    ("date", "12/03/1928", None, ["1928-03-12"]),
    ("created", "1928-13", None, ["month 13"]),
    ("issued", "1920/1910", None, ["before it starts"]),
    ("temporal", "1950/1940", None, ["before it starts"]),
    ("language", "kz", None, ["kk"]),
    ("language", "Kazakh", None, ["ISO 639"]),
    ("title", "Шежіре", "kk_Cyrl", ["language tag 'kk_Cyrl'", "hyphens"]),
    ("rights", "https://creativecommons.org/licenses/by/9.0/", None, ["creativecommons.org"]),
    ("type", "Photograph", None, ["StillImage"]),
    ("description", "bad\x01char", None, ["control characters"]),
])
def test_invalid_values(field, value, lang, words):
    record = RECORD.replace(field, [LangValue(value, lang)])
    problems = validate(record)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.field == field and problem.value == value
    for word in words:
        assert word in problem.message
    with pytest.raises(ValidationError) as caught:
        require_valid(record)
    assert field in str(caught.value) and repr(value) in str(caught.value)


@pytest.mark.parametrize("field,value", [
    ("temporal", "Soviet period"),
    ("temporal", "1916"),
    ("rights", "© Шығыс Қазақстан облыстық кітапханасы"),
    ("language", "kaz"),
    ("language", "kk-Cyrl"),
    ("type", "http://purl.org/dc/dcmitype/StillImage"),
    ("date", "19XX"),
])
def test_valid_values(field, value):
    assert validate(RECORD.replace(field, [value])) == []


def test_title_required():
    problems = validate(RECORD.replace("title", []))
    assert [(p.field, "at least one title" in p.message) for p in problems] == [("title", True)]


def test_normalise():
    record = DCRecord({"title": ["x"], "rights": ["https://creativecommons.org/licenses/by/4.0", "© Library"],
                       "type": ["stillimage"], "language": ["KK-cyrl"], "date": ["bad"]})
    result = normalise(record)
    assert result.values("rights") == ["http://creativecommons.org/licenses/by/4.0/", "© Library"]
    assert result.values("type") == ["StillImage"]
    assert result.values("language") == ["kk-Cyrl"]
    assert result.values("date") == ["bad"]  # left for validate()


def test_problem_and_error_messages():
    error = ValidationError(validate(DCRecord({"date": ["abc"]})))
    assert "2 metadata problems" in str(error) and "date 'abc'" in str(error)
