"""Validation of a DCRecord against the project's rules, and normalisation.

Rules, each tied to the field it names:
- ``date``, ``created``, ``issued`` are EDTF (level 0–1); ``temporal`` is checked
  as EDTF only when it looks like a date (digits, X, ``/``, ``..``): a named
  period ("Soviet period") is free text.
- ``language`` values are BCP 47 tags or ISO 639 codes (``kk``, ``kaz``, ``kk-Cyrl``).
- Every value's ``lang`` is a well-formed BCP 47 tag.
- ``rights``: a value that looks like a web address must be a rightsstatements.org
  or Creative Commons URI. Plain-text statements ("© Regional library") are allowed:
  oai_dc carries them as ``dc:rights``, IIIF shows them as ``requiredStatement``;
  the holder's name belongs in ``rightsHolder``.
- ``type`` is a DCMI Type term or URI.
- At least one ``title``.
- No value holds control characters (XML cannot carry them).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from metadata import dcmitype, edtf, langtag, rights
from metadata.dc import DCRecord, LangValue
from metadata.errors import Problem, ValidationError

DATE_FIELDS: tuple[str, ...] = ("date", "created", "issued")

_DATE_LIKE = re.compile(r"^[\dX.\-/~?%:TZ+Y ]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _edtf(field: str, value: str) -> None:
    edtf.parse_edtf(value, field)


def _temporal(field: str, value: str) -> None:
    if _DATE_LIKE.match(value) and any(ch.isdigit() for ch in value):
        edtf.parse_edtf(value, field)


def _language(field: str, value: str) -> None:
    try:
        langtag.parse_tag(value)
    except ValidationError as err:
        reason = err.problems[0].message
        raise ValidationError([Problem(field, value, f"{reason}; the language element holds a BCP 47 tag or ISO 639 code")]) from err


def _rights(field: str, value: str) -> None:
    if rights.looks_like_uri(value):
        rights.normalise_rights(value, field)


def _type(field: str, value: str) -> None:
    dcmitype.normalise_type(value, field)


# Which check each field's values get. Fields not listed take any text.
CHECKS: dict[str, Callable[[str, str], None]] = {
    **{name: _edtf for name in DATE_FIELDS},
    "temporal": _temporal,
    "language": _language,
    "rights": _rights,
    "type": _type,
}


def value_problems(field: str, value: LangValue) -> list[Problem]:
    """Problems of one value of ``field`` (its text and its language tag)."""
    problems: list[Problem] = []
    if _CONTROL.search(value.value):
        problems.append(Problem(field, value.value, "contains control characters, which XML cannot carry; remove them"))
    check = CHECKS.get(field)
    if check is not None:
        try:
            check(field, value.value)
        except ValidationError as err:
            problems.extend(err.problems)
    if value.lang is not None:
        try:
            langtag.parse_tag(value.lang)
        except ValidationError as err:
            problems.extend(Problem(field, value.value, f"language tag {value.lang!r}: {p.message}") for p in err.problems)
    return problems


def record_problems(record: DCRecord) -> list[Problem]:
    """Problems of the record as a whole (not of one value)."""
    if not record.get("title"):
        return [Problem("title", "", "a record needs at least one title")]
    return []


def validate(record: DCRecord) -> list[Problem]:
    """Every problem of the record; an empty list means valid."""
    problems: list[Problem] = []
    for field, values in record.elements():
        for value in values:
            problems.extend(value_problems(field, value))
    return problems + record_problems(record)


def require_valid(record: DCRecord) -> DCRecord:
    """The record, or ValidationError listing every problem."""
    problems = validate(record)
    if problems:
        raise ValidationError(problems)
    return record


# Normalisers rewrite a valid value into its preferred form.
NORMALISERS: dict[str, Callable[[str], str]] = {
    "rights": lambda v: rights.normalise_rights(v) if rights.looks_like_uri(v) else v,
    "type": dcmitype.normalise_type,
    "language": langtag.normalise_tag,
}


def normalise(record: DCRecord) -> DCRecord:
    """Preferred forms (``https://…/by/4.0`` -> ``http://…/by/4.0/``, ``stillimage`` -> ``StillImage``,
    ``kk-cyrl`` -> ``kk-Cyrl``). Invalid values are left as they are, for validate() to report."""
    result = record
    for field, normaliser in NORMALISERS.items():
        values = record.get(field)
        if values:
            result = result.replace(field, [LangValue(_try(normaliser, v.value), v.lang) for v in values])
    return result


def _try(normaliser: Callable[[str], str], value: str) -> str:
    try:
        return normaliser(value)
    except ValidationError:
        return value  # reported by validate(); normalising never hides a problem
