"""Catalogue import benchmark: generated MARC21 records into a fresh SQLite (or PostgreSQL) database.

    .venv/bin/python -m bench.catalogue.run                      # 100,000 records, batches of 500
    .venv/bin/python -m bench.catalogue.run --records 10000 --database-url postgresql+psycopg://…
    .venv/bin/python -m bench.catalogue.run --append             # append the results to bench/RESULTS.md

Before/after a change to the write path: bench/catalogue/compare.py (interleaved runs, a ratio);
where the time goes: bench/catalogue/profile.py (cProfile).

The records (Kazakh and Russian books with ISBNs, 1 in 50 broken on purpose) are first written to a
temporary .mrc with pymarc; then `repository.catalogue.import_files` reads it streaming and writes it in
batches, exactly as `olketanu import-marc --no-index` does. Timed: the first import (all created) and a
re-import of the same file (all unchanged: one hash comparison per record). Memory: peak Python
allocations (tracemalloc, its own run) and peak RSS sampled every 50 ms; both should stay flat however
many records the file has.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from pymarc import Field, Indicators, MARCWriter, Record, Subfield

from repository.catalogue import import_files
from repository.config import load_config
from repository.db import upgrade
from repository.services import build_services

ROOT = Path(__file__).resolve().parents[2]
WORDS = ("Өскемен", "Семей", "Ертіс", "шежіре", "мектеп", "газет", "хабары", "ауыл", "тарих", "Алтай",
         "история", "край", "степь", "очерки", "земля", "народ")


def _isbn13(n: int) -> str:
    body = f"978{n:09d}"[:12]
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def _record(n: int, rng: random.Random) -> Record:
    kazakh = n % 2 == 0
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
    record = Record(leader="00000nam a2200000 i 4500", force_utf8=True)
    sf = lambda *p: [Subfield(p[i], p[i + 1]) for i in range(0, len(p), 2)]  # noqa: E731
    record.add_field(
        Field(tag="001", data=f"B{n:08d}"),
        Field(tag="008", data=f"990101s{1900 + n % 120}    kz            000 0 {'kaz' if kazakh else 'rus'} d"),
        Field(tag="020", indicators=Indicators(" ", " "), subfields=sf("a", _isbn13(n))),
        Field(tag="100", indicators=Indicators("1", " "), subfields=sf("a", f"{rng.choice(WORDS)}ов, А. Б.")),
        Field(tag="245", indicators=Indicators("1", "0"), subfields=sf("a", f"{title} :", "b", "очерки /")),
        Field(tag="260", indicators=Indicators(" ", " "), subfields=sf("a", "Алматы :", "b", "Ғылым,", "c", f"[{1900 + n % 120}?]")),
        Field(tag="300", indicators=Indicators(" ", " "), subfields=sf("a", f"{100 + n % 400} б. ;", "c", "21 см.")),
        Field(tag="650", indicators=Indicators(" ", "7"), subfields=sf("a", rng.choice(WORDS), "x", "Тарих.")),
        Field(tag="651", indicators=Indicators(" ", "7"), subfields=sf("a", "Шығыс Қазақстан")),
    )
    return record


def write_file(path: Path, count: int, broken_every: int = 50) -> int:
    rng = random.Random(8)
    broken = 0
    with path.open("wb") as out:
        writer = MARCWriter(out)
        for n in range(1, count + 1):
            if n % broken_every == 0:
                data = bytearray(_record(n, rng).as_marc())
                data[12:17] = b"99999"  # a bad base address
                out.write(bytes(data))
                broken += 1
            else:
                writer.write(_record(n, rng))
    return broken


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with open("/proc/self/statm") as fh:
                self.peak = max(self.peak, int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            time.sleep(0.05)


def open_services(tmp_path: Path, url: str):
    """Services on `url`, migrated, with nothing but the data folder configured."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text("{}\n", encoding="utf-8")
    config = load_config(config_file, environ={}, overrides={
        "repository.data_dir": str(tmp_path / "var"), "database.url": url})
    upgrade(url)
    return build_services(config)


def timed_import(services, path: Path, batch: int) -> tuple[float, object, int]:
    sampler = RssSampler()
    sampler.start()
    start = time.perf_counter()
    report = import_files(services, "bench", [path], batch_size=batch)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    return seconds, report, sampler.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--tracemalloc-records", type=int, default=20_000,
                        help="records of the separate tracemalloc run (it slows Python down ~3x)")
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        tmp_path = Path(tmp)
        marc = tmp_path / "records.mrc"
        t0 = time.perf_counter()
        broken = write_file(marc, args.records)
        write_s = time.perf_counter() - t0
        size_mb = marc.stat().st_size / 1e6
        print(f"wrote {args.records:,} records ({broken:,} broken) to {size_mb:.1f} MB in {write_s:.1f} s")

        def fresh_services(name: str):
            return open_services(tmp_path, args.database_url or f"sqlite:///{tmp_path / name}")

        services = fresh_services("bench.db")
        first_s, first, first_rss = timed_import(services, marc, args.batch)
        print(f"first import: {first_s:.1f} s, {args.records / first_s:,.0f} records/s, "
              f"created {first.created:,}, failed {first.failed:,}, peak RSS {first_rss / 1e6:.0f} MB")
        again_s, again, again_rss = timed_import(services, marc, args.batch)
        print(f"re-import: {again_s:.1f} s, {args.records / again_s:,.0f} records/s, unchanged {again.unchanged:,}")
        services.close()

        small = tmp_path / "small.mrc"
        write_file(small, args.tracemalloc_records)
        services = fresh_services("trace.db") if not args.database_url else fresh_services("x")
        tracemalloc.start()
        import_files(services, "bench", [small], batch_size=args.batch)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        services.close()
        print(f"tracemalloc peak over {args.tracemalloc_records:,} records: {traced_peak / 1e6:.1f} MB")
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        load = os.getloadavg()[0]

    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    section = f"""
## Catalogue import (MARC21) — {dt.date.today().isoformat()}

`python -m bench.catalogue.run --records {args.records} --batch {args.batch}` on {platform.machine()} / Python {platform.python_version()}, {backend}; {args.records:,} generated MARC21 records (Kazakh/Russian books with ISBN, 1 in 50 broken on purpose: reported and skipped) in one {size_mb:.1f} MB ISO 2709 file, imported streaming in batches of {args.batch} (crosswalk to DC, content hash, ISBN index, outbox rows). Load average at the end {load:.1f} on {os.cpu_count()} CPUs.

| run | records | seconds | records/s | created | unchanged | failed | peak RSS |
|---|---|---|---|---|---|---|---|
| first import | {args.records:,} | {first_s:.1f} | {args.records / first_s:,.0f} | {first.created:,} | {first.unchanged:,} | {first.failed:,} | {first_rss / 1e6:.0f} MB |
| re-import, same file | {args.records:,} | {again_s:.1f} | {args.records / again_s:,.0f} | {again.created:,} | {again.unchanged:,} | {again.failed:,} | {again_rss / 1e6:.0f} MB |

Peak Python allocations (tracemalloc) importing {args.tracemalloc_records:,} records: {traced_peak / 1e6:.1f} MB; process max RSS {max_rss:.0f} MB. The file is never held in memory (records are cut at their terminators as the file is read): memory depends on the batch size, not on the file.
"""
    print(section)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(section)


if __name__ == "__main__":
    main()
