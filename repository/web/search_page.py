"""The results page `/search`: the search backend asked with the reader's visibility, shown as HTML.

The page is one GET form: the query, facet checkboxes and sort travel as the same parameters
`GET /api/search` takes (`repository.search.api.request_from_args`), so the page works without
JavaScript and a results URL can be shared. Snippets and marked titles come from
`repository.search.highlight`, which escapes the stored text and adds only `<mark>` tags;
`trusted_marks` checks that before the page inserts them as HTML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from flask import current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from metadata.folding import fold, tokens
from repository.search.api import caller_visibility, request_from_args
from repository.search.base import FACETS, Hit, SearchRequest, SearchResult
from repository.search.errors import BadSearchParameter, QuerySyntaxError
from repository.services import current_services
from repository.web.display import TYPE_LABELS
from repository.web.i18n import current_locale, locale_name
from repository.web.listing import collection_titles, first_pages, thumb_url

PER_PAGE = 20
MAX_PAGE_LINKS = 12  # matched page numbers listed per hit before "…"
# The catalogue engineer's record page (issue 8); hits from the catalogue link there once it exists.
CATALOGUE_ENDPOINT = "catalogue.record"
FACET_LABELS = {
    "source": _l("Source"), "collection": _l("Collection"), "type": _l("Type"), "language": _l("Language"),
    "decade": _l("Decade"), "subject": _l("Subject"), "place": _l("Place"), "creator": _l("Creator"),
    "fulltext": _l("Full text"),
}
SOURCE_LABELS = {"archive": _l("Digital archive"), "catalogue": _l("Library catalogue")}
FULLTEXT_LABELS = {"yes": _l("With full text"), "no": _l("Without full text")}
SORT_LABELS = {"relevance": _l("Relevance"), "date": _l("Oldest first"), "-date": _l("Newest first"),
               "title": _l("Title")}
_MARK = re.compile(r"</?mark>")


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool
    lang: str | None = None  # set when the label is a metadata value (subject, place …)


@dataclass(frozen=True)
class FacetGroup:
    name: str
    label: str
    options: tuple[FacetOption, ...]


@dataclass(frozen=True)
class ShownHit:
    hit: Hit
    url: str | None
    title_html: Markup
    snippets: tuple[tuple[str, Markup, int | None], ...]  # (field, html, page)
    pages: tuple[tuple[int, str], ...]  # (page number, URL at that page)
    more_pages: int
    thumbnail: str | None
    collections: tuple[tuple[str, str, str], ...]  # (id, title, lang)


@dataclass(frozen=True)
class Suggestion:
    text: str
    url: str
    kind: str  # "loose", "any", "script", "unfiltered"


@dataclass
class Page:
    query: str
    error: str | None = None
    request: SearchRequest | None = None
    result: SearchResult | None = None
    hits: list[ShownHit] = field(default_factory=list)
    facets: list[FacetGroup] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


def trusted_marks(snippet_html: str) -> Markup:
    """A snippet from the highlighter as Markup, if it really is escaped text plus <mark> tags only.

    Anything else (a change in the search package, a backend that returns raw text) is escaped as a
    whole, so the worst case is visible `<mark>` text, never markup from the documents.
    """
    bare = _MARK.sub("", snippet_html)
    if "<" in bare or ">" in bare or "&" in _strip_entities(bare):
        return escape(snippet_html)
    return Markup(snippet_html)


def _strip_entities(text: str) -> str:
    # html.escape produces only these five entities; any other "&" sequence means unescaped text.
    return re.sub(r"&(amp|lt|gt|quot|#x27);", "", text)


def results_page() -> tuple[str, int]:
    query = request.args.get("q", "")
    page = Page(query)
    status = 200
    try:
        page.request = request_from_args(request.args, caller_visibility())
    except (QuerySyntaxError, BadSearchParameter) as exc:
        page.error = exc.message
        status = 400
    if page.request is not None:
        page.request = _with_per_page(page.request)
        page.result = _search(page.request)
        page.hits, titles = _shown_hits(page.result, query)
        page.facets = _facet_groups(page.request, page.result, titles)
        if page.result.total == 0 and (query.strip() or page.request.filters.active()):
            page.suggestions = suggestions(query, bool(page.request.filters.active()))
    return render_template("search.html", page=page, sort_labels=SORT_LABELS,
                           suggestion_labels=SUGGESTION_LABELS), status


def _with_per_page(search_request: SearchRequest) -> SearchRequest:
    # The API's default page size is the same today; the page keeps its own so the layout is stable.
    if "per_page" in request.args:
        return search_request
    return replace(search_request, per_page=PER_PAGE)


def _search(search_request: SearchRequest) -> SearchResult:
    from repository.search.service import current_search  # the search package's own wiring

    return current_search().search(search_request)


def _shown_hits(result: SearchResult, query: str) -> tuple[list[ShownHit], dict[str, tuple[str, str]]]:
    locale = current_locale()
    archive_ids = [h.id for h in result.hits if h.source == "archive"]
    facet_collections = [f.value for f in result.facets.get("collection", ())]
    hit_collections = {c for h in result.hits for c in h.collections}
    with current_services().db.read() as session:
        firsts = first_pages(session, archive_ids)
        titles = collection_titles(session, sorted(hit_collections | set(facet_collections)), locale)
    shown = []
    for hit in result.hits:
        pages = tuple((n, _hit_url(hit, query, n) or "") for n in hit.pages[:MAX_PAGE_LINKS])
        thumb_seq = hit.pages[0] if hit.pages else firsts.get(hit.id)
        shown.append(ShownHit(
            hit=hit,
            url=_hit_url(hit, query, hit.pages[0] if hit.pages else None),
            title_html=trusted_marks(hit.title_html),
            snippets=tuple((s.field, trusted_marks(s.html), s.page) for s in hit.snippets),
            pages=pages,
            more_pages=max(0, len(hit.pages) - MAX_PAGE_LINKS),
            thumbnail=thumb_url(hit.id, thumb_seq) if hit.source == "archive" and thumb_seq else None,
            # The deepest collection is the last one; ancestors come first in the document.
            collections=tuple((c, *titles.get(c, (c, ""))) for c in hit.collections[-1:]),
        ))
    return shown, titles


def _hit_url(hit: Hit, query: str, page: int | None) -> str | None:
    if hit.source == "archive":
        return url_for("web.item", item_id=hit.id, page=page, q=query or None)
    if CATALOGUE_ENDPOINT not in current_app.view_functions:
        return None
    try:
        return url_for(CATALOGUE_ENDPOINT, record_id=hit.id)
    except BuildError:
        return None


def _facet_groups(search_request: SearchRequest, result: SearchResult,
                  titles: dict[str, tuple[str, str]]) -> list[FacetGroup]:
    locale = current_locale()
    active = search_request.filters.active()
    groups = []
    for name in FACETS:
        values = result.facets.get(name, ())
        chosen = set(active.get(name, ()))
        options = []
        for facet in values:
            label, lang = _facet_label(name, facet.value, locale, titles)
            options.append(FacetOption(facet.value, label, facet.count, facet.value in chosen, lang))
        # A chosen value with no hits left still shows, checked, so it can be unchecked.
        for value in sorted(chosen - {f.value for f in values}):
            label, lang = _facet_label(name, value, locale, titles)
            options.append(FacetOption(value, label, 0, True, lang))
        if options:
            groups.append(FacetGroup(name, str(FACET_LABELS[name]), tuple(options)))
    return groups


def _facet_label(name: str, value: str, locale: str, titles: dict[str, tuple[str, str]]) -> tuple[str, str | None]:
    if name == "source":
        return str(SOURCE_LABELS.get(value, value)), None
    if name == "fulltext":
        return str(FULLTEXT_LABELS.get(value, value)), None
    if name == "type":
        return str(TYPE_LABELS.get(value, value)), None
    if name == "language":
        return locale_name(value, locale), None
    if name == "decade" and value.lstrip("-").isdigit():
        return f"{value}–{int(value) + 9}", None
    if name == "collection":
        title, lang = titles.get(value, (value, ""))
        return title or value, lang
    return value, ""  # a metadata value in whatever language it was catalogued


def suggestions(query: str, filtered: bool) -> list[Suggestion]:
    """What to try after an empty result: fewer constraints, looser words, the other script."""
    found: list[Suggestion] = []
    words = [t.text for t in tokens(query)]
    if filtered:
        found.append(Suggestion(query, url_for("web.search", q=query or None), "unfiltered"))
    if len(words) > 1:
        any_of = " OR ".join(words)
        found.append(Suggestion(any_of, url_for("web.search", q=any_of), "any"))
    stems = [w[:-2] + "*" if len(w) > 5 else w for w in words]
    if stems != words:
        loose_query = " ".join(stems)
        found.append(Suggestion(loose_query, url_for("web.search", q=loose_query), "loose"))
    # The folded key is the query in Latin letters: shown so a reader who typed Cyrillic sees that
    # the search already covers the Latin spelling (and the other way round), and can search it as typed.
    latin = fold(query).strip()
    if latin and latin != query.strip().casefold():
        found.append(Suggestion(latin, url_for("web.search", q=latin), "script"))
    return found


SUGGESTION_LABELS = {
    "unfiltered": _l("Search all collections, without the chosen filters"),
    "any": _l("Find any of the words"),
    "loose": _l("Find words that begin the same way"),
    "script": _l("The same search in Latin letters"),
}
