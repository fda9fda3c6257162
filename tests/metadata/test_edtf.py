from datetime import date

import pytest

from metadata.edtf import parse_edtf
from metadata.errors import ValidationError

GOOD = [
    # text, lower_year, upper_year, uncertain, approximate
    ("1916", 1916, 1916, False, False),
    ("1920~", 1920, 1920, False, True),
    ("1920?", 1920, 1920, True, False),
    ("1920%", 1920, 1920, True, True),
    ("1928-03", 1928, 1928, False, False),
    ("1928-03-12", 1928, 1928, False, False),
    ("1910/1920", 1910, 1920, False, False),
    ("1910/..", 1910, None, False, False),
    ("../1920", None, 1920, False, False),
    ("1985-04/", 1985, None, False, False),
    ("19XX", 1900, 1999, False, False),
    ("192X", 1920, 1929, False, False),
    ("1928-XX", 1928, 1928, False, False),
    ("1928-03-XX", 1928, 1928, False, False),
    ("1928-XX-XX", 1928, 1928, False, False),
    ("-0100", -100, -100, False, False),
    ("0000", 0, 0, False, False),
    ("Y170000002", 170000002, 170000002, False, False),
    ("1928-21", 1928, 1928, False, False),
    ("1928-24", 1928, 1929, False, False),
    ("2000-02-29", 2000, 2000, False, False),
    ("1928-03-12T09:30:00Z", 1928, 1928, False, False),
    ("1910~/1920?", 1910, 1920, True, True),
]


@pytest.mark.parametrize("text,lower,upper,uncertain,approximate", GOOD)
def test_good_dates(text, lower, upper, uncertain, approximate):
    parsed = parse_edtf(text)
    assert (parsed.lower_year, parsed.upper_year) == (lower, upper)
    assert parsed.is_uncertain is uncertain
    assert parsed.is_approximate is approximate


def test_bounds_as_dates():
    assert parse_edtf("1928-03").lower == date(1928, 3, 1)
    assert parse_edtf("1928-03").upper == date(1928, 3, 31)
    assert parse_edtf("192X").upper == date(1929, 12, 31)
    assert parse_edtf("1928-24").upper == date(1929, 2, 28)
    assert parse_edtf("-0100").lower is None  # outside datetime.date
    assert parse_edtf("1910/1920").is_interval


BAD = [
    # text, words the message must contain
    ("1928-13-01", ["month 13", "01–12"]),
    ("1928-02-30", ["February 1928 has 29 days"]),
    ("1900-02-29", ["February 1900 has 28 days"]),
    ("12/03/1928", ["1928-03-12"]),
    ("12.03.1928", ["1928-03-12"]),
    ("abc", ["not an EDTF date", "1916"]),
    ("1920/1910", ["ends (1910) before it starts (1920)"]),
    ("1920s", ["192X"]),
    ("ca. 1920", ["1920~"]),
    ("около 1920", ["1920~"]),
    ("[1920]", ["1920?"]),
    ("1910-1920", ["1910/1920"]),
    ("19xx", ["19XX"]),
    ("1XXX", ["last one or two digits"]),
    ("1928-XX-12", ["known month"]),
    ("192X-05", ["no month or day"]),
    ("1928-21-03", ["takes no day"]),
    ("..", ["not an EDTF date"]),
    ("../..", ["at least one known end"]),
    ("1910/1920/1930", ["exactly one slash"]),
    ("-0000", ["-0000"]),
    ("", ["empty"]),
    ("1928-03-12T25:00:00", ["24-hour"]),
    ("1928 г.", ["write 1928"]),
]


@pytest.mark.parametrize("text,words", BAD)
def test_bad_dates_say_what_is_wrong(text, words):
    with pytest.raises(ValidationError) as caught:
        parse_edtf(text, "created")
    message = str(caught.value)
    assert caught.value.problems[0].field == "created"
    for word in words:
        assert word in message
