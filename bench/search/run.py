"""Search benchmark: index a generated corpus and time a fixed mix of queries, per backend.

    .venv/bin/python -m bench.search.run                      # 10,000 items × 10 pages, sqlite
    .venv/bin/python -m bench.search.run --backend elasticsearch   # starts a throw-away ES like the tests
    .venv/bin/python -m bench.search.run --items 1000 --append     # smaller; append results to bench/RESULTS.md

The corpus is deterministic (seeded): page texts drawn with a Zipf-like distribution from a word list
of Kazakh (Cyrillic and 2021 Latin), modern and pre-1918 Russian and English words.
"""
from __future__ import annotations

import argparse
import itertools
import datetime as dt
import platform
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from repository.search.base import Filters, ItemDoc, LangText, PageDoc, SearchBackend, SearchRequest, Visibility
from repository.search.query import parse

ROOT = Path(__file__).resolve().parents[2]
WORDS = (
    "ауыл мектеп өзен қала тарих жер халық мал егін қыстау көктем жаз күз қыс бала мұғалім кітап газет "
    "Өскемен Семей Ертіс Алтай Зайсан Көкпекті шежіре батыр ақын жыр ән күй той жиын базар сауда керуен "
    "auyl mektep özen qala tarih jer halyq mal egin qystau köktem jaz küz qys bala mūğalım kıtap gazet "
    "город река школа история земля народ хлеб урожай торговля станция почта управа уезд волость "
    "городъ рѣка школа исторія земля народъ хлѣбъ урожай торговля станція почта управа уѣздъ волость "
    "village school river history archive library photograph newspaper map manuscript letter "
    "и в на с по о из за для от при до не что это как был была были және мен бен "
).split()
PLACES = ("Өскемен", "Семей", "Зайсан", "Риддер", "Көкпекті", "Аягөз")
TYPES = ("Text", "Image", "Map", "Photograph")
LANGUAGES = ("kk", "ru", "en")
QUERIES = {
    "single word": ["Өскемен", "oskemen", "хлеб", "мектеп", "станция", "Ертіс", "library"],
    "stop word": ["және", "и"],
    "phrase": ['"Ертіс өзен"', '"хлеб урожай"', '"ауыл мектеп"', '"school river"'],
    "prefix": ["мект*", "Өске*", "хлѣб*", "stan*"],
    "field": ["title:Семей", "place:Зайсан", "creator:Абаев", "date:1910-1920", "subject:тарих"],
    "boolean": ["Өскемен -хлеб", "(мектеп OR школа) AND Ертіс", "хлеб OR нан"],
    "facet-filtered": ["мектеп", "хлеб", "Ертіс"],  # with type/language/decade filters
    "no hit": ["qwertyuiop", '"несуществующее слово"', "title:zzzz"],
}


def vocabulary(size: int, seed: int) -> list[str]:
    """The real words above, spread over the frequency ranks of a long tail of generated words."""
    rng = random.Random(seed)
    syllables = ("ба қа ты ол ер ке мен ар ұл ай тау су жа ро ва ни ско ла ту ры ға ша ко зе").split()
    latin = ("ba qa ty ol er ke men ar ul ai tau su ja ro va ni sko la tu ry ga sha ko ze").split()
    generated = []
    while len(generated) < size:
        parts = latin if rng.random() < 0.2 else syllables
        generated.append("".join(rng.choices(parts, k=rng.randint(2, 4))) + rng.choice(("", "ы", "ов", "тың", "ге")))
    words = list(dict.fromkeys(generated))
    stop = [w for w in WORDS if len(w) <= 3]
    content = [w for w in WORDS if len(w) > 3]
    # Stop words at the top ranks; content words from rank 30 on, every 15th rank (as in real text,
    # a place name or a topic word is common but far from every page).
    for i, word in enumerate(content):
        words.insert(30 + 15 * i, word)
    return stop + words


def corpus(items: int, pages: int, words_per_page: int, seed: int = 5) -> Iterator[ItemDoc]:
    rng = random.Random(seed)
    vocab = vocabulary(30_000, seed)
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.0 for rank in range(len(vocab))))
    for n in range(items):
        year = rng.randint(1880, 2020)
        title_words = rng.choices(vocab[10:400], k=3)
        yield ItemDoc(
            id=f"b{n:07d}", titles=(LangText(" ".join(title_words) + f" {PLACES[n % len(PLACES)]}", "kk"),),
            creators=(rng.choice(("Абаев, Ә.", "Иванов, П.", "Smith, J.", "Жұмабаев, М.")),),
            subjects=(rng.choice(("тарих", "өлкетану", "история", "экономика")),),
            places=(PLACES[n % len(PLACES)],), dates=(str(year),), year_from=year, year_to=year,
            types=(TYPES[n % len(TYPES)],), languages=(LANGUAGES[n % len(LANGUAGES)],),
            collections=(f"c{n % 5}", f"c{n % 5}-{n % 3}"), access="public" if n % 20 else "staff",
            pages=tuple(PageDoc(seq, _page(rng, vocab, cumulative, words_per_page)) for seq in range(1, pages + 1)),
        )


def _page(rng: random.Random, vocab: list[str], cumulative: list[float], count: int) -> str:
    words = rng.choices(vocab, cum_weights=cumulative, k=count)
    # Printed lines of about eight words, as OCR gives them.
    return "\n".join(" ".join(words[i:i + 8]) for i in range(0, count, 8))


