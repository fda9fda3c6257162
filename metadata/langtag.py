"""BCP 47 language tags (RFC 5646): well-formedness, case, and the subtags we know.

The grammar is checked in full (language, extlang, script, region, variants,
extensions, private use, grandfathered tags). Against the registry we check only
what a Kazakh regional library can get wrong in practice: any 2–3 letter language
is accepted, but a few country codes that people write for languages (``kz``) are
refused with the right code; any 4-letter script is accepted, and the scripts that
matter here have names for messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from metadata.errors import Problem, ValidationError

EXAMPLES = "kk-Cyrl, kk-Latn, ru, en"

# Languages a Kazakh regional library catalogues; names are for messages and UIs.
KNOWN_LANGUAGES: dict[str, str] = {
    "kk": "Kazakh",
    "ru": "Russian",
    "en": "English",
    "de": "German",
    "tr": "Turkish",
    "uz": "Uzbek",
    "ky": "Kyrgyz",
    "tt": "Tatar",
    "ar": "Arabic",
    "fa": "Persian",
    "zh": "Chinese",
    "la": "Latin",
    "ug": "Uyghur",
    "mn": "Mongolian",
    "uk": "Ukrainian",
    "fr": "French",
}

# ISO 639-2/3 codes (also Tesseract's model names) whose BCP 47 form is the
# two-letter ISO 639-1 code: RFC 5646 prefers the shortest code.
ISO639_3_TO_1: dict[str, str] = {
    "kaz": "kk", "rus": "ru", "eng": "en", "deu": "de", "ger": "de", "tur": "tr",
    "uzb": "uz", "kir": "ky", "tat": "tt", "ara": "ar", "fas": "fa", "per": "fa",
    "zho": "zh", "chi": "zh", "lat": "la", "uig": "ug", "mon": "mn", "ukr": "uk",
    "fra": "fr", "fre": "fr",
}

# ISO 15924 scripts that matter here. Any well-formed 4-letter script is accepted;
# these give names in messages and the OCR model choice.
KNOWN_SCRIPTS: dict[str, str] = {
    "Cyrl": "Cyrillic",
    "Latn": "Latin",
    "Arab": "Arabic",
    "Hans": "Han (Simplified)",
    "Hant": "Han (Traditional)",
    "Mong": "Mongolian",
    "Grek": "Greek",
    "Hebr": "Hebrew",
    "Zyyy": "Common",
    "Zxxx": "unwritten",
}

# Country codes written where a language code belongs: well-formed, but wrong.
MISTAKEN_LANGUAGES: dict[str, str] = {
    "kz": "kk (kz is the country code of Kazakhstan)",
    "ua": "uk (ua is the country code of Ukraine)",
    "cn": "zh (cn is the country code of China)",
    "jp": "ja (jp is the country code of Japan)",
    "cz": "cs (cz is the country code of Czechia)",
    "gr": "el (gr is the country code of Greece)",
    "dk": "da (dk is the country code of Denmark)",
    "se": "sv (se is Northern Sami; Swedish is sv)",
}

# RFC 5646 section 2.2.8, in their registry case. They are whole tags.
GRANDFATHERED: dict[str, str] = {
    tag.lower(): tag
    for tag in (
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon",
        "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR",
        "sgn-BE-NL", "sgn-CH-DE", "art-lojban", "cel-gaulish", "no-bok", "no-nyn",
        "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang",
    )
}


@dataclass(frozen=True)
class LangTag:
    """A parsed tag; ``str()`` gives it in the registry's case (``kk-Cyrl-KZ``)."""

    language: str
    extlang: tuple[str, ...] = ()
    script: str | None = None
    region: str | None = None
    variants: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    private_use: tuple[str, ...] = ()
    grandfathered: str | None = None

    def __str__(self) -> str:
        if self.grandfathered:
            return self.grandfathered
        parts = [self.language, *self.extlang]
        if self.script:
            parts.append(self.script)
        if self.region:
            parts.append(self.region)
        parts.extend(self.variants)
        parts.extend(self.extensions)
        if self.private_use:
            parts.extend(("x", *self.private_use))
        return "-".join(part for part in parts if part)


def _fail(text: str, message: str) -> ValidationError:
    return ValidationError([Problem("lang", text, message)])


def _alpha(s: str, lo: int, hi: int) -> bool:
    return lo <= len(s) <= hi and s.isascii() and s.isalpha()


def _alnum(s: str, lo: int, hi: int) -> bool:
    return lo <= len(s) <= hi and s.isascii() and s.isalnum()


def _is_variant(s: str) -> bool:
    return _alnum(s, 5, 8) or (len(s) == 4 and s[0].isdigit() and _alnum(s, 4, 4))


