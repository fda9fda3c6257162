"""Flag (never correct) years that the engine was unsure of.

Tesseract reads 3 as 5 in some serif and typewriter faces (1936 → 1956); a wrong
date is worse than a flagged one, so low-confidence words holding a year are listed
with their boxes for staff review.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ocr.alto import PageText

YEAR = re.compile(r"(?<!\d)(1[0-9]\d\d|20\d\d)(?!\d)")
# ALTO WC (0-1). High on purpose: on the samples the real 1934 → "1954" misreading
# carried a word confidence of 0.94; a flagged good year costs a glance, a missed bad one a wrong date.
DEFAULT_THRESHOLD = 0.95


@dataclass(frozen=True)
class Doubt:
    token: str
    word: str
    x: int
    y: int
    w: int
    h: int
    confidence: float

    def to_json(self) -> dict[str, object]:
        return {"token": self.token, "word": self.word, "box": [self.x, self.y, self.w, self.h],
                "confidence": round(self.confidence, 3)}


def doubtful_years(page: PageText, threshold: float = DEFAULT_THRESHOLD) -> list[Doubt]:
    found = []
    for word in page.words():
        if word.confidence is None or word.confidence >= threshold:
            continue
        for match in YEAR.finditer(word.text):
            found.append(Doubt(match.group(1), word.text, word.x, word.y, word.w, word.h, word.confidence))
    return found
