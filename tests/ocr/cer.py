"""Character error rate on NFC text with whitespace normalised (own Levenshtein: no extra deps)."""
from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    ref = normalise(reference)
    return levenshtein(ref, normalise(hypothesis)) / max(1, len(ref))
