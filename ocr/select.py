"""Choose the Tesseract model set per page (issue 9).

One cheap pass reads a one-third-size grayscale copy of the page with ``Cyrillic+eng``
(small, fast-loading models; eng keeps Latin-script words Latin, which the Cyrillic
model alone would transliterate); letter statistics of that reading decide the
profile, and a single full-resolution pass runs with the profile's models. Measured on ../shared/samples (bench/RESULTS.md):
- Kazakh Latin: ``Latin`` keeps ä ğ ñ ş ū ö ü ı (kaz+rus+eng never reads them);
- pre-1918 Russian: ``Cyrillic`` plus restoring ѣ/ѳ (ocr/orthography.py);
- modern Russian: ``Cyrillic``; Kazakh Cyrillic: ``kaz+rus`` (as good as kaz+rus+eng, 3x faster);
- mixed pages with Latin-script words, and pages with too little text to judge: ``kaz+rus+eng``.
"""
from __future__ import annotations

import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ocr.alto import PageText, mean_confidence, parse_alto
from ocr.base import OcrEngine, OcrError, OcrResult
from ocr.doubtful import doubtful_years
from ocr.inputs import ensure_page_image
from ocr.orthography import restore_pre1918, restore_pre1918_alto
from ocr.preprocess import reduced

# Latin+Cyrillic at half size classified as well but cost 1.7 s CPU per page (the Latin
# model alone takes 0.4 s to load); this costs ~0.9 s (bench/RESULTS.md).
PROBE_LANGUAGES = "Cyrillic+eng"
PROBE_FACTOR = 3
DEFAULT_LANGUAGES = "kaz+rus+eng"

KAZAKH_CYRILLIC = set("әғқңөұүһӘҒҚҢӨҰҮҺ")
KAZAKH_LATIN = set("äğñşūöüıÄĞÑŞŪÖÜİ")
OLD_RUSSIAN = set("ѣѳѵѢѲѴ")
CONSONANTS = set("бвгджзклмнпрстфхцчшщ")

# Thresholds, from the probe statistics of the samples (bench/RESULTS.md): Latin pages
# read ≥ 85% Latin letters, Cyrillic pages ≤ 16%; pre-1918 pages end 13-22% of their
# words in ъ, others 0%; the mixed page has 16% Latin words, other Cyrillic pages ≤ 5%
# (noise on degraded pre-1918 print, which is classified before this test).
MIN_LETTERS = 40
LATIN_PAGE_SHARE = 0.5
PRE1918_FINAL_HARD_SIGN_SHARE = 0.05
MIXED_LATIN_WORD_SHARE = 0.05
KAZAKH_LETTER_SHARE = 0.01
MIN_HITS = 3


@dataclass(frozen=True)
class Profile:
    languages: str
    restore_pre1918: bool = False


PROFILES: dict[str, Profile] = {
    "kk_latn": Profile("Latin"),
    "ru_prereform": Profile("Cyrillic", restore_pre1918=True),
    "ru_modern": Profile("Cyrillic"),
    "kk_cyrl": Profile("kaz+rus"),
    "mixed": Profile(DEFAULT_LANGUAGES),
}
# The Tesseract models a forced value may name (each checked by `olketanu check`): those the
# profiles and the probe use. The one table forced values are checked against.
MODELS: tuple[str, ...] = tuple(dict.fromkeys(
    part for langs in (*(p.languages for p in PROFILES.values()), PROBE_LANGUAGES) for part in langs.split("+")))


class UnknownModel(OcrError, ValueError):
    """A forced OCR value that is neither a profile name nor known models joined by +."""

    def __init__(self, value: str, hint: str = "") -> None:
        super().__init__(f"unknown OCR model {value!r}{hint}: use a profile ({', '.join(PROFILES)}) or "
                         f"Tesseract models joined by + ({', '.join(MODELS)}), e.g. kaz+rus+eng or Latin+Cyrillic")
        self.value = value


def check_forced(value: str) -> str:
    """The forced value, stripped, when it is a profile name or known models joined by +.

    Raises UnknownModel naming the value and what is allowed. Names are case-sensitive, as
    Tesseract's are (`Latin`, not `latin`).
    """
    value = value.strip()
    if value in PROFILES:
        return value
    parts = value.split("+")
    for part in parts:
        if part in MODELS:
            continue
        if part in PROFILES:
            raise UnknownModel(value, f" (the profile {part} stands alone, it is not joined with others)")
        near = [m for m in MODELS if m.lower() == part.lower()]
        raise UnknownModel(value, f" ({part!r} is written {near[0]!r})" if near else "")
    return value


@dataclass(frozen=True)
class Choice:
    model: str  # the Tesseract language string of the final pass
    reason: str
    evidence: dict[str, object] = field(default_factory=dict)


