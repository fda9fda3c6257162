"""The search interface: what is indexed (`ItemDoc`), what is asked (`SearchRequest`), what comes back
(`SearchResult`), and the `SearchBackend` every engine implements.

Backends are thin: they store the folded keys that `repository.search.highlight.key_streams` makes and compile the
query tree of `repository.search.query`; snippets are made by `repository.search.highlight` from the
stored printed text, so every backend answers with the same marked words.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from repository.search.errors import BadSearchParameter
from repository.search.query import Node, parse

SOURCES = ("archive", "catalogue")
SORTS = ("relevance", "date", "-date", "title")
# Facets every backend counts, in the order the UI shows them.
FACETS = ("source", "collection", "type", "language", "decade", "subject", "place", "creator", "fulltext")
FACET_SIZE = 30
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 10_000  # deep paging is refused (Elasticsearch's default window; same for all)
# Decades are listed for a date range only when it is this short (a date like "1XXX" is no decade).
MAX_DECADE_SPAN = 200


@dataclass(frozen=True)
class LangText:
    value: str
    lang: str | None = None


@dataclass(frozen=True)
class PageDoc:
    seq: int
    text: str


@dataclass(frozen=True)
class ItemDoc:
    """One searchable record: an archive item or a catalogue record. `id` is unique across sources."""

    id: str
    source: str = "archive"
    titles: tuple[LangText, ...] = ()
    creators: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # EDTF text as catalogued
    year_from: int | None = None
    year_to: int | None = None
    types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()  # the item's collection and its ancestors (filtering by a parent finds it)
    access: str = "public"
    status: str = "published"
    descriptions: tuple[str, ...] = ()
    other: tuple[str, ...] = ()  # further searchable metadata (publisher, identifiers …)
    pages: tuple[PageDoc, ...] = ()

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"ItemDoc {self.id}: source must be one of {SOURCES}, got {self.source!r}")

    @property
    def has_fulltext(self) -> bool:
        return any(p.text.strip() for p in self.pages)

    @property
    def title(self) -> str:
        return self.titles[0].value if self.titles else self.id

    @property
    def decades(self) -> tuple[int, ...]:
        low, high = self.year_from, self.year_to
        if low is None and high is None:
            return ()
        low = high if low is None else low
        high = low if high is None else high
        assert low is not None and high is not None
        if high - low > MAX_DECADE_SPAN:
            return ()
        return tuple(range(low - low % 10, high + 1, 10))

    def facet_values(self) -> dict[str, tuple[str, ...]]:
        """Every facet's values of this document (strings, as the API reports them)."""
        return {
            "source": (self.source,),
            "collection": self.collections,
            "type": self.types,
            "language": self.languages,
            "decade": tuple(str(d) for d in self.decades),
            "subject": self.subjects,
            "place": self.places,
            "creator": self.creators,
            "fulltext": ("yes" if self.has_fulltext else "no",),
        }

    def metadata_fields(self) -> dict[str, tuple[str, ...]]:
        """Searchable metadata text by field (the query fields plus description and other)."""
        return {
            "title": tuple(t.value for t in self.titles),
            "creator": self.creators,
            "subject": self.subjects,
            "place": self.places,
            "description": self.descriptions,
            "other": self.other,
        }

    def stored(self) -> dict:
        """What a backend keeps to build snippets and hits without the database."""
        return {
            "id": self.id, "source": self.source,
            "titles": [[t.value, t.lang] for t in self.titles],
            "creators": list(self.creators), "subjects": list(self.subjects), "places": list(self.places),
            "dates": list(self.dates), "descriptions": list(self.descriptions), "other": list(self.other),
            "year_from": self.year_from, "year_to": self.year_to,
            "types": list(self.types), "languages": list(self.languages),
            "collections": list(self.collections),
        }


@dataclass(frozen=True)
class Visibility:
    """What the caller may see. None means no restriction (staff)."""

    access: frozenset[str] | None = frozenset({"public"})
    statuses: frozenset[str] | None = frozenset({"published"})

    @classmethod
    def anonymous(cls, in_reading_room: bool = False) -> "Visibility":
        levels = {"public", "reading-room"} if in_reading_room else {"public"}
        return cls(frozenset(levels), frozenset({"published"}))

    @classmethod
    def staff(cls) -> "Visibility":
        return cls(None, None)


@dataclass(frozen=True)
class Filters:
    """Facet filters: values within one facet are alternatives (OR); different facets all apply (AND)."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: int | None = None
    date_to: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(FACETS)
        if unknown:
            raise BadSearchParameter(f"unknown filter(s): {', '.join(sorted(unknown))}; allowed: {', '.join(FACETS)}")
        for name in ("decade",):
            for value in self.values.get(name, ()):
                if not value.lstrip("-").isdigit():
                    raise BadSearchParameter(f"decade must be a year like 1910, got {value!r}")
        for value in self.values.get("fulltext", ()):
            if value not in ("yes", "no"):
                raise BadSearchParameter(f"fulltext must be yes or no, got {value!r}")
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise BadSearchParameter("date_from is after date_to")

    def active(self) -> dict[str, tuple[str, ...]]:
        return {name: values for name, values in self.values.items() if values}


@dataclass(frozen=True)
class SearchRequest:
    query: Node | None = None  # parsed once (query.parse); None = everything the filters allow
    filters: Filters = field(default_factory=Filters)
    visibility: Visibility = field(default_factory=Visibility.anonymous)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True
    text: str = ""  # the query as typed, echoed back

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadSearchParameter(f"sort must be one of {', '.join(SORTS)}, got {self.sort!r}")
        if self.page < 1:
            raise BadSearchParameter("page must be at least 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadSearchParameter(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if self.offset + self.per_page > MAX_RESULT_WINDOW:
            raise BadSearchParameter(f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged to; narrow the search")

    @classmethod
    def from_text(cls, text: str | None, **kwargs: object) -> "SearchRequest":
        return cls(query=parse(text), text=text or "", **kwargs)  # type: ignore[arg-type]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Snippet:
    field: str  # title, creator, subject, place, description, other, or "text" for a page
    html: str  # HTML-escaped text with matched words in <mark>…</mark>
    page: int | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    source: str
    score: float
    title: str
    title_html: str
    snippets: tuple[Snippet, ...]
    pages: tuple[int, ...]  # every page whose text matched, in order
    year_from: int | None = None
    year_to: int | None = None
    dates: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetValue, ...]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class PageMatch:
    seq: int
    snippets: tuple[str, ...]


@dataclass(frozen=True)
class ItemMatches:
    item_id: str
    pages: tuple[PageMatch, ...]


class SearchBackend(ABC):
    """One search engine. Implementations are thread-safe and connect lazily."""

    name: str

    @abstractmethod
    def index_items(self, docs: Iterable[ItemDoc]) -> int:
        """Add or replace these documents (and their pages); returns how many. Visible once it returns."""

    @abstractmethod
    def delete_items(self, ids: Sequence[str]) -> None:
        """Remove these documents and their pages; unknown ids are ignored."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def search_item(self, item_id: str, query: Node | None, visibility: Visibility,
                    limit: int = 200) -> ItemMatches:
        """Pages of one item that match (in page order) with their snippets; none if not visible."""

    @abstractmethod
    def health(self) -> str:
        """A one-line description of the working engine; raises BackendUnavailable if it does not work."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document (reindex starts here)."""

    def close(self) -> None:
        """Release connections."""
