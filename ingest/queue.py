"""Task queue for background ingest jobs: backends by name, the Job record, and the worker loop.

`open_queue("sqlite", path=<data_dir>/queue.db)` (the default) or `open_queue("redis", url=…, prefix=…)`;
then `enqueue` (web upload), `claim`/`update`/`finish`/`fail` (the worker, via `run_worker`),
`get`/`list` (the API), `requeue_stale` (periodically, e.g. by each worker between jobs).
See ingest/queue_base.py for the semantics, and the backend modules for how each keeps them.
"""

from __future__ import annotations

from typing import Any

from ingest.queue_base import (
    DEFAULT_MAX_ATTEMPTS, STATES, Job, JobLost, JobNotFound, JobQueue, ProgressCallback, QueueError,
)
from ingest.queue_redis import RedisQueue
from ingest.queue_sqlite import SqliteQueue
from ingest.queue_worker import Handler, run_worker

__all__ = [
    "BACKENDS", "DEFAULT_MAX_ATTEMPTS", "STATES", "Handler", "Job", "JobLost", "JobNotFound", "JobQueue",
    "ProgressCallback", "QueueError", "open_queue", "run_worker",
]

BACKENDS: dict[str, type[JobQueue]] = {"sqlite": SqliteQueue, "redis": RedisQueue}


def open_queue(backend: str, **options: Any) -> JobQueue:
    """A queue of the named backend: `sqlite` takes `path`; `redis` takes `url` (and optionally `prefix`).

    Nothing is opened until the first call.
    """
    try:
        cls = BACKENDS[backend]
    except KeyError:
        allowed = ", ".join(sorted(BACKENDS))
        raise QueueError(f"unknown queue backend {backend!r}; allowed: {allowed}") from None
    try:
        return cls(**options)
    except TypeError as exc:
        raise QueueError(f"bad options for queue backend {backend!r}: {exc}") from exc
