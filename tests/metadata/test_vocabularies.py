import pytest

from metadata import dcmitype, rights
from metadata.errors import ValidationError


@pytest.mark.parametrize("code", rights.RIGHTSSTATEMENTS_CODES)
def test_every_rightsstatement(code):
    uri = f"http://rightsstatements.org/vocab/{code}/1.0/"
    assert rights.normalise_rights(uri) == uri
    assert rights.normalise_rights(f"https://rightsstatements.org/vocab/{code}/1.0") == uri


@pytest.mark.parametrize("given,normal", [
    ("http://creativecommons.org/licenses/by/4.0/", "http://creativecommons.org/licenses/by/4.0/"),
    ("https://creativecommons.org/licenses/by-nc-sa/3.0", "http://creativecommons.org/licenses/by-nc-sa/3.0/"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "http://creativecommons.org/publicdomain/zero/1.0/"),
    ("http://creativecommons.org/publicdomain/mark/1.0", "http://creativecommons.org/publicdomain/mark/1.0/"),
    ("https://www.creativecommons.org/licenses/by-nd/2.5/", "http://creativecommons.org/licenses/by-nd/2.5/"),
    ("http://rightsstatements.org/vocab/inc/1.0/", "http://rightsstatements.org/vocab/InC/1.0/"),
    ("https://creativecommons.org/licenses/by/4.0/?ref=chooser", "http://creativecommons.org/licenses/by/4.0/"),
])
def test_rights_normalised(given, normal):
    assert rights.normalise_rights(given) == normal


@pytest.mark.parametrize("bad", [
    "http://rightsstatements.org/vocab/InC/2.0/",
    "http://rightsstatements.org/vocab/Free/1.0/",
    "http://creativecommons.org/licenses/by/5.0/",
    "http://creativecommons.org/licenses/by-sa-nc/4.0/",
    "http://example.org/licence",
    "http://rightsstatements.org/page/InC/1.0/",
])
def test_bad_rights_name_what_is_allowed(bad):
    with pytest.raises(ValidationError) as caught:
        rights.normalise_rights(bad)
    assert "rightsstatements.org" in str(caught.value) and "creativecommons.org/licenses/by/4.0/" in str(caught.value)


def test_uri_detection_and_pick():
    assert rights.looks_like_uri("https://example.org")
    assert not rights.looks_like_uri("Copyright: Regional library")
    assert rights.pick_rights_uri(["© Library", "https://creativecommons.org/licenses/by/4.0"]) == \
        "http://creativecommons.org/licenses/by/4.0/"
    assert rights.pick_rights_uri(["© Library"]) is None


@pytest.mark.parametrize("term", dcmitype.TERMS)
def test_every_dcmi_type(term):
    assert dcmitype.normalise_type(term) == term
    assert dcmitype.normalise_type(term.lower()) == term
    assert dcmitype.normalise_type(f"http://purl.org/dc/dcmitype/{term}") == term
    assert dcmitype.type_uri(term) == f"http://purl.org/dc/dcmitype/{term}"


@pytest.mark.parametrize("bad", ["газета", "Photograph", "http://purl.org/dc/dcmitype/Photo", "Texts", ""])
def test_bad_types(bad):
    with pytest.raises(ValidationError) as caught:
        dcmitype.normalise_type(bad)
    assert "StillImage" in str(caught.value)
