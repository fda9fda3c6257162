"""Put back pre-1918 letters that no installed Tesseract model can output.

Debian's Cyrillic script model, the best reader of pre-1918 Russian on the samples,
has no ѣ, ѳ or ѵ in its character set (checked with combine_tessdata -u). It reads
ѣ, a tall ъ-like letter, as an upper-case Ъ/Ь/Б inside a lower-case word, as ъ before
a consonant, or as % between letters; ѳ comes out as the Kazakh ө. Each of these
readings is impossible in Russian spelling at that position, so on pages the selector
has classified as pre-1918 Russian (and only there) they are mapped back. Every
change is counted and returned, so it is visible in the page's evidence.
"""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from ocr.alto import parse_root

_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіѣѳѵ"
# After ъ inside a word only these may follow in pre-1918 spelling (объявленіе, съѣздъ).
_AFTER_HARD_SIGN = "еёюяѣ"

_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("Ъ→ѣ", re.compile(f"(?<=[{_LOWER}])Ъ"), "ѣ"),
    ("Ь→ѣ", re.compile(f"(?<=[{_LOWER}])Ь(?=[{_LOWER}])"), "ѣ"),
    ("Б→ѣ", re.compile(f"(?<=[{_LOWER}])Б(?=[{_LOWER}])"), "ѣ"),
    ("%→ѣ", re.compile(f"(?<=[{_LOWER}])%(?=[{_LOWER}])"), "ѣ"),
    ("ъ→ѣ", re.compile(f"(?<=[{_LOWER}])ъ(?=[{_LOWER.replace('ъ', '')}])(?![{_AFTER_HARD_SIGN}])"), "ѣ"),
    ("ө→ѳ", re.compile("ө"), "ѳ"),
    ("Ө→Ѳ", re.compile("Ө"), "Ѳ"),
)


def restore_pre1918(text: str, counts: Counter[str] | None = None) -> str:
    for name, pattern, replacement in _RULES:
        text, n = pattern.subn(replacement, text)
        if counts is not None and n:
            counts[name] += n
    return text


def restore_pre1918_alto(alto: bytes) -> tuple[bytes, Counter[str]]:
    """Apply the same mapping to every ALTO String's CONTENT; returns the new ALTO and counts."""
    root = parse_root(alto)
    counts: Counter[str] = Counter()
    for string in root.iterfind(".//{*}String"):
        content = string.get("CONTENT", "")
        fixed = restore_pre1918(content, counts)
        if fixed != content:
            string.set("CONTENT", fixed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), counts
