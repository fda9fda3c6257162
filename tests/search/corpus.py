"""A small corpus that exercises folding, access, facets, dates and pages; the same for every backend."""
from __future__ import annotations

from repository.search.base import ItemDoc, LangText, PageDoc


def _doc(id: str, title: str, *, lang: str | None = None, pages: tuple[str, ...] = (), year: int | None = None,
         **kw: object) -> ItemDoc:
    kw.setdefault("types", ("Text",))
    years = {"year_from": year, "year_to": year, "dates": (str(year),)} if year is not None else {}
    return ItemDoc(id=id, titles=(LangText(title, lang),),
                   pages=tuple(PageDoc(i + 1, text) for i, text in enumerate(pages)), **years, **kw)  # type: ignore[arg-type]


KZ = _doc(
    "kz1928", "Өскемен тарихы", lang="kk-Cyrl", year=1928, creators=("Жұмабаев, Әбдірахман",),
    subjects=("Өлкетану",), places=("Шығыс Қазақстан",), languages=("kk",), collections=("gazet", "gazet-ertis"),
    pages=("Бұл кітап қала тарихы туралы.",
           "Қала Ертіс өзені жағасында орналасқан. Өзені Ертіс емес.",
           "Өскемен қаласының көшелері."),
)
PRE1918 = _doc(
    "ru1914", "Прибалхашскій вѣстникъ", lang="ru", year=1914, languages=("ru",), collections=("gazet",),
    places=("Семипалатинская область",),
    pages=("Урожай хлѣбовъ въ нынѣшнемъ году удовлетворительный.",
           "Городская управа приступила къ исправленію моста.",
           "По всей Россіи хлѣбъ дорожаетъ, и въ Семипалатинскѣ тоже."),
)
LATIN = _doc("kzlatn", "Öskemen qalasy", lang="kk-Latn", year=2021, languages=("kk",), collections=("kitap",),
             pages=("Öskemen — Şyğys Qazaqstandağy qala.",))
# A pair differing only in spelling: exact keys must rank first.
EXACT_CYRL = _doc("map-cyrl", "Өскемен картасы", types=("Map",), year=1950)
EXACT_LATN = _doc("map-latn", "Oskemen kartasy", types=("Map",), year=1960)
CATALOGUE = _doc("cat-001", "Өскемен: очерки истории", source="catalogue", year=1986, types=("Text",),
                 creators=("Иванов, Пётр",), languages=("ru",))
STAFF_ONLY = _doc("secret1", "Өскемен құпия хаттары", access="staff", year=1937, pages=("Өскемен хлеб",))
READING_ROOM = _doc("rroom1", "Өскемен оқу залы", access="reading-room", year=1940, pages=("Өскемен",))
DRAFT = _doc("draft1", "Өскемен жобасы", status="draft", year=1941, pages=("Өскемен",))
WITHDRAWN = _doc("gone1", "Өскемен алынған", status="withdrawn", year=1942, pages=("Өскемен",))
UNDATED = _doc("nodate", "Ауыл мектебі", pages=("Мектеп ауылда ашылды.",))
FILLER = tuple(
    _doc(f"fill{i:02d}", f"Ауыл шаруашылығы {i}", year=1960 + i, types=("Photograph",) if i % 2 else ("Text",),
         languages=("kk",), pages=(f"Мал шаруашылығы және егін {i}. Ауыл тұрғындары жиналды.",))
    for i in range(12)
)

RESTRICTED_IDS = {STAFF_ONLY.id, READING_ROOM.id, DRAFT.id, WITHDRAWN.id}
ALL = (KZ, PRE1918, LATIN, EXACT_CYRL, EXACT_LATN, CATALOGUE, STAFF_ONLY, READING_ROOM, DRAFT, WITHDRAWN, UNDATED,
       *FILLER)
