"""MARC records (pymarc `Record`s) into Dublin Core: what MARC21 and UNIMARC crosswalks share.

The crosswalks are tables (`metadata.marc21.RULES`, `metadata.unimarc.RULES`): each `Rule` says which
subfields of which tags make a value of which Dublin Core element, and how the value is cleaned.
`crosswalk(record, rules, context)` applies a table; a few things no table can express (dates from
coded fields, the DCMI type from the leader, languages) are done by small functions beside it.

Everything here is pure: records in, `DCRecord` out, no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pymarc import Field, Record

from metadata import langtag
from metadata.dc import DCRecord, LangValue
from metadata.edtf import parse_edtf
from metadata.errors import MetadataError, ValidationError

FORMATS = ("marc21", "unimarc")


class MarcError(MetadataError):
    """A MARC record that cannot be read or crosswalked; the message says why."""


# --- cleaning values --------------------------------------------------------------------------

# ISBD punctuation a cataloguer ends a subfield with, to separate it from the next one.
_TRAILING = re.compile(r"[\s/:;,=+]+$")
# A final full stop that belongs to an initial or a short abbreviation ("Иванов, И. И.", "Jr.").
_KEEP_PERIOD = re.compile(r"(?:\b\w{1,3}|\.\.)\.$")


_LEADING = re.compile(r"^[\s/:;,=+]+")
# Non-sorting markers around an article ("\x88L'\x89altra"): NSB/NSE of ISO 6630 and MARC21's C1 pair.
_NONSORT = str.maketrans("", "", "\x88\x89\x98\x9c")


def tidy(text: str) -> str:
    """Whitespace collapsed, non-sorting markers and the trailing ISBD punctuation (" /", " :", …) removed."""
    return _TRAILING.sub("", " ".join(text.translate(_NONSORT).split()))


def tidy_title(text: str) -> str:
    """`tidy`, square brackets of a supplied title removed, and a final full stop dropped."""
    text = tidy(text)
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        text = text[1:-1]
    if text.endswith(".") and not _KEEP_PERIOD.search(text):
        text = text[:-1]
    return tidy(text)


def tidy_heading(text: str) -> str:
    """`tidy` and a final full stop dropped unless it ends an initial ("Жұмабаев, Мағжан." -> without)."""
    text = tidy(text)
    if text.endswith(".") and not _KEEP_PERIOD.search(text):
        text = text[:-1]
    return tidy(text)


def normalise_isbn(text: str) -> str | None:
    """The ISBN-13 of an ISBN-10 or ISBN-13 written any way ("5-7667-8395-1 (в пер.)"); None if invalid."""
    match = re.search(r"(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx]", text)
    if match is None:
        return None
    digits = re.sub(r"[\s-]", "", match.group(0)).upper()
    if len(digits) == 10:
        if _isbn10_check(digits[:9]) != digits[9]:
            return None
        body = "978" + digits[:9]
        return body + _isbn13_check(body)
    if len(digits) == 13 and digits.isdigit() and _isbn13_check(digits[:12]) == digits[12]:
        return digits
    return None


def _isbn10_check(body: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _isbn13_check(body: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return str((10 - total % 10) % 10)


def isbn_urn(text: str) -> str | None:
    isbn = normalise_isbn(text)
    return f"urn:isbn:{isbn}" if isbn else None


def issn_urn(text: str) -> str | None:
    match = re.search(r"(\d{4})-?(\d{3}[\dXx])", text)
    return f"urn:issn:{match.group(1)}-{match.group(2).upper()}" if match else None


# --- dates ------------------------------------------------------------------------------------

_RANGE = re.compile(r"(\d{4})\s*[-–—]\s*(\d{4})")
_OPEN = re.compile(r"(\d{4})\s*[-–—]\s*$")
_DECADE = re.compile(r"(?<!\d)(\d{3})[-u?](?![\d-])")
_CENTURY = re.compile(r"(?<!\d)(\d{2})(?:--|uu)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_APPROX = re.compile(r"\b(?:ca|c\.a|circa|около|ок|шамамен)\b\.?", re.IGNORECASE)


def edtf_date(text: str) -> str | None:
    """A transcribed date (260 $c, 210 $d, 008/07-10) as EDTF, or None when there is no date in it.

    "1916" -> "1916"; "[1920?]" -> "1920?"; "c1928" -> "1928"; "192-?" -> "192X?"; "19--" -> "19XX";
    "1916-1930" -> "1916/1930"; "1916-" -> "1916/.."; "ca. 1920" -> "1920~".
    """
    raw = text.strip()
    uncertain = "?" in raw
    mark = "?" if uncertain else ("~" if _APPROX.search(raw) else "")
    cleaned = raw.replace("[", "").replace("]", "").rstrip(" .,;:")
    candidate: str | None = None
    if (m := _RANGE.search(cleaned)) is not None:
        candidate = f"{m.group(1)}/{m.group(2)}"
        mark = ""
    elif (m := _OPEN.search(cleaned)) is not None:
        candidate, mark = f"{m.group(1)}/..", ""
    elif (m := _YEAR.search(cleaned)) is not None:
        candidate = m.group(1)
    elif (m := _DECADE.search(cleaned)) is not None:
        candidate = f"{m.group(1)}X"
    elif (m := _CENTURY.search(cleaned)) is not None:
        candidate = f"{m.group(1)}XX"
    if candidate is None:
        return None
    candidate += mark
    try:
        parse_edtf(candidate)
    except ValidationError:
        return None
    return candidate


def coded_year(code: str) -> str | None:
    """A four-character coded date (008/07-10, 100 $a/9-12): "1916", "19uu" -> "19XX"; None if blank."""
    code = code.strip()
    if len(code) != 4 or code in ("uuuu", "9999", "0000", "||||", "####"):
        return None
    value = code.replace("u", "X").replace("#", "X").replace(" ", "X")
    if re.fullmatch(r"\d{2,4}X{0,2}", value) is None:
        return None
    return value


# --- languages and scripts --------------------------------------------------------------------

# The script a language is written in when its tag names none (BCP 47 Suppress-Script).
DEFAULT_SCRIPT = {
    "ru": "Cyrl", "uk": "Cyrl", "be": "Cyrl", "bg": "Cyrl", "en": "Latn", "de": "Latn", "fr": "Latn",
    "tr": "Latn", "la": "Latn", "ar": "Arab", "fa": "Arab", "zh": None,
}
# Languages written in more than one script here: their tags always carry one (kk-Cyrl, kk-Latn).
MULTI_SCRIPT = frozenset({"kk", "uz", "ky", "tt", "ug", "mn", "az", "tk", "sr"})
# MARC21 880 $6 script identification codes.
MARC_SCRIPT_CODES = {"(N": "Cyrl", "(B": "Latn", "(3": "Arab", "(S": "Grek", "(2": "Hebr", "$1": "Hani"}


# ISO 639-2 (bibliographic and terminology) codes catalogues use, beyond metadata.langtag's own table.
ISO639_2_TO_1 = {
    "ita": "it", "spa": "es", "por": "pt", "pol": "pl", "cze": "cs", "ces": "cs", "slo": "sk", "slk": "sk",
    "bul": "bg", "bel": "be", "srp": "sr", "hrv": "hr", "slv": "sl", "hun": "hu", "rum": "ro", "ron": "ro",
    "gre": "el", "ell": "el", "heb": "he", "jpn": "ja", "kor": "ko", "hin": "hi", "arm": "hy", "hye": "hy",
    "geo": "ka", "kat": "ka", "aze": "az", "tuk": "tk", "tgk": "tg", "bak": "ba", "chv": "cv", "est": "et",
    "lav": "lv", "lit": "lt", "fin": "fi", "swe": "sv", "nor": "no", "dan": "da", "dut": "nl", "nld": "nl",
    "eng": "en", "kaz": "kk", "rus": "ru",
}


def language_code(code: str) -> str | None:
    """An ISO 639-2 code from 008/041/101 as a BCP 47 tag ("kaz" -> "kk"); None for blanks and junk."""
    code = code.strip().lower()
    if len(code) != 3 or not code.isalpha() or code in ("und", "zxx", "mul", "xxx"):
        return None
    if code in ISO639_2_TO_1:
        return ISO639_2_TO_1[code]
    try:
        return langtag.to_bcp47(code)
    except ValidationError:
        return None


def script_of(text: str) -> str | None:
    """The script most letters of `text` are in (Cyrl, Latn, Arab), or None without letters."""
    counts = {"Cyrl": 0, "Latn": 0, "Arab": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if 0x0400 <= code <= 0x052F:
            counts["Cyrl"] += 1
        elif ch.isascii() or 0x00C0 <= code <= 0x024F:
            counts["Latn"] += 1
        elif 0x0600 <= code <= 0x06FF:
            counts["Arab"] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else None


def value_tag(language: str | None, text: str, script: str | None = None) -> str | None:
    """The BCP 47 tag of a value in `language`: with the script when the language needs one or the
    value is not in the language's usual script (a transliterated Russian title is ru-Latn)."""
    if language is None:
        return None
    script = script or script_of(text)
    if script is None:
        return language
    if language in MULTI_SCRIPT or DEFAULT_SCRIPT.get(language, script) != script:
        return f"{language}-{script}"
    return language


