"""Task queue in one SQLite file (the default): no server, enough for the workers of one machine.

WAL mode lets readers (the API) run while a worker writes. A claim is one `BEGIN IMMEDIATE` transaction
(select the oldest queued job, mark it running), so two workers can never take the same job: the second
waits for the first's write lock and then sees the job as running. Each call opens its own connection,
which makes one JobQueue object safe to share between threads (a worker and its heartbeat thread).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ingest.queue_base import (
    DEFAULT_MAX_ATTEMPTS, Job, JobLost, JobNotFound, JobQueue, QueueError, check_dict, check_limit,
    check_state, stale_error, to_json_text,
)

BUSY_TIMEOUT_S = 30.0  # how long a call waits for another process's write lock before failing
MIN_POLL_S = 0.05
MAX_POLL_S = 0.5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,  -- claim order (FIFO)
    id        TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL,
    params    TEXT NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress  TEXT NOT NULL DEFAULT '{}',
    report    TEXT,
    error     TEXT,
    created   REAL NOT NULL,
    updated   REAL NOT NULL,
    worker    TEXT,
    heartbeat REAL,
    attempts  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state_seq ON jobs (state, seq);
"""


class SqliteQueue(JobQueue):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._ready = False

    # --- connection --------------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise QueueError(f"cannot create the folder of job queue {self.path}: {exc}") from exc
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise QueueError(f"cannot open job queue {self.path}: {exc}") from exc
        try:
            conn.row_factory = sqlite3.Row
            if not self._ready:
                self._create(conn)
            yield conn
        except sqlite3.Error as exc:
            raise QueueError(f"job queue {self.path}: {exc}") from exc
        finally:
            conn.close()

    def _create(self, conn: sqlite3.Connection) -> None:
        # Schema and WAL are persistent properties of the file; done once per queue object, lazily,
        # so that constructing a queue touches nothing on disk.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        self._ready = True

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not at the first UPDATE
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- producing ---------------------------------------------------------------------------------

    def enqueue(self, kind: str, params: dict[str, Any]) -> str:
        if not kind:
            raise QueueError("job kind must not be empty")
        check_dict(params, "params")
        params_text = to_json_text(params, "params")
        job_id = uuid.uuid4().hex
        now = time.time()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO jobs (id, kind, params, state, created, updated) VALUES (?, ?, ?, 'queued', ?, ?)",
                (job_id, kind, params_text, now, now),
            )
        return job_id

    # --- working -----------------------------------------------------------------------------------

    def claim(self, worker_id: str, timeout_s: float = 0.0) -> Job | None:
        deadline = time.monotonic() + max(timeout_s, 0.0)
        pause = MIN_POLL_S
        while True:
            job = self._claim_once(worker_id)
            remaining = deadline - time.monotonic()
            if job is not None or remaining <= 0:
                return job
            # SQLite cannot block on "a row appeared": poll, backing off to keep an idle worker cheap.
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, MAX_POLL_S)

    def _claim_once(self, worker_id: str) -> Job | None:
        with self._transaction() as conn:
            row = conn.execute("SELECT seq FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                return None
            now = time.time()
            conn.execute(
                "UPDATE jobs SET state = 'running', worker = ?, heartbeat = ?, updated = ?, attempts = attempts + 1,"
                " progress = '{}' WHERE seq = ?",
                (worker_id, now, now, row["seq"]),
            )
            return _job(conn.execute("SELECT * FROM jobs WHERE seq = ?", (row["seq"],)).fetchone())

    def update(self, job_id: str, progress: dict[str, Any], worker: str | None = None) -> None:
        check_dict(progress, "progress")
        self._change_running(job_id, worker, "progress = ?", (to_json_text(progress, "progress"),))

    def heartbeat(self, job_id: str, worker: str | None = None) -> None:
        self._change_running(job_id, worker, "", ())

    def finish(self, job_id: str, report: dict[str, Any], worker: str | None = None) -> None:
        check_dict(report, "report")
        self._change_running(job_id, worker, "state = 'done', report = ?", (to_json_text(report, "report"),))

    def fail(self, job_id: str, error: str, report: dict[str, Any] | None = None, worker: str | None = None) -> None:
        report_text = None if report is None else to_json_text(report, "report")
        if worker is None:
            # Without a worker, staff or the API may fail a job that is still queued (e.g. cancelled).
            with self._transaction() as conn:
                _require(conn, job_id)
                conn.execute(
                    "UPDATE jobs SET state = 'failed', error = ?, report = ?, updated = ? WHERE id = ?",
                    (error, report_text, time.time(), job_id),
                )
            return
        self._change_running(job_id, worker, "state = 'failed', error = ?, report = ?", (error, report_text))

    def _change_running(self, job_id: str, worker: str | None, assignments: str, values: tuple) -> None:
        now = time.time()
        sets = f"{assignments + ', ' if assignments else ''}heartbeat = ?, updated = ?"
        with self._transaction() as conn:
            row = _require(conn, job_id)
            if row["state"] != "running" or (worker is not None and row["worker"] != worker):
                raise JobLost(job_id, worker)
            conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?", (*values, now, now, job_id))

    # --- reading -----------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        with self._connect() as conn:
            return _job(_require(conn, job_id))

    def list(self, limit: int = 50, state: str | None = None) -> list[Job]:
        check_state(state)
        check_limit(limit)
        with self._connect() as conn:
            if state is None:
                rows = conn.execute("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM jobs WHERE state = ? ORDER BY seq DESC LIMIT ?", (state, limit)
                ).fetchall()
        return [_job(row) for row in rows]

    # --- recovery ----------------------------------------------------------------------------------

    def requeue_stale(self, older_than_s: float, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        now = time.time()
        cutoff = now - older_than_s
        with self._transaction() as conn:
            stale = conn.execute(
                "SELECT seq, attempts FROM jobs WHERE state = 'running' AND heartbeat < ?", (cutoff,)
            ).fetchall()
            requeued = 0
            for row in stale:
                if row["attempts"] >= max_attempts:
                    conn.execute(
                        "UPDATE jobs SET state = 'failed', error = ?, updated = ? WHERE seq = ?",
                        (stale_error(row["attempts"]), now, row["seq"]),
                    )
                else:
                    conn.execute(
                        "UPDATE jobs SET state = 'queued', worker = NULL, heartbeat = NULL, updated = ?"
                        " WHERE seq = ?",
                        (now, row["seq"]),
                    )
                    requeued += 1
        return requeued


def _require(conn: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise JobNotFound(job_id)
    return row


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        state=row["state"],
        progress=json.loads(row["progress"]),
        report=None if row["report"] is None else json.loads(row["report"]),
        error=row["error"],
        created=_utc(row["created"]),
        updated=_utc(row["updated"]),
        worker=row["worker"],
        attempts=row["attempts"],
    )


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
