"""Text folding for search: one key whatever the script, alphabet version or spelling.

Used alike for documents and queries, by both search backends and by IIIF
Content Search (docs/folding.md describes the alphabets and the choices).

- ``fold`` gives the exact key: NFC, case folding, ё = е, Kazakh Cyrillic and the
  three Kazakh Latin alphabets (2017 apostrophes, 2018 acute accents, 2021
  diacritics) to one Latin key, Russian pre-1918 letters to their modern ones.
- ``loose`` also drops diacritics and merges near letters (ө/o, қ/k, ң/n …), so
  that ``Oskemen`` finds ``Өскемен``, and common English spellings (zh, kh, -ay).
- ``tokens`` splits text into words with their spans in the original text, for
  highlighting and matching ALTO words.

The key is Latin because every Kazakh alphabet maps into it letter by letter and
because OCR often mixes look-alike Latin and Cyrillic letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

# Cyrillic letter (lower case) -> key. Kazakh letters follow the 2021 Latin
# alphabet; Russian-only letters its loan-word rules (ц ts, ю iu, я ia, ь/ъ dropped).
CYRILLIC: Mapping[str, str] = MappingProxyType({
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "e", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "u", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
    # Kazakh і and Russian pre-1918 і are the same letter (U+0456); both become i,
    # which is also where и goes: see "the i conflation" in docs/folding.md.
    "і": "i",
    # Russian pre-1918 letters, as the 1918 reform replaced them.
    "ѣ": "e", "ѳ": "f", "ѵ": "i",
})

# Latin letters of the 2018 (acute) and 2021 (diacritic) Kazakh alphabets, and
# variants seen in drafts (2019 ŋ, ç), to the key of the Cyrillic letter they write.
LATIN: Mapping[str, str] = MappingProxyType({
    "á": "ä",             # ә 2018
    "ǵ": "ğ",             # ғ 2018
    "ń": "ñ", "ŋ": "ñ",   # ң 2018, 2019 draft
    "ó": "ö",             # ө 2018
    "ú": "ü",             # ү 2018
    "ý": "u",             # у 2018
    "ı": "i",             # и/й 2018, і 2021
    "ū": "u",             # ұ 2021
    "ş": "sh",            # ш 2021
    "ç": "ch",            # ч 2019 draft
})

# 2017 alphabet: a letter followed by an apostrophe is a different letter.
APOSTROPHE_2017: Mapping[str, str] = MappingProxyType({
    "a": "ä",   # ә
    "g": "ğ",   # ғ
    "n": "ñ",   # ң
    "o": "ö",   # ө
    "u": "ü",   # ү
    "i": "i",   # и, й
    "y": "u",   # у
    "s": "sh",  # ш
    "c": "ch",  # ч
})
APOSTROPHES = "'’ʼ‘`´"

# Loose key: diacritics go (ä a, ğ g, ñ n, ö o, ü u, é e …) by Unicode
# decomposition; these merge what decomposition does not.
LOOSE_LETTERS: Mapping[str, str] = MappingProxyType({"q": "k", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe"})
# Common English/Russian transliterations: Zhezkazgan = Жезқазған, Mikhail = Михаил,
# Semey = Семей (y after a vowel writes й).
LOOSE_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"zh"), "j"),
    (re.compile(r"kh"), "h"),
    # Not after u or i: Kazakh уы/іы (ауыл = auyl) are common, ay/ey/oy are not.
    (re.compile(r"(?<=[aeo])y"), "i"),
)

# OCR mixes these into Cyrillic words; in a word with Cyrillic letters they are read as Cyrillic.
HOMOGLYPHS: Mapping[str, str] = MappingProxyType({
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У",
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у",
})

_KEYS: Mapping[str, str] = MappingProxyType({**CYRILLIC, **LATIN})

_APOS = f"[{APOSTROPHES}]"
_LETTER = r"(?:[^\W_]|[\u0300-\u036f])"
# A word: letters/digits, joined by apostrophes (O'skemen) or by a hyphen at a line
# end (a printed word split over two lines), optionally ending with a 2017
# modifier apostrophe (bizdin' = біздің). A hyphen elsewhere separates words.
_JOIN = rf"(?:{_APOS}|[-\u00ad][ \t]*\r?\n[ \t]*|\u00ad)"
_WORD = re.compile(rf"{_LETTER}+(?:{_JOIN}{_LETTER}+)*(?:(?<=[agnouiyscAGNOUIYSC]){_APOS}(?!{_LETTER}))?")
_MODIFIED = re.compile(rf"([agnouiysc]){_APOS}")
_CONNECTORS = re.compile(rf"{_APOS}|[-\u00ad]\s*|\u00ad")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Token:
    """A word: its text as printed, its span in the original string, and its keys."""

    text: str
    start: int
    end: int
    key: str
    loose_key: str


def _unhomoglyph(word: str) -> str:
    if not _CYRILLIC_LETTER.search(word):
        return word
    return "".join(HOMOGLYPHS.get(ch, ch) for ch in word)


# Words repeat heavily in running text; the functions are pure, so cache them.
@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    text = unicodedata.normalize("NFC", _unhomoglyph(word))
    # Turkish-style dotted capital İ (2021 alphabet) would casefold to i + U+0307.
    text = text.replace("İ", "i").casefold().replace("i\u0307", "i")
    text = _MODIFIED.sub(lambda m: APOSTROPHE_2017[m.group(1)], text)
    text = _CONNECTORS.sub("", text)
    return "".join(_KEYS.get(ch, ch) for ch in text)


@lru_cache(maxsize=65536)
def _loose_key(key: str) -> str:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", key) if unicodedata.category(ch) != "Mn"
    )
    text = "".join(LOOSE_LETTERS.get(ch, ch) for ch in stripped)
    for pattern, replacement in LOOSE_SPELLINGS:
        text = pattern.sub(replacement, text)
    return unicodedata.normalize("NFC", text)


def _word_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        # 'Almaty' in straight quotes: the closing quote is not a 2017 modifier.
        if start > 0 and text[start - 1] in APOSTROPHES and text[end - 1] in APOSTROPHES:
            end -= 1
        spans.append((start, end))
    return spans


def _replace_words(text: str, convert: Callable[[str], str]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in _word_spans(text):
        parts.append(text[last:start])
        parts.append(convert(text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def fold(text: str) -> str:
    """The exact search key of ``text``: words folded, everything between them kept."""
    return _replace_words(text, _fold_word)


def loose(text: str) -> str:
    """The loose key: ``fold`` and then without diacritics and with near letters merged."""
    return _replace_words(text, lambda word: _loose_key(_fold_word(word)))


def tokens(text: str) -> list[Token]:
    """Words with their spans in ``text`` (for highlighting) and both keys; keyless words are skipped."""
    result = []
    for start, end in _word_spans(text):
        word = text[start:end]
        key = _fold_word(word)
        if key:
            result.append(Token(word, start, end, key, _loose_key(key)))
    return result
