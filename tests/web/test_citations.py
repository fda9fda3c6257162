"""Citations are pure functions of a Citation: exact output for a known record, and hostile values."""
from __future__ import annotations

from datetime import date

from repository.web.citations import Citation, bibtex, plain_text, ris

CITATION = Citation(
    item_id="kzabc234", title="Өскемен хабары", url="https://archive.example.kz/items/kzabc234",
    repository="Ölketanu", accessed=date(2025, 3, 1), creators=("Әуезов, Мұхтар", "Иванов, И. И."),
    date="1928", year=1928, publisher="Облыстық баспа", place="Өскемен", type="Text", language="kk",
)


def test_plain_text():
    assert plain_text(CITATION) == (
        "Әуезов, Мұхтар; Иванов, И. И. Өскемен хабары. Өскемен, Облыстық баспа, 1928. Ölketanu. "
        "https://archive.example.kz/items/kzabc234 (2025-03-01)."
    )


def test_bibtex():
    assert bibtex(CITATION) == (
        "@book{kzabc234,\n"
        "  title = {Өскемен хабары},\n"
        "  author = {Әуезов, Мұхтар and Иванов, И. И.},\n"
        "  year = {1928},\n"
        "  publisher = {Облыстық баспа},\n"
        "  address = {Өскемен},\n"
        "  language = {kk},\n"
        "  howpublished = {Ölketanu},\n"
        "  url = {https://archive.example.kz/items/kzabc234},\n"
        "  urldate = {2025-03-01}\n"
        "}\n"
    )


def test_ris():
    assert ris(CITATION).split("\r\n") == [
        "TY  - BOOK", "TI  - Өскемен хабары", "AU  - Әуезов, Мұхтар", "AU  - Иванов, И. И.", "PY  - 1928",
        "DA  - 1928", "PB  - Облыстық баспа", "CY  - Өскемен", "LA  - kk", "DB  - Ölketanu",
        "UR  - https://archive.example.kz/items/kzabc234", "Y2  - 2025-03-01", "ID  - kzabc234", "ER  - ", "",
    ]


def test_hostile_values_cannot_break_the_formats():
    nasty = Citation(item_id="x1", title="A}\n@misc{evil, title={B\nTY  - JOUR", url="https://e.kz/items/x1",
                     repository="R", accessed=date(2025, 1, 1), type="Image", date="1916?")
    bib = bibtex(nasty)
    assert bib.startswith("@misc{x1,\n") and bib.count("\n@") == 0
    assert r"A\} @misc\{evil, title=\{B TY - JOUR" in bib
    lines = ris(nasty).split("\r\n")
    assert lines[0] == "TY  - ART" and sum(line.startswith("TY  -") for line in lines) == 1
    assert "\n" not in plain_text(nasty)


def test_minimal_record():
    bare = Citation(item_id="x2", title="Untitled", url="u", repository="R", accessed=date(2025, 1, 1))
    assert plain_text(bare) == "Untitled. R. u (2025-01-01)."
    assert bibtex(bare).startswith("@misc{x2,")
    assert ris(bare).startswith("TY  - GEN\r\n")
