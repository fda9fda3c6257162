"""EDTF (Extended Date/Time Format, ISO 8601-2) levels 0 and 1.

Covers years (``1916``, ``-0100``, ``Y170000002``), months, days, date-times,
seasons 21–24, qualifiers (``?`` uncertain, ``~`` approximate, ``%`` both),
unspecified digits (``192X``, ``19XX``, ``1928-XX``, ``1928-03-XX``) and intervals
(``1910/1920``, ``1910/..``, ``../1920``, ``1985-04/``). Years follow ISO 8601:
year 0 exists and the Gregorian calendar is proleptic.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from metadata.errors import Problem, ValidationError

FORMS = (
    "EDTF forms: 1916, 1928-03, 1928-03-12, 1920~ (about 1920), 1920? (uncertain), "
    "192X (some year of the 1920s), 1910/1920 (from 1910 to 1920)"
)

_DATE = re.compile(
    r"^(?P<year>Y-?[1-9]\d{4,}|-?[0-9X]{4})"
    r"(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?"
    r"(?:T(?P<time>\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}(?::\d{2})?)?))?"
    r"(?P<qualifier>[?~%])?$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:Z|[+-](\d{2})(?::(\d{2}))?)?$")

# Seasons (level 1): month numbers 21–24 and the months they span, as
# (first month, last month, last month is in the next year).
SEASONS: dict[int, tuple[int, int, bool]] = {
    21: (3, 5, False),   # spring
    22: (6, 8, False),   # summer
    23: (9, 11, False),  # autumn
    24: (12, 2, True),   # winter, into the next year
}

# What cataloguers write instead of EDTF, and the EDTF they mean. Each entry:
# pattern, function from the match to the suggested form.
_HINTS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"),
     lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d} (year-month-day)"),
    (re.compile(r"^(\d{1,2})[./](\d{4})$"), lambda m: f"{m[2]}-{int(m[1]):02d} (year-month)"),
    (re.compile(r"^(\d{4})\s*[-–—]\s*(\d{4})$"), lambda m: f"{m[1]}/{m[2]} (a slash for a range)"),
    (re.compile(r"^(\d{3})0[-']?(?:s|е|х|е\s*гг\.?|жж\.?|жылдар)$", re.I), lambda m: f"{m[1]}X (the 1920s are 192X)"),
    (re.compile(r"^(?:c\.|ca\.?|circa|около|ок\.|шамамен|шам\.)\s*(\d{4})\s*(?:г\.|ж\.)?$", re.I),
     lambda m: f"{m[1]}~ (~ means about)"),
    (re.compile(r"^\[(\d{4})\]$"), lambda m: f"{m[1]}? (? means uncertain)"),
    (re.compile(r"^(\d{4})\s*(?:г\.?|год|ж\.?|жыл|жылы|гг\.?)$", re.I), lambda m: f"{m[1]} (the year alone)"),
    (re.compile(r"^(\d{2})XX$", re.I), lambda m: f"{m[1]}XX (X in upper case)"),
    (re.compile(r"^\d{2}[0-9X]x$|^\d{3}x$"), lambda m: f"{m[0].upper()} (X in upper case)"),
)

_Bound = tuple[int, int, int]


@dataclass(frozen=True)
class EdtfDate:
    """A parsed EDTF value with the span it covers.

    ``lower_year``/``upper_year`` are None for an open (``..``) or unknown end.
    ``lower``/``upper`` are the same bounds as dates, None also when the year is
    outside what ``datetime.date`` holds (1–9999).
    """

    text: str
    lower_year: int | None
    upper_year: int | None
    lower: date | None
    upper: date | None
    is_uncertain: bool = False
    is_approximate: bool = False
    is_interval: bool = False


@dataclass(frozen=True)
class _Single:
    lower: _Bound
    upper: _Bound
    uncertain: bool
    approximate: bool


def _invalid(text: str, field: str, message: str) -> ValidationError:
    return ValidationError([Problem(field, text, message)])


def _hint(text: str) -> str | None:
    for pattern, suggest in _HINTS:
        match = pattern.match(text)
        if match:
            return suggest(match)
    return None


def _as_date(bound: _Bound) -> date | None:
    year, month, day = bound
    return date(year, month, day) if 1 <= year <= 9999 else None


def _last_day(year: int, month: int) -> int:
    # calendar.monthrange needs year >= 1; leap years repeat every 400 years.
    return calendar.monthrange(year % 400 or 400, month)[1]


def _year_range(raw: str, text: str, field: str) -> tuple[int, int, bool]:
    """Lower and upper year, and whether any digit is unspecified."""
    if raw.startswith("Y"):
        year = int(raw[1:])
        return year, year, False
    negative = raw.startswith("-")
    digits = raw.lstrip("-")
    if re.fullmatch(r"\d{4}", digits):
        if negative and digits == "0000":
            raise _invalid(text, field, f"year -0000 does not exist; write 0000. {FORMS}")
        year = -int(digits) if negative else int(digits)
        return year, year, False
    if not re.fullmatch(r"\d{2,3}X{1,2}", digits):
        raise _invalid(
            text, field,
            f"unspecified digits X may replace only the last one or two digits of a year "
            f"(192X, 19XX), not {raw!r}. {FORMS}",
        )
    low, high = int(digits.replace("X", "0")), int(digits.replace("X", "9"))
    return (-high, -low, True) if negative else (low, high, True)


def _check_time(text: str, field: str, time: str) -> None:
    hours, minutes, seconds, off_h, off_m = _TIME.match(time).groups()  # type: ignore[union-attr]
    if int(hours) > 23 or int(minutes) > 59 or int(seconds) > 59:
        raise _invalid(text, field, f"time {time!r} is not hh:mm:ss on a 24-hour clock, e.g. 1928-03-12T09:30:00")
    if off_h and (int(off_h) > 14 or int(off_m or 0) > 59):
        raise _invalid(text, field, f"time zone offset in {time!r} is out of range, e.g. +06:00")


def _parse_single(part: str, text: str, field: str) -> _Single:
    match = _DATE.match(part)
    if match is None:
        hint = _hint(part)
        if hint:
            raise _invalid(text, field, f"not an EDTF date; write {hint}. {FORMS}")
        raise _invalid(text, field, f"not an EDTF date. {FORMS}")
    year_raw, month_raw, day_raw, time, qualifier = match.group("year", "month", "day", "time", "qualifier")
    y_low, y_high, year_unspecified = _year_range(year_raw, text, field)
    if year_raw.startswith("Y") and month_raw:
        raise _invalid(text, field, "a Y-prefixed year (for years beyond 9999) takes no month or day")
    if year_unspecified and month_raw:
        raise _invalid(text, field, f"when the year has X digits, give no month or day (write {year_raw}). {FORMS}")
    if time and (qualifier or "X" in (month_raw or "") + (day_raw or "") or not day_raw):
        raise _invalid(text, field, "a time needs a complete date without X or qualifiers, e.g. 1928-03-12T09:30:00")
    if time:
        _check_time(text, field, time)
    lower, upper = _month_day_bounds(y_low, y_high, month_raw, day_raw, text, field)
    return _Single(lower, upper, qualifier in ("?", "%"), qualifier in ("~", "%"))


def _month_day_bounds(
    y_low: int, y_high: int, month_raw: str | None, day_raw: str | None, text: str, field: str
) -> tuple[_Bound, _Bound]:
    if month_raw is None or month_raw == "XX":
        if day_raw not in (None, "XX"):
            raise _invalid(text, field, f"a day needs a known month: write 1928-03-{day_raw} or 1928-XX-XX")
        return (y_low, 1, 1), (y_high, 12, 31)
    if "X" in month_raw:
        raise _invalid(text, field, f"month {month_raw!r}: X may replace the whole month only (1928-XX). {FORMS}")
    month = int(month_raw)
    if month in SEASONS:
        if day_raw is not None:
            raise _invalid(text, field, f"season {month} (21 spring … 24 winter) takes no day, e.g. 1928-21")
        first, last, next_year = SEASONS[month]
        end_year = y_high + 1 if next_year else y_high
        return (y_low, first, 1), (end_year, last, _last_day(end_year, last))
    if not 1 <= month <= 12:
        raise _invalid(
            text, field,
            f"month {month_raw} is not 01–12 (or a season 21–24); dates are year-month-day, e.g. 1928-03-12",
        )
    last = _last_day(y_low, month)
    if day_raw is None or day_raw == "XX":
        return (y_low, month, 1), (y_high, month, last)
    if "X" in day_raw:
        raise _invalid(text, field, f"day {day_raw!r}: X may replace the whole day only (1928-03-XX)")
    day = int(day_raw)
    if not 1 <= day <= last:
        month_name = calendar.month_name[month]
        raise _invalid(text, field, f"{month_name} {y_low} has {last} days, not {day}; dates are year-month-day, e.g. 1928-03-12")
    return (y_low, month, day), (y_high, month, day)


def _interval(text: str, field: str, start_raw: str, end_raw: str) -> EdtfDate:
    if start_raw in ("", "..") and end_raw in ("", ".."):
        raise _invalid(text, field, f"an interval needs at least one known end, e.g. 1910/.. or ../1920. {FORMS}")
    start = None if start_raw in ("", "..") else _parse_single(start_raw, text, field)
    end = None if end_raw in ("", "..") else _parse_single(end_raw, text, field)
    if start and end and start.lower > end.upper:
        raise _invalid(
            text, field,
            f"the interval ends ({end_raw}) before it starts ({start_raw}); write the earlier date first, e.g. 1910/1920",
        )
    ends = [s for s in (start, end) if s]
    return EdtfDate(
        text=text,
        lower_year=start.lower[0] if start else None,
        upper_year=end.upper[0] if end else None,
        lower=_as_date(start.lower) if start else None,
        upper=_as_date(end.upper) if end else None,
        is_uncertain=any(s.uncertain for s in ends),
        is_approximate=any(s.approximate for s in ends),
        is_interval=True,
    )


def parse_edtf(text: str, field: str = "date") -> EdtfDate:
    """Parse an EDTF level 0–1 value or raise ValidationError saying what is wrong."""
    value = text.strip()
    if not value:
        raise _invalid(text, field, f"an empty date. {FORMS}")
    parts = value.split("/")
    if len(parts) == 2:
        return _interval(value, field, parts[0], parts[1])
    if len(parts) > 2:
        hint = _hint(value)
        advice = f"write {hint}" if hint else "an interval has exactly one slash, e.g. 1910/1920"
        raise _invalid(value, field, f"not an EDTF date; {advice}. {FORMS}")
    single = _parse_single(value, value, field)
    return EdtfDate(
        text=value,
        lower_year=single.lower[0],
        upper_year=single.upper[0],
        lower=_as_date(single.lower),
        upper=_as_date(single.upper),
        is_uncertain=single.uncertain,
        is_approximate=single.approximate,
    )