# --- the table machinery ----------------------------------------------------------------------

Clean = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Rule:
    """Subfields `codes` of fields `tags` make values of `element`.

    `join`: the subfields of one field make one value joined by this text, or (None) each subfield is a
    value of its own. `tagged`: the value takes the record's language tag. `when`: only fields it accepts.
    `separators`: text put before a subfield code instead of `join` (ISBD: {"b": " : "}).
    """

    tags: tuple[str, ...]
    codes: str
    element: str
    clean: Clean = tidy
    join: str | None = " "
    tagged: bool = False
    when: Callable[[Field], bool] | None = None
    separators: dict[str, str] = field(default_factory=dict)
    isbd: bool = True  # subfields end with the cataloguer's ISBD punctuation (MARC21), or carry none (UNIMARC)


@dataclass(frozen=True)
class Context:
    """What values of one record share: its language (when clear) and an override of the script."""

    language: str | None = None
    script: str | None = None


def by_tag(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    table: dict[str, list[Rule]] = {}
    for rule in rules:
        for tag in rule.tags:
            table.setdefault(tag, []).append(rule)
    return {tag: tuple(found) for tag, found in table.items()}


def field_values(f: Field, rule: Rule) -> list[str]:
    """The raw texts one field gives for one rule."""
    picked = [(sf.code, sf.value.strip()) for sf in f.subfields if sf.code in rule.codes and sf.value.strip()]
    if not picked:
        return []
    if rule.join is None:
        return [value for _, value in picked]
    text = picked[0][1]
    for code, value in picked[1:]:
        text = join_subfield(text, value, rule.separators.get(code, rule.join), rule.isbd)
    return [text]


_PUNCTUATION = tuple(":;/=,.+")


def join_subfield(text: str, value: str, separator: str, isbd: bool = True) -> str:
    """Join the next subfield: the cataloguer's own ISBD punctuation when there is some (MARC21 records
    carry it: "Тіл құралы :" + "сарфы"), the rule's separator when there is none (UNIMARC records)."""
    if value.startswith(_PUNCTUATION):  # UNIMARC "$aAsimov$b, Isaac"
        return text + value
    if isbd and text.endswith(_PUNCTUATION):
        return f"{text} {value}"
    return text + separator + value


def apply_rule(f: Field, rule: Rule, context: Context) -> list[tuple[str, LangValue]]:
    if rule.when is not None and not rule.when(f):
        return []
    found = []
    for text in field_values(f, rule):
        value = rule.clean(text)
        if value:
            lang = value_tag(context.language, value, context.script) if rule.tagged else None
            found.append((rule.element, LangValue(value, lang)))
    return found


def crosswalk(fields: Iterable[tuple[Field, str, Context]], table: dict[str, tuple[Rule, ...]]) -> list[tuple[str, LangValue]]:
    """Values from `(field, tag to apply, context)` triples, in record order."""
    values: list[tuple[str, LangValue]] = []
    for f, tag, context in fields:
        for rule in table.get(tag, ()):
            values.extend(apply_rule(f, rule, context))
    return values


def build_record(values: Iterable[tuple[str, LangValue]]) -> DCRecord:
    """A DCRecord from (element, value) pairs, dropping exact repeats and keeping first-seen order."""
    data: dict[str, list[LangValue]] = {}
    for element, value in values:
        kept = data.setdefault(element, [])
        if value not in kept:
            kept.append(value)
    return DCRecord(data)


def subjects(f: Field, codes: str, heading: str = "a") -> str | None:
    """A subject heading with its subdivisions joined by " -- " (LC practice): "Kazakhstan -- History"."""
    parts = [tidy(sf.value) for sf in f.subfields if sf.code in codes and sf.value.strip()]
    parts = [p for p in parts if p]
    return " -- ".join(parts) if parts else None


def control_number(record: Record) -> str | None:
    """The record's control number (001), stripped; None when absent or blank."""
    fields = record.get_fields("001")
    value = fields[0].data.strip() if fields and fields[0].data else ""
    return value or None


def detect_format(record: Record) -> str:
    """'marc21' or 'unimarc' from the fields a record has (245/008 vs 200/100)."""
    tags = {f.tag for f in record.fields}
    if "245" in tags or "008" in tags:
        return "marc21"
    if "200" in tags or "100" in tags and any(f.get("a", "")[:8].isdigit() for f in record.get_fields("100")):
        return "unimarc"
    return "marc21"


def is_deleted(record: Record) -> bool:
    """Leader/05 'd': the record is deleted (in MARC21 and UNIMARC alike)."""
    return str(record.leader)[5:6] == "d"


def to_dc(record: Record, fmt: str) -> DCRecord:
    """The record's Dublin Core by the crosswalk of `fmt` ('marc21' or 'unimarc')."""
    if fmt == "marc21":
        from metadata.marc21 import to_dc as marc21_to_dc
        return marc21_to_dc(record)
    if fmt == "unimarc":
        from metadata.unimarc import to_dc as unimarc_to_dc
        return unimarc_to_dc(record)
    raise MarcError(f"unknown MARC format {fmt!r}; one of {', '.join(FORMATS)}")


def isbns(record: DCRecord) -> list[str]:
    """ISBN-13s of a crosswalked record (from its urn:isbn identifiers), in order, without repeats."""
    found: list[str] = []
    for value in record.values("identifier"):
        if value.startswith("urn:isbn:") and value[9:] not in found:
            found.append(value[9:])
    return found


def single(values: Sequence[str | None]) -> str | None:
    """The one distinct non-empty value, or None when there are none or several (not clear)."""
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None
