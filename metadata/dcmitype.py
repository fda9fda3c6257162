"""The DCMI Type vocabulary: a term (``StillImage``) or its URI."""

from __future__ import annotations

from metadata.errors import Problem, ValidationError

NAMESPACE = "http://purl.org/dc/dcmitype/"
TERMS: tuple[str, ...] = (
    "Collection", "Dataset", "Event", "Image", "InteractiveResource", "MovingImage",
    "PhysicalObject", "Service", "Software", "Sound", "StillImage", "Text",
)
_BY_LOWER: dict[str, str] = {term.lower(): term for term in TERMS}

HINT = "a book, newspaper or manuscript is Text; a photograph StillImage; a map Image"


def normalise_type(value: str, field: str = "type") -> str:
    """The DCMI term (``stillimage`` or its URI -> ``StillImage``), or ValidationError."""
    candidate = value.strip()
    for prefix in (NAMESPACE, NAMESPACE.replace("http://", "https://")):
        if candidate.lower().startswith(prefix):
            candidate = candidate[len(prefix):].strip("/")
            break
    term = _BY_LOWER.get(candidate.lower())
    if term is None:
        raise ValidationError([Problem(
            field, value,
            f"not a DCMI Type term; use one of {', '.join(TERMS)} (or {NAMESPACE}<Term>); {HINT}",
        )])
    return term


def type_uri(term: str) -> str:
    return NAMESPACE + normalise_type(term)
