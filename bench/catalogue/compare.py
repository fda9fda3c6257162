"""First import before and after a change to the catalogue's write path, in one process, interleaved.

    .venv/bin/python -m bench.catalogue.compare --records 20000 --rounds 3
    .venv/bin/python -m bench.catalogue.compare --records 20000 --database-url postgresql+psycopg://…

The baseline is `repository/catalogue.py` as it was at `--baseline` (read with `git show`, loaded as a
module of its own); only its `write_batch` stands in for the current one, so reading, hashing and the
crosswalk are the same code in both. Runs alternate baseline / current on the same generated file (the
benchmark's, bench/catalogue/run.py), each into an empty database, so a busy neighbour on a shared
machine slows both alike; the ratio of the medians is the number to trust, not the records/s. This
process's CPU time is reported beside the wall time: a neighbour's load barely moves it (on SQLite it is
all the work; on PostgreSQL the server's share is not in it).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import delete

import repository.catalogue as current
from bench.catalogue.run import open_services, write_file
from repository.marc_import import ImportReport
from repository.models import CatalogueIsbn, CatalogueLink, CatalogueRecord, SearchOutbox

ROOT = Path(__file__).resolve().parents[2]
# The last revision whose import wrote an ORM object per record, ISBN and outbox row.
PER_RECORD_ORM = "41d2dcd"


def load_baseline(revision: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{revision}:repository/catalogue.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = ModuleType("catalogue_baseline")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the class is built
    exec(compile(source, f"{revision}:repository/catalogue.py", "exec"), module.__dict__)
    return module


def empty(services) -> None:
    """A database given by URL is reused: its catalogue tables are emptied before each run."""
    with services.db.transaction() as session:
        for model in (CatalogueLink, CatalogueIsbn, CatalogueRecord, SearchOutbox):
            session.execute(delete(model))


@dataclass(frozen=True)
class Run:
    first_s: float  # wall time of the first import
    first_cpu_s: float  # this process's CPU time during it
    again_s: float  # wall time of the re-import (all unchanged)
    again_cpu_s: float
    created: int
    failed: int


def timed(services, path: Path, batch: int) -> tuple[float, float, ImportReport]:
    start, start_cpu = time.perf_counter(), time.process_time()
    report = current.import_files(services, "bench", [path], batch_size=batch)
    return time.perf_counter() - start, time.process_time() - start_cpu, report


def one_run(tmp_path: Path, url: str, name: str, marc: Path, batch: int) -> Run:
    services = open_services(tmp_path, url or f"sqlite:///{tmp_path / name}")
    try:
        if url:
            empty(services)
        first_s, first_cpu_s, first = timed(services, marc, batch)
        again_s, again_cpu_s, again = timed(services, marc, batch)
    finally:
        services.close()
    if again.unchanged != first.created:
        raise RuntimeError(f"the re-import left {again.unchanged} of {first.created} records unchanged")
    return Run(first_s, first_cpu_s, again_s, again_cpu_s, first.created, first.failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=PER_RECORD_ORM, help="git revision of the code to compare with")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file per run")
    args = parser.parse_args()

    baseline = load_baseline(args.baseline)
    new_write_batch = current.write_batch
    variants = {"baseline": baseline.write_batch, "current": new_write_batch}
    runs: dict[str, list[Run]] = {name: [] for name in variants}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="compare-catalogue-") as tmp:
        tmp_path = Path(tmp)
        marc = tmp_path / "records.mrc"
        write_file(marc, args.records)
        for round_ in range(args.rounds):
            for name, write_batch in variants.items():
                current.write_batch = write_batch
                try:
                    run = one_run(tmp_path, args.database_url, f"{name}-{round_}.db", marc, args.batch)
                finally:
                    current.write_batch = new_write_batch
                runs[name].append(run)
                print(f"round {round_ + 1} {name:8}: first {run.first_s:6.2f} s ({args.records / run.first_s:,.0f}/s, "
                      f"CPU {run.first_cpu_s:5.2f} s), re-import {run.again_s:5.2f} s (CPU {run.again_cpu_s:4.2f} s); created {run.created:,}, "
                      f"failed {run.failed:,}", flush=True)
    load_after = os.getloadavg()

    print(f"\n{args.records:,} records, batches of {args.batch}, {args.rounds} rounds, "
          f"{'PostgreSQL' if args.database_url.startswith('postgresql') else 'SQLite'}; baseline {args.baseline}; "
          f"load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
          f"after {'/'.join(f'{x:.2f}' for x in load_after)} on {os.cpu_count()} CPUs")
    print("| code | first import, wall s (median, range) | records/s | CPU s (median, range) | "
          "re-import, wall s (median) | records/s | CPU s (median) |")
    print("|---|---|---|---|---|---|---|")
    wall, cpu = {}, {}
    for name, done in runs.items():
        firsts, cpus, agains = [r.first_s for r in done], [r.first_cpu_s for r in done], [r.again_s for r in done]
        wall[name], cpu[name], again = statistics.median(firsts), statistics.median(cpus), statistics.median(agains)
        again_cpu = statistics.median(r.again_cpu_s for r in done)
        print(f"| {name} | {wall[name]:.2f} ({min(firsts):.2f}–{max(firsts):.2f}) | {args.records / wall[name]:,.0f} | "
              f"{cpu[name]:.2f} ({min(cpus):.2f}–{max(cpus):.2f}) | {again:.2f} | {args.records / again:,.0f} | "
              f"{again_cpu:.2f} |")
    print(f"first import, current / baseline speed: wall {wall['baseline'] / wall['current']:.2f}x, "
          f"CPU {cpu['baseline'] / cpu['current']:.2f}x")


if __name__ == "__main__":
    main()
