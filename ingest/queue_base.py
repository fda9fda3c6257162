"""The task-queue interface shared by its backends (SQLite, Redis), and the Job record it returns.

Life of a job: `queued` → (claimed by a worker) `running` → `done` or `failed`. A running job whose worker
stops sending heartbeats (the process died, the machine went away) is put back to `queued` by
`requeue_stale`, or failed once it has been claimed `max_attempts` times (a job that kills every worker
that touches it must not loop forever).

Calls that change a running job (`update`, `heartbeat`, `finish`, `fail`) may name the worker; if the job
has meanwhile been re-queued and claimed by another worker, they raise JobLost instead of overwriting the
new owner's state.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.errors import IngestError

STATES = ("queued", "running", "done", "failed")
DEFAULT_MAX_ATTEMPTS = 3

ProgressCallback = Callable[[dict[str, Any]], None]


class QueueError(IngestError):
    """Root of task-queue failures (backend unreachable, bad arguments, unknown job)."""


class JobNotFound(QueueError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class JobLost(QueueError):
    """The job is no longer running under this worker (re-queued, claimed by another, or finished)."""

    def __init__(self, job_id: str, worker: str | None) -> None:
        super().__init__(f"job {job_id!r} is no longer running under worker {worker!r}")
        self.job_id = job_id
        self.worker = worker


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    state: str
    progress: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None
    created: datetime  # timezone-aware, UTC
    updated: datetime
    worker: str | None
    attempts: int = 0  # how many times it was claimed

    def to_json(self) -> dict[str, Any]:
        """For the REST API."""
        return {
            "id": self.id, "kind": self.kind, "params": self.params, "state": self.state,
            "progress": self.progress, "report": self.report, "error": self.error,
            "created": self.created.isoformat(), "updated": self.updated.isoformat(),
            "worker": self.worker, "attempts": self.attempts,
        }


class JobQueue(ABC):
    @abstractmethod
    def enqueue(self, kind: str, params: dict[str, Any]) -> str:
        """Add a job (params must be JSON-able); returns its id."""

    @abstractmethod
    def claim(self, worker_id: str, timeout_s: float = 0.0) -> Job | None:
        """The oldest queued job, now running under `worker_id`; None if none came within `timeout_s`.

        Atomic: a job is handed to exactly one worker, however many claim at once.
        """

    @abstractmethod
    def update(self, job_id: str, progress: dict[str, Any], worker: str | None = None) -> None:
        """Replace the running job's progress (also counts as a heartbeat)."""

    @abstractmethod
    def heartbeat(self, job_id: str, worker: str | None = None) -> None:
        """Tell the queue the running job's worker is alive."""

    @abstractmethod
    def finish(self, job_id: str, report: dict[str, Any], worker: str | None = None) -> None:
        """Mark the running job done with its report."""

    @abstractmethod
    def fail(self, job_id: str, error: str, report: dict[str, Any] | None = None, worker: str | None = None) -> None:
        """Mark the job failed with a message for staff (and whatever report it has)."""

    @abstractmethod
    def get(self, job_id: str) -> Job:
        """The job, whatever its state; JobNotFound if unknown."""

    @abstractmethod
    def list(self, limit: int = 50, state: str | None = None) -> list[Job]:
        """The newest jobs first, optionally only those in `state`."""

    @abstractmethod
    def requeue_stale(self, older_than_s: float, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        """Put back running jobs without a heartbeat for `older_than_s`; returns how many were re-queued.

        A stale job already claimed `max_attempts` times is failed instead (and not counted).
        """

    def close(self) -> None:
        """Release connections (the queue object must not be used afterwards)."""


def check_state(state: str | None) -> None:
    if state is not None and state not in STATES:
        raise QueueError(f"unknown job state {state!r}; allowed: {', '.join(STATES)}")


def check_limit(limit: int) -> None:
    if limit < 1:
        raise QueueError(f"limit must be at least 1, not {limit}")


def to_json_text(value: Any, what: str) -> str:
    """JSON text of params/progress/report; QueueError if it is not JSON-able (it must survive storage)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise QueueError(f"job {what} must be JSON-serialisable: {exc}") from exc


def check_dict(value: Any, what: str) -> None:
    if not isinstance(value, dict):
        raise QueueError(f"job {what} must be a dict, not {type(value).__name__}")


def stale_error(attempts: int) -> str:
    return f"its worker stopped responding {attempts} times; not retried again"
