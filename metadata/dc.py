"""The Dublin Core record: 15 DCMES elements plus the dcterms refinements we use.

Every element is repeatable and every value may carry a BCP 47 language tag.
Records are immutable; ``replace`` returns a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from metadata import langtag
from metadata.errors import Problem, UnknownElementError, ValidationError

DCMES: tuple[str, ...] = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date",
    "type", "format", "identifier", "source", "language", "relation", "coverage", "rights",
)
# The dcterms refinements a local-history archive needs, each with the DCMES element
# a simple-DC consumer (oai_dc) should see it as. rightsHolder and provenance are
# not formal sub-properties, but rights and description are where their text belongs.
REFINES: Mapping[str, str] = MappingProxyType({
    "created": "date",
    "issued": "date",
    "spatial": "coverage",
    "temporal": "coverage",
    "extent": "format",
    "medium": "format",
    "isPartOf": "relation",
    "hasPart": "relation",
    "rightsHolder": "rights",
    "provenance": "description",
    "alternative": "title",
})
ELEMENTS: tuple[str, ...] = DCMES + tuple(REFINES)

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"

# Sheets and YAML write names in any case and with a dc:/dcterms: prefix.
_BY_LOWER: Mapping[str, str] = MappingProxyType({name.lower(): name for name in ELEMENTS})
_PREFIXES = ("dc:", "dcterms:", "dct:")


def element_name(name: str) -> str:
    """The element's canonical name (``dcterms:Spatial`` -> ``spatial``); raises for unknown names."""
    bare = name.strip()
    for prefix in _PREFIXES:
        if bare.lower().startswith(prefix):
            bare = bare[len(prefix):]
            break
    canonical = _BY_LOWER.get(bare.lower())
    if canonical is None:
        raise UnknownElementError(name)
    return canonical


def _known(name: str) -> str:
    # Record methods take exact names; a near miss is a programming error to report.
    if name not in _BY_LOWER.values():
        raise UnknownElementError(name)
    return name


@dataclass(frozen=True)
class LangValue:
    """One value and its BCP 47 tag (None: not language-specific or not known)."""

    value: str
    lang: str | None = None


def _tidy_lang(lang: str | None) -> str | None:
    if lang is None or not lang.strip():
        return None
    # Normalise the case of a good tag; keep a bad one as typed so validate() reports it.
    try:
        return langtag.normalise_tag(lang)
    except ValidationError:
        return lang.strip()


def _as_lang_value(item: LangValue | str) -> LangValue:
    if isinstance(item, LangValue):
        return LangValue(item.value.strip(), _tidy_lang(item.lang))
    if isinstance(item, str):
        return LangValue(item.strip())
    raise TypeError(f"a Dublin Core value is a str or LangValue, not {type(item).__name__}")


class DCRecord:
    """An immutable Dublin Core record. Empty values are dropped; element order is ELEMENTS order."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Iterable[LangValue | str]] | None = None) -> None:
        built: dict[str, tuple[LangValue, ...]] = {}
        for name, items in (values or {}).items():
            if isinstance(items, (str, LangValue)):
                items = [items]
            kept = tuple(v for v in map(_as_lang_value, items) if v.value)
            if kept:
                built[_known(name)] = built.get(name, ()) + kept
        ordered = {name: built[name] for name in ELEMENTS if name in built}
        object.__setattr__(self, "_values", MappingProxyType(ordered))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("DCRecord is immutable; use replace()")

    # -- reading -----------------------------------------------------------------
    def get(self, name: str) -> tuple[LangValue, ...]:
        return self._values.get(_known(name), ())

    def values(self, name: str) -> list[str]:
        """The plain strings of an element."""
        return [v.value for v in self.get(name)]

    def first(self, name: str, lang: str | None = None) -> str | None:
        """The first value, preferring one whose tag matches ``lang`` (``kk`` matches ``kk-Cyrl``).

        Without a match, an untagged value is preferred, then any value.
        """
        found = self.get(name)
        if not found:
            return None
        if lang:
            for v in found:
                if v.lang and langtag.matches(v.lang, lang):
                    return v.value
            for v in found:
                if v.lang is None:
                    return v.value
        return found[0].value

    def language_map(self, name: str) -> dict[str, list[str]]:
        """IIIF-style map: primary language subtag (lower case) or ``none`` -> values."""
        result: dict[str, list[str]] = {}
        for v in self.get(name):
            key = langtag.primary_language(v.lang) if v.lang else "none"
            result.setdefault(key, []).append(v.value)
        return result

    def elements(self) -> Iterator[tuple[str, tuple[LangValue, ...]]]:
        """Non-empty elements in ELEMENTS order."""
        return iter(self._values.items())

    def is_empty(self) -> bool:
        return not self._values

    # -- changing ----------------------------------------------------------------
    def replace(self, name: str, values: Iterable[LangValue | str]) -> DCRecord:
        """A new record with ``name`` holding exactly ``values`` (empty removes it)."""
        data: dict[str, Iterable[LangValue | str]] = dict(self._values)
        data[_known(name)] = list(values)
        return DCRecord(data)

    def merged(self, other: DCRecord) -> DCRecord:
        """A new record with ``other``'s values appended to this one's."""
        data: dict[str, list[LangValue]] = {name: list(vals) for name, vals in self._values.items()}
        for name, vals in other.elements():
            data.setdefault(name, []).extend(vals)
        return DCRecord(data)

    # -- JSON ---------------------------------------------------------------------
    def to_json(self) -> dict[str, list[dict[str, str]]]:
        """``{"title": [{"value": "…", "lang": "kk-Cyrl"}], …}``; ``lang`` only when tagged."""
        return {
            name: [{"value": v.value, **({"lang": v.lang} if v.lang else {})} for v in vals]
            for name, vals in self._values.items()
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DCRecord:
        """Read ``to_json`` output; a bare string stands for an untagged value (alone or in a list)."""
        if not isinstance(data, Mapping):
            raise ValidationError([Problem("record", repr(data)[:80], "a record is a JSON object of elements")])
        values: dict[str, list[LangValue]] = {}
        problems: list[Problem] = []
        for name, raw in data.items():
            element = _known(name)
            items = raw if isinstance(raw, list) else [raw]
            for item in items:
                parsed = _json_value(element, item)
                if isinstance(parsed, Problem):
                    problems.append(parsed)
                else:
                    values.setdefault(element, []).append(parsed)
        if problems:
            raise ValidationError(problems)
        return cls(values)

    # -- comparison -----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DCRecord):
            return NotImplemented
        return dict(self._values) == dict(other._values)

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"DCRecord({self.to_json()!r})"


def _json_value(element: str, item: Any) -> LangValue | Problem:
    if isinstance(item, str):
        return LangValue(item)
    if isinstance(item, Mapping) and isinstance(item.get("value"), str):
        extra = set(item) - {"value", "lang"}
        lang = item.get("lang")
        if extra:
            return Problem(element, repr(item)[:80], f"unexpected keys {sorted(extra)}; a value has 'value' and 'lang'")
        if lang is not None and not isinstance(lang, str):
            return Problem(element, repr(item)[:80], "'lang' is a BCP 47 tag string or absent")
        return LangValue(item["value"], lang)
    return Problem(element, repr(item)[:80], 'a value is a string or {"value": "…", "lang": "kk-Cyrl"}')
