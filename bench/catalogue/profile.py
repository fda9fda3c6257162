"""Where a first catalogue import spends its time: cProfile over one import into a fresh SQLite.

    .venv/bin/python -m bench.catalogue.profile --records 20000 [--sort tottime] [--top 40]

The records are the benchmark's own (bench/catalogue/run.py); the file is written before profiling
starts, so only `import_files` is measured.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
from pathlib import Path

from bench.catalogue.run import open_services, write_file
from repository.catalogue import import_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-catalogue-") as tmp:
        tmp_path = Path(tmp)
        marc = tmp_path / "records.mrc"
        write_file(marc, args.records)
        services = open_services(tmp_path, args.database_url or f"sqlite:///{tmp_path / 'profile.db'}")
        profiler = cProfile.Profile()
        profiler.enable()
        report = import_files(services, "bench", [marc], batch_size=args.batch)
        profiler.disable()
        services.close()
    print(f"created {report.created:,}, failed {report.failed:,}")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