def build(backend: SearchBackend, items: int, pages: int, words: int, batch: int = 200) -> tuple[float, int]:
    started = time.perf_counter()
    buffer: list[ItemDoc] = []
    count = 0
    for doc in corpus(items, pages, words):
        buffer.append(doc)
        if len(buffer) == batch:
            backend.index_items(buffer)
            count += len(buffer)
            buffer = []
            if count % 1000 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {backend.name}: {count:,} items, {count * pages / elapsed:,.0f} pages/s so far", flush=True)
    if buffer:
        backend.index_items(buffer)
        count += len(buffer)
    finish(backend)
    return time.perf_counter() - started, count * pages


def requests() -> list[tuple[str, SearchRequest]]:
    out = []
    filters = [Filters({"type": ("Text",)}), Filters({"language": ("ru",), "decade": ("1910",)}),
               Filters({"collection": ("c2",)}, date_from=1900, date_to=1950)]
    for kind, texts in QUERIES.items():
        for i, text in enumerate(texts):
            extra = {"filters": filters[i % len(filters)]} if kind == "facet-filtered" else {}
            out.append((kind, SearchRequest(query=parse(text), text=text, visibility=Visibility.anonymous(), **extra)))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(backend: SearchBackend, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    mix = requests()
    for request in mix:  # warm caches once
        backend.search(request[1])
    for _ in range(rounds):
        for kind, request in mix:
            started = time.perf_counter()
            backend.search(request)
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return timings


ES_HEAP = "1g"  # the test fixture runs with 512 MB; a 100k-page index gets 1 GB here


def open_backend(name: str, workdir: Path) -> tuple[SearchBackend, object | None]:
    if name == "sqlite":
        from repository.search.sqlite import SqliteBackend

        return SqliteBackend(workdir / "search.db"), None
    from repository.search.elasticsearch import ElasticsearchBackend
    from tests.services import elasticsearch as es_service

    # Started exactly as the tests start it (same user, ES_JAVA_HOME, security and disk threshold off,
    # loopback only), with only the heap changed: the fixture reads JAVA_OPTS when it starts the node.
    es_service.JAVA_OPTS = es_service.JAVA_OPTS.replace("-Xms512m -Xmx512m", f"-Xms{ES_HEAP} -Xmx{ES_HEAP}")
    server = es_service.start_elasticsearch()
    try:
        # No refresh per bulk request while indexing: one explicit refresh at the end (see `finish`).
        backend = ElasticsearchBackend(server.url, "bench", refresh=False, timeout_s=120)
        backend.clear()
    except BaseException:
        server.stop()
        raise
    return backend, server


def finish(backend: SearchBackend) -> None:
    """Make everything indexed searchable (and compact, for sqlite) before the clock stops."""
    optimize = getattr(backend, "optimize", None)
    if optimize is not None:
        optimize()
    if backend.name == "elasticsearch":
        es = backend._client  # type: ignore[attr-defined]
        es.indices.refresh(index=[backend.items_index, backend.pages_index])  # type: ignore[attr-defined]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "(uptime unavailable)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "elasticsearch"), action="append")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--words", type=int, default=150, help="words per page")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--append", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args()
    load_start = uptime()
    print(f"load at start: {load_start}", flush=True)
    lines = [
        f"### {dt.date.today().isoformat()} — search, {args.items * args.pages:,} pages "
        f"({args.items:,} items × {args.pages} pages × {args.words} words), {args.rounds} rounds of the query mix",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}. "
        "Query times include snippets, matched page numbers and all facet counts.",
        "",
        "| backend | index pages/s | index size | query kind | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name in args.backend or ["sqlite"]:
        with tempfile.TemporaryDirectory(prefix="olketanu-bench-") as tmp:
            backend, server = open_backend(name, Path(tmp))
            try:
                seconds, pages = build(backend, args.items, args.pages, args.words)
                size = _size(name, Path(tmp), backend)
                timings = measure(backend, args.rounds)
            finally:
                backend.close()
                if server is not None:
                    server.stop()  # type: ignore[attr-defined]
        rate = f"{pages / seconds:,.0f}"
        everything = [t for values in timings.values() for t in values]
        for kind, values in [*timings.items(), ("**all**", everything)]:
            lines.append(f"| {name} | {rate} | {size} | {kind} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} |")
            rate, size = "", ""
        print(f"{name}: indexed {pages:,} pages in {seconds:.1f} s; all queries p50 "
              f"{percentile(everything, 50):.1f} ms, p95 {percentile(everything, 95):.1f} ms", flush=True)
    load_end = uptime()
    print(f"load at end: {load_end}", flush=True)
    lines[3:3] = ["", f"Load (`uptime`) at start: {load_start}; at end: {load_end}."]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.append:
        results = ROOT / "bench" / "RESULTS.md"
        with results.open("a", encoding="utf-8") as out:
            out.write("\n" + table)


def _size(name: str, workdir: Path, backend: SearchBackend) -> str:
    if name == "elasticsearch":
        es = backend._client  # type: ignore[attr-defined]
        stats = es.indices.stats(index=[backend.items_index, backend.pages_index], metric="store")  # type: ignore[attr-defined]
        return f"{stats['_all']['primaries']['store']['size_in_bytes'] / 1e6:.0f} MB"
    total = sum(p.stat().st_size for p in workdir.glob("search.db*"))
    return f"{total / 1e6:.0f} MB"


if __name__ == "__main__":
    main()
