"""Rights statements: rightsstatements.org and Creative Commons URIs.

Stored in the ``http://`` form with a trailing slash, because that is the form the
two vocabularies publish as identifiers and the one IIIF Presentation 3 accepts
for ``rights``; ``https://`` and a missing slash are normalised to it.
"""

from __future__ import annotations

import re

from metadata.errors import Problem, ValidationError

RIGHTSSTATEMENTS_CODES: tuple[str, ...] = (
    "InC", "InC-OW-EU", "InC-EDU", "InC-NC", "InC-RUU",
    "NoC-CR", "NoC-NC", "NoC-OKLR", "NoC-US",
    "CNE", "UND", "NKC",
)
CC_LICENCES: tuple[str, ...] = ("by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd")
CC_VERSIONS: tuple[str, ...] = ("1.0", "2.0", "2.5", "3.0", "4.0")

ALLOWED: frozenset[str] = frozenset(
    [f"http://rightsstatements.org/vocab/{code}/1.0/" for code in RIGHTSSTATEMENTS_CODES]
    + [f"http://creativecommons.org/licenses/{lic}/{ver}/" for lic in CC_LICENCES for ver in CC_VERSIONS]
    + [
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "http://creativecommons.org/publicdomain/mark/1.0/",
    ]
)
# Codes are case-sensitive in the vocabulary; people type them in any case.
_BY_LOWER: dict[str, str] = {uri.lower(): uri for uri in ALLOWED}

EXAMPLES = (
    "http://rightsstatements.org/vocab/InC/1.0/, http://rightsstatements.org/vocab/NoC-US/1.0/, "
    "http://creativecommons.org/licenses/by/4.0/, http://creativecommons.org/publicdomain/zero/1.0/"
)

# Only web addresses count: "Copyright: …" has a colon but is a plain statement.
_URI_LIKE = re.compile(r"^\s*(https?://|www\.)|rightsstatements\.org|creativecommons\.org", re.I)


def looks_like_uri(value: str) -> bool:
    """True for values meant as a URI (and so held to the vocabularies)."""
    return bool(_URI_LIKE.search(value))


def normalise_rights(value: str, field: str = "rights") -> str:
    """The vocabulary URI in its ``http://…/`` form, or ValidationError naming what is allowed."""
    candidate = value.strip()
    candidate = re.sub(r"^https://", "http://", candidate, flags=re.I)
    candidate = re.sub(r"^(?:http://)?www\.", "http://", candidate, flags=re.I)
    if "?" in candidate or "#" in candidate:
        candidate = re.split(r"[?#]", candidate, maxsplit=1)[0]
    if not candidate.endswith("/"):
        candidate += "/"
    found = _BY_LOWER.get(candidate.lower())
    if found is None:
        raise ValidationError([Problem(
            field, value,
            "not a rightsstatements.org statement or Creative Commons licence URI; "
            f"use one such as {EXAMPLES}",
        )])
    return found


def pick_rights_uri(values: list[str]) -> str | None:
    """The first value that is a vocabulary URI (IIIF ``rights`` holds exactly one)."""
    for value in values:
        if looks_like_uri(value):
            try:
                return normalise_rights(value)
            except ValidationError:
                continue  # an invalid one is reported by validate(); here we only pick
    return None