# Cached: a pure function of a string, and a repository has only a handful of distinct tags, while an
# OAI harvest or a reindex parses the same few tags on every value of every record. LangTag is frozen,
# so the shared instances cannot be changed by a caller. Bounded, because tags can come from requests.
# A malformed tag raises, and lru_cache caches no exceptions, so each caller gets its own error.
@lru_cache(maxsize=1024)
def parse_tag(text: str) -> LangTag:
    """Parse a BCP 47 tag or raise ValidationError saying which subtag is wrong."""
    tag = text.strip()
    if not tag:
        raise _fail(text, f"an empty language tag; write one such as {EXAMPLES}")
    if tag.lower() in GRANDFATHERED:
        registry_form = GRANDFATHERED[tag.lower()]
        return LangTag(language=registry_form.split("-")[0], grandfathered=registry_form)
    if "_" in tag:
        raise _fail(text, f"language tags use hyphens, not underscores: {tag.replace('_', '-')!r}")
    subtags = tag.split("-")
    for sub in subtags:
        if not _alnum(sub, 1, 8):
            what = "an empty subtag (a doubled or trailing hyphen)" if not sub else f"subtag {sub!r}"
            raise _fail(text, f"{what} is not 1–8 Latin letters or digits; write a tag such as {EXAMPLES}")
    lowered = [sub.lower() for sub in subtags]
    if lowered[0] == "x":
        return _parse_private(text, lowered[1:], LangTag(language=""))
    return _parse_from_language(text, lowered)


def _parse_from_language(text: str, subs: list[str]) -> LangTag:
    language = subs[0]
    if language in MISTAKEN_LANGUAGES:
        raise _fail(text, f"{language!r} is not a language code; use {MISTAKEN_LANGUAGES[language]}")
    if not _alpha(language, 2, 3):
        if _alpha(language, 4, 8):
            raise _fail(
                text,
                f"{language!r} is not a registered language subtag; use the 2- or 3-letter "
                f"ISO 639 code (Kazakh kk, Russian ru, English en)",
            )
        raise _fail(text, f"a tag starts with a 2- or 3-letter language code, not {language!r}; e.g. {EXAMPLES}")
    i = 1
    extlang: list[str] = []
    while i < len(subs) and len(extlang) < 3 and _alpha(subs[i], 3, 3):
        extlang.append(subs[i])
        i += 1
    script = region = None
    if i < len(subs) and _alpha(subs[i], 4, 4):
        script = subs[i].title()
        i += 1
    if i < len(subs) and (_alpha(subs[i], 2, 2) or (len(subs[i]) == 3 and subs[i].isdigit())):
        region = subs[i].upper()
        i += 1
    variants: list[str] = []
    while i < len(subs) and _is_variant(subs[i]):
        if subs[i] in variants:
            raise _fail(text, f"variant {subs[i]!r} appears twice")
        variants.append(subs[i])
        i += 1
    base = LangTag(language, tuple(extlang), script, region, tuple(variants))
    return _parse_extensions(text, subs[i:], base)


def _parse_extensions(text: str, subs: list[str], base: LangTag) -> LangTag:
    extensions: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(subs) and len(subs[i]) == 1 and subs[i] != "x":
        singleton = subs[i]
        if singleton in seen:
            raise _fail(text, f"extension {singleton!r} appears twice")
        seen.add(singleton)
        j = i + 1
        while j < len(subs) and _alnum(subs[j], 2, 8):
            j += 1
        if j == i + 1:
            raise _fail(text, f"extension {singleton!r} needs at least one subtag of 2–8 characters")
        extensions.append("-".join(subs[i:j]))
        i = j
    tag = LangTag(base.language, base.extlang, base.script, base.region, base.variants, tuple(extensions))
    if i < len(subs) and subs[i] == "x":
        return _parse_private(text, subs[i + 1:], tag)
    if i < len(subs):
        raise _fail(text, f"subtag {subs[i]!r} is out of place; the order is language-Script-REGION-variant, e.g. {EXAMPLES}")
    return tag


def _parse_private(text: str, subs: list[str], base: LangTag) -> LangTag:
    if not subs:
        raise _fail(text, "private use 'x' needs at least one subtag after it")
    return LangTag(
        base.language, base.extlang, base.script, base.region, base.variants, base.extensions, tuple(subs)
    )


@lru_cache(maxsize=1024)  # as parse_tag: this also saves building the string again
def normalise_tag(text: str) -> str:
    """The tag in registry case (``kk-cyrl`` -> ``kk-Cyrl``), or ValidationError."""
    return str(parse_tag(text))


def is_well_formed(text: str) -> bool:
    try:
        parse_tag(text)
    except ValidationError:
        return False
    return True


def primary_language(tag: str) -> str:
    """The first subtag in lower case: ``kk-Cyrl`` -> ``kk``."""
    return tag.strip().split("-")[0].lower()


def matches(tag: str, language_range: str) -> bool:
    """RFC 4647 basic filtering: ``kk`` matches ``kk``, ``kk-Cyrl`` and ``kk-Latn``."""
    tag_l, range_l = tag.strip().lower(), language_range.strip().lower()
    return range_l == "*" or tag_l == range_l or tag_l.startswith(range_l + "-")


def to_bcp47(code: str) -> str:
    """An ISO 639 code (``kaz``, as OCR models name languages) as its BCP 47 tag (``kk``)."""
    lowered = code.strip().lower()
    return ISO639_3_TO_1.get(lowered) or normalise_tag(code)
