"""`python -m bench.ingest [options]`: see bench/ingest/run.py.

Run as a package's `__main__`, the pool's workers do not import the benchmark again (multiprocessing
re-runs a `python -m pkg.module` main module in every worker, which the `olketanu` command does not
cost either: its script is preloaded once in the forkserver).
"""
from bench.ingest.run import main

if __name__ == "__main__":
    raise SystemExit(main())
