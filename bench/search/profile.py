"""Where the SQLite backend's query time goes: per-SQL-statement timings (and cProfile) over the query mix.

    .venv/bin/python -m bench.search.profile DB            # build DB (10,000 × 10 pages) unless it exists
    .venv/bin/python -m bench.search.profile DB --kinds "single word,prefix" --cprofile

Every statement the backend runs is executed and fetched in full under a timer (so lazily fetched
cursors are charged to their statement), then summed per statement text and query kind.
"""
from __future__ import annotations

import argparse
import importlib
import cProfile
import pstats
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from bench.search.run import build, requests

_TIMES: dict[str, list[float]] = defaultdict(list)


class _Fetched:
    """A cursor stand-in holding every row, fetched while timed."""

    def __init__(self, cursor: sqlite3.Cursor):
        self.rows = cursor.fetchall()
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount
        self.description = cursor.description

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows

    def __iter__(self):
        return iter(self.rows)


class TimedConnection(sqlite3.Connection):
    def execute(self, sql, params=()):  # type: ignore[override]
        started = time.perf_counter()
        result = _Fetched(super().execute(sql, params))
        _TIMES[" ".join(sql.split())[:150]].append((time.perf_counter() - started) * 1000)
        return result


def _timed_connect(*args, **kwargs):
    kwargs.setdefault("factory", TimedConnection)
    return _real_connect(*args, **kwargs)


_real_connect = sqlite3.connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--kinds", default="", help="comma-separated query kinds (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--module", default="repository.search.sqlite",
                        help="module with the SqliteBackend to profile (e.g. a saved copy of an older version)")
    args = parser.parse_args()
    backend_class = importlib.import_module(args.module).SqliteBackend
    fresh = not args.db.exists()
    backend = backend_class(args.db)
    if fresh:
        seconds, pages = build(backend, args.items, 10, 150)
        print(f"built {pages} pages in {seconds:.0f} s ({pages / seconds:.0f} pages/s)")
    kinds = set(filter(None, args.kinds.split(",")))
    mix = [(k, r) for k, r in requests() if not kinds or k in kinds]
    for _, request in mix:
        backend.search(request)  # warm
    backend.close()
    sqlite3.connect = _timed_connect  # type: ignore[assignment]
    profiler = cProfile.Profile() if args.cprofile else None
    totals: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for kind, request in mix:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            backend.search(request)
            if profiler:
                profiler.disable()
            totals[f"{kind}: {request.text}"].append((time.perf_counter() - started) * 1000)
    for name, values in totals.items():
        print(f"{min(values):8.1f} ms (min) {sum(values) / len(values):8.1f} ms (mean)  {name}")
    print("\nper statement (sum over all runs, ms; calls):")
    ranked = sorted(_TIMES.items(), key=lambda kv: -sum(kv[1]))
    for sql, values in ranked[:15]:
        print(f"{sum(values):9.1f} {len(values):6d}  {sql}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
