"""The worker loop (`olketanu worker`): claim a job, run its kind's handler, record the outcome.

A handler that raises fails only its own job (the message is stored for staff, the traceback logged) and
the worker goes on. SIGTERM lets the current job finish, then the loop ends; a worker killed outright
leaves its job running without heartbeats, for `requeue_stale` to put back.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ingest.queue_base import Job, JobLost, JobQueue, ProgressCallback

log = logging.getLogger(__name__)

Handler = Callable[[Job, ProgressCallback], dict[str, Any]]
DEFAULT_HEARTBEAT_S = 30.0


def run_worker(
    queue: JobQueue,
    handlers: Mapping[str, Handler],
    worker_id: str,
    stop_after: int | None = None,
    poll_s: float = 1.0,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    stop: threading.Event | None = None,
) -> int:
    """Run jobs until `stop_after` jobs were handled, `stop` is set, or SIGTERM; returns the count handled."""
    stop = stop or threading.Event()
    handled = 0
    with _stop_on_sigterm(stop):
        while not stop.is_set() and (stop_after is None or handled < stop_after):
            job = queue.claim(worker_id, timeout_s=poll_s)
            if job is None:
                continue
            _run_one(queue, handlers, worker_id, job, heartbeat_s)
            handled += 1
    return handled


def _run_one(queue: JobQueue, handlers: Mapping[str, Handler], worker_id: str, job: Job, heartbeat_s: float) -> None:
    handler = handlers.get(job.kind)
    if handler is None:
        known = ", ".join(sorted(handlers)) or "none"
        _record(queue.fail, job, worker_id, f"no handler for job kind {job.kind!r} (this worker runs: {known})")
        return

    def progress(values: dict[str, Any]) -> None:
        queue.update(job.id, values, worker=worker_id)

    with _heartbeat(queue, job.id, worker_id, heartbeat_s):
        try:
            report = handler(job, progress)
        except JobLost:
            log.warning("job %s was taken away from worker %s while running; its result is dropped", job.id, worker_id)
            return
        except Exception as exc:
            # The job fails with the message; the worker lives on for the next job.
            log.exception("job %s (%s) failed", job.id, job.kind)
            _record(queue.fail, job, worker_id, f"{type(exc).__name__}: {exc}")
            return
    if not isinstance(report, dict):
        _record(queue.fail, job, worker_id, f"handler for {job.kind!r} returned {type(report).__name__}, not a dict")
        return
    _record(queue.finish, job, worker_id, report)


def _record(outcome: Callable[..., None], job: Job, worker_id: str, value: Any) -> None:
    try:
        outcome(job.id, value, worker=worker_id)
    except JobLost:
        # Re-queued (we looked dead) and possibly claimed elsewhere: the new owner's record wins.
        log.warning("job %s no longer belongs to worker %s; outcome not recorded", job.id, worker_id)


class _heartbeat:
    """Context manager: a thread sending heartbeats for the job while its handler runs."""

    def __init__(self, queue: JobQueue, job_id: str, worker_id: str, every_s: float) -> None:
        self._queue, self._job_id, self._worker_id, self._every_s = queue, job_id, worker_id, every_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(self._every_s):
            try:
                self._queue.heartbeat(self._job_id, worker=self._worker_id)
            except JobLost:
                log.warning("job %s no longer belongs to worker %s; heartbeats stop", self._job_id, self._worker_id)
                return
            except Exception:
                # A transient queue error must not kill the job; the next beat tries again, and if the
                # queue stays away the job goes stale and is re-queued, which is the right outcome.
                log.exception("heartbeat for job %s failed", self._job_id)


class _stop_on_sigterm:
    """Sets `stop` on SIGTERM while the loop runs (only possible from the main thread)."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._on_sigterm)
            self._installed = True

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)

    def _on_sigterm(self, signum: int, frame: object) -> None:
        log.info("SIGTERM: finishing the current job, then stopping")
        self._stop.set()