def letter_statistics(text: str) -> dict[str, object]:
    text = unicodedata.normalize("NFC", text)
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    cyrillic = sum(1 for c in letters if unicodedata.name(c, "").startswith("CYRILLIC"))
    words = re.findall(r"[^\W\d_]+", text)
    latin_words = sum(1 for w in words if len(w) > 1 and all(unicodedata.name(c, "").startswith("LATIN") for c in w))
    final_hard = sum(1 for w in words if len(w) > 1 and w[-1] in "ъЪ" and w[-2].lower() in CONSONANTS)
    n_letters, n_words = len(letters), len(words)
    return {
        "letters": n_letters,
        "latin_letters": latin,
        "cyrillic_letters": cyrillic,
        "latin_share": round(latin / n_letters, 3) if n_letters else 0.0,
        "words": n_words,
        "latin_words": latin_words,
        "latin_word_share": round(latin_words / n_words, 3) if n_words else 0.0,
        "kazakh_letters": sum(1 for c in letters if c in KAZAKH_CYRILLIC),
        "kazakh_latin_letters": sum(1 for c in letters if c in KAZAKH_LATIN),
        "old_letters": sum(1 for c in letters if c in OLD_RUSSIAN),
        "final_hard_sign_words": final_hard,
        "final_hard_sign_share": round(final_hard / n_words, 3) if n_words else 0.0,
        "decimal_i": sum(1 for c in letters if c in "іІ"),
    }


def classify(stats: dict[str, object]) -> tuple[str, str]:
    """(profile name, reason) from the probe's letter statistics."""
    s = stats
    if s["letters"] < MIN_LETTERS:
        return "mixed", f"too little text to judge ({s['letters']} letters): default models"
    if s["latin_share"] > LATIN_PAGE_SHARE:
        return "kk_latn", f"Latin script ({s['latin_share']:.0%} of letters)"
    hard_or_old = s["final_hard_sign_words"] + s["old_letters"]
    if hard_or_old >= MIN_HITS and (s["final_hard_sign_share"] >= PRE1918_FINAL_HARD_SIGN_SHARE or s["old_letters"] >= MIN_HITS):
        return "ru_prereform", (f"pre-1918 orthography ({s['final_hard_sign_words']} of {s['words']} words "
                                f"end in ъ, {s['old_letters']} ѣ/ѳ/ѵ)")
    if s["latin_words"] >= MIN_HITS and s["latin_word_share"] >= MIXED_LATIN_WORD_SHARE:
        return "mixed", f"Cyrillic with Latin-script words ({s['latin_words']} of {s['words']})"
    if s["kazakh_letters"] >= MIN_HITS and s["kazakh_letters"] / s["letters"] >= KAZAKH_LETTER_SHARE:
        return "kk_cyrl", f"Kazakh Cyrillic ({s['kazakh_letters']} Kazakh letters)"
    return "ru_modern", "Cyrillic without Kazakh letters or pre-1918 spelling"


def probe(engine: OcrEngine, image_path: Path, timeout_s: int) -> tuple[PageText, float]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="olketanu-probe-") as tmp:
        small = reduced(image_path, Path(tmp), PROBE_FACTOR)
        page = engine.read_layout(small, PROBE_LANGUAGES, timeout_s)
    return page, time.monotonic() - started


def choose(engine: OcrEngine, image_path: Path, timeout_s: int) -> tuple[str, Choice]:
    page, seconds = probe(engine, image_path, timeout_s)
    stats = letter_statistics(page.text())
    name, reason = classify(stats)
    evidence = {"profile": name, "probe_languages": PROBE_LANGUAGES, "probe_scale": round(1 / PROBE_FACTOR, 3),
                "probe_confidence": mean_confidence(page), "probe_seconds": round(seconds, 2), **stats}
    return name, Choice(PROFILES[name].languages, reason, evidence)


def choose_and_recognise(engine: OcrEngine, image_path: Path, forced: str | None = None,
                         timeout_s: int = 300, forced_by: str | None = None) -> tuple[OcrResult, Choice]:
    """OCR one page with the model set that reads its kind best.

    ``forced`` overrides the choice: a profile name from PROFILES (``ru_prereform`` keeps
    its ѣ restoration) or a plain Tesseract language string such as ``kaz+rus``.
    ``forced_by`` says which setting forced it (e.g. "collection 'maps'"), for the reason.
    ``timeout_s`` bounds each Tesseract run.
    """
    image_path = Path(image_path)
    ensure_page_image(image_path)
    if forced:
        name = forced if forced in PROFILES else None
        model = PROFILES[name].languages if name else forced
        by = forced_by or "setting"
        choice = Choice(model, f"forced by {by}: {forced}", {"profile": name, "forced": forced, "forced_by": by})
    else:
        name, choice = choose(engine, image_path, timeout_s)
    started = time.monotonic()
    result = engine.recognise(image_path, choice.model, timeout_s)
    choice.evidence["final_seconds"] = round(time.monotonic() - started, 2)
    if name and PROFILES[name].restore_pre1918:
        result, restored = _restore(result)
        choice.evidence["restored_pre1918"] = restored
    choice.evidence["doubtful_years"] = [d.to_json() for d in doubtful_years(parse_alto(result.alto))]
    return result, choice


def _restore(result: OcrResult) -> tuple[OcrResult, dict[str, int]]:
    alto, counts = restore_pre1918_alto(result.alto)
    text = restore_pre1918(result.text)
    # The PDF's invisible text layer is Tesseract's own and keeps its reading.
    return OcrResult(alto, text, result.pdf, result.mean_confidence, result.word_count, result.languages), dict(counts)
