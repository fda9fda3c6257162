"""The task queue: one behavioural suite run on both backends (SQLite file; a real redis-server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.queue import Job, JobLost, JobNotFound, QueueError, open_queue, run_worker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.services)])
def backend(request, tmp_path):
    """(backend name, options): a fresh, empty queue for each test."""
    if request.param == "sqlite":
        return "sqlite", {"path": str(tmp_path / "queue.db")}
    return "redis", {"url": request.getfixturevalue("redis_url"), "prefix": f"test:{uuid.uuid4().hex}"}


@pytest.fixture
def queue(backend):
    name, options = backend
    q = open_queue(name, **options)
    yield q
    q.close()


# --- the job life cycle --------------------------------------------------------------------------


def test_enqueue_claim_progress_finish(queue):
    job_id = queue.enqueue("ingest", {"paths": ["/scans/1916"], "publish": False})
    queued = queue.get(job_id)
    assert (queued.state, queued.kind, queued.params, queued.worker, queued.attempts) == (
        "queued", "ingest", {"paths": ["/scans/1916"], "publish": False}, None, 0)
    assert queued.created.utcoffset().total_seconds() == 0

    job = queue.claim("worker-a", timeout_s=1)
    assert (job.id, job.state, job.worker, job.attempts) == (job_id, "running", "worker-a", 1)
    assert queue.claim("worker-b", timeout_s=0) is None  # nothing else queued

    queue.update(job_id, {"pages_done": 3, "pages": 10}, worker="worker-a")
    assert queue.get(job_id).progress == {"pages_done": 3, "pages": 10}
    queue.finish(job_id, {"items_ok": 1, "title": "Қазақ газеті"}, worker="worker-a")
    done = queue.get(job_id)
    assert (done.state, done.report, done.error) == ("done", {"items_ok": 1, "title": "Қазақ газеті"}, None)
    assert done.updated >= done.created
    assert done.to_json()["state"] == "done"


def test_jobs_are_claimed_oldest_first(queue):
    ids = [queue.enqueue("ingest", {"n": n}) for n in range(3)]
    assert [queue.claim("w").id for _ in ids] == ids


def test_failure_is_recorded(queue):
    job_id = queue.enqueue("ingest", {})
    queue.claim("w", timeout_s=1)
    queue.fail(job_id, "scan_0003.tif: truncated JPEG", {"items_failed": 1}, worker="w")
    job = queue.get(job_id)
    assert (job.state, job.error, job.report) == ("failed", "scan_0003.tif: truncated JPEG", {"items_failed": 1})


def test_a_queued_job_can_be_failed_and_is_then_never_claimed(queue):
    job_id = queue.enqueue("ingest", {})
    queue.fail(job_id, "cancelled by staff")
    assert queue.get(job_id).state == "failed"
    assert queue.claim("w", timeout_s=0.2) is None


def test_claim_waits_for_a_job_and_gives_up_after_the_timeout(queue):
    started = time.monotonic()
    assert queue.claim("w", timeout_s=0.5) is None
    assert 0.4 < time.monotonic() - started < 5

    threading.Timer(0.3, queue.enqueue, ("ingest", {"late": True})).start()
    job = queue.claim("w", timeout_s=5)
    assert job is not None and job.params == {"late": True}


def test_list_newest_first_and_by_state(queue):
    ids = [queue.enqueue("ingest", {"n": n}) for n in range(5)]
    running = queue.claim("w")
    queue.finish(running.id, {}, worker="w")
    assert [j.id for j in queue.list()] == ids[::-1]
    assert [j.id for j in queue.list(limit=2)] == ids[:-3:-1]
    assert [j.id for j in queue.list(state="done")] == [ids[0]]
    assert [j.id for j in queue.list(state="queued")] == ids[:0:-1]
    assert queue.list(state="failed") == []
    with pytest.raises(QueueError, match="unknown job state"):
        queue.list(state="paused")


def test_unknown_job_and_bad_arguments(queue):
    with pytest.raises(JobNotFound):
        queue.get("nope")
    for call in (lambda: queue.update("nope", {}), lambda: queue.finish("nope", {}), lambda: queue.fail("nope", "x")):
        with pytest.raises(JobNotFound):
            call()
    with pytest.raises(QueueError, match="JSON"):
        queue.enqueue("ingest", {"when": object()})
    with pytest.raises(QueueError, match="dict"):
        queue.enqueue("ingest", ["not", "a", "dict"])
    assert issubclass(QueueError, IngestError)


def test_a_worker_cannot_touch_a_job_it_does_not_hold(queue):
    job_id = queue.enqueue("ingest", {})
    with pytest.raises(JobLost):
        queue.update(job_id, {"x": 1})  # still queued
    queue.claim("w1")
    with pytest.raises(JobLost):
        queue.finish(job_id, {}, worker="w2")
    queue.finish(job_id, {}, worker="w1")
    with pytest.raises(JobLost):
        queue.fail(job_id, "too late", worker="w1")
    assert queue.get(job_id).state == "done"


# --- concurrency, crashes, persistence -------------------------------------------------------------


def test_concurrent_workers_never_claim_the_same_job(backend):
    name, options = backend
    producer = open_queue(name, **options)
    ids = {producer.enqueue("ingest", {"n": n}) for n in range(20)}
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def worker(worker_id: str) -> None:
        q = open_queue(name, **options)  # each worker its own connection, as separate processes have
        mine = claimed.setdefault(worker_id, [])
        start.wait()
        while (job := q.claim(worker_id, timeout_s=0.3)) is not None:
            mine.append(job.id)
        q.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [job_id for mine in claimed.values() for job_id in mine]
    assert len(everything) == len(set(everything)) == 20
    assert set(everything) == ids
    assert {producer.get(job_id).worker for job_id in ids} <= set(claimed)
    producer.close()


CLAIM_AND_HANG = """
import json, sys, time
from ingest.queue import open_queue
name, options = sys.argv[1], json.loads(sys.argv[2])
job = open_queue(name, **options).claim("doomed-worker", timeout_s=5)
print(job.id, flush=True)
time.sleep(60)
"""


def test_job_of_a_killed_worker_is_requeued(backend, queue):
    name, options = backend
    job_id = queue.enqueue("ingest", {"paths": ["big.pdf"]})
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_HANG, name, json.dumps(options)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout.readline().strip() == job_id
    finally:
        child.kill()  # SIGKILL: no clean-up, as when a machine or the OOM killer takes the worker
        child.wait()
    assert queue.get(job_id).state == "running"
    assert queue.requeue_stale(older_than_s=30) == 0  # a fresh heartbeat is not stale
    time.sleep(1.2)
    assert queue.requeue_stale(older_than_s=1) == 1
    requeued = queue.get(job_id)
    assert (requeued.state, requeued.worker) == ("queued", None)
    job = queue.claim("rescuer", timeout_s=1)
    assert (job.id, job.worker, job.attempts) == (job_id, "rescuer", 2)
    queue.finish(job_id, {"ok": True}, worker="rescuer")
    assert queue.requeue_stale(older_than_s=0) == 0


def test_heartbeats_keep_a_job_from_going_stale(queue):
    job_id = queue.enqueue("ingest", {})
    queue.claim("w")
    time.sleep(0.6)
    queue.heartbeat(job_id, worker="w")
    assert queue.requeue_stale(older_than_s=0.5) == 0
    assert queue.get(job_id).state == "running"


def test_a_job_that_keeps_killing_its_workers_is_failed(queue):
    job_id = queue.enqueue("ingest", {})
    for attempt in range(2):
        assert queue.claim(f"w{attempt}").id == job_id
        time.sleep(0.05)
        assert queue.requeue_stale(older_than_s=0, max_attempts=2) == (1 if attempt == 0 else 0)
    job = queue.get(job_id)
    assert job.state == "failed" and "2 times" in job.error
    assert queue.claim("w", timeout_s=0) is None


def test_the_old_worker_cannot_overwrite_the_new_owner(queue):
    job_id = queue.enqueue("ingest", {})
    queue.claim("slow")
    time.sleep(0.05)
    assert queue.requeue_stale(older_than_s=0) == 1
    queue.claim("fresh")
    with pytest.raises(JobLost):
        queue.finish(job_id, {"stale": True}, worker="slow")
    queue.finish(job_id, {"fresh": True}, worker="fresh")
    assert queue.get(job_id).report == {"fresh": True}


def test_state_survives_reopening_the_queue(backend):
    name, options = backend
    first = open_queue(name, **options)
    done_id = first.enqueue("ingest", {"n": 1})
    waiting_id = first.enqueue("ingest", {"n": 2})
    first.claim("w")
    first.finish(done_id, {"pages": 12}, worker="w")
    first.close()

    again = open_queue(name, **options)
    assert again.get(done_id).report == {"pages": 12}
    assert again.get(waiting_id).state == "queued"
    assert again.claim("w2").id == waiting_id
    again.close()


# --- the worker loop -----------------------------------------------------------------------------


def test_worker_runs_handlers_and_survives_a_failing_one(queue):
    ok_id = queue.enqueue("ingest", {"pages": 2})
    bad_id = queue.enqueue("ingest", {"pages": -1})
    unknown_id = queue.enqueue("reindex", {})
    after_id = queue.enqueue("ingest", {"pages": 1})

    def ingest(job: Job, progress) -> dict:
        if job.params["pages"] < 0:
            raise ValueError("page count must not be negative")
        for done in range(1, job.params["pages"] + 1):
            progress({"pages_done": done})
        return {"pages": job.params["pages"]}

    handled = run_worker(queue, {"ingest": ingest}, "worker-1", stop_after=4, poll_s=0.2)
    assert handled == 4
    ok = queue.get(ok_id)
    assert (ok.state, ok.report, ok.progress) == ("done", {"pages": 2}, {"pages_done": 2})
    bad = queue.get(bad_id)
    assert (bad.state, bad.error) == ("failed", "ValueError: page count must not be negative")
    unknown = queue.get(unknown_id)
    assert unknown.state == "failed" and "no handler for job kind 'reindex'" in unknown.error
    assert queue.get(after_id).state == "done"


def test_worker_fails_a_job_whose_handler_returns_no_dict(queue):
    job_id = queue.enqueue("ingest", {})
    run_worker(queue, {"ingest": lambda job, progress: "ok"}, "w", stop_after=1, poll_s=0.2)
    assert "not a dict" in queue.get(job_id).error


def test_worker_sends_heartbeats_while_a_handler_runs(queue):
    job_id = queue.enqueue("ingest", {})
    seen = {}

    def slow(job: Job, progress) -> dict:
        time.sleep(0.8)
        seen["stale"] = queue.requeue_stale(older_than_s=0.5)  # beats every 0.1 s: never stale
        return {}

    run_worker(queue, {"ingest": slow}, "w", stop_after=1, poll_s=0.2, heartbeat_s=0.1)
    assert seen["stale"] == 0
    assert queue.get(job_id).state == "done"


def test_worker_stops_when_asked(queue):
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    assert run_worker(queue, {}, "w", poll_s=0.1, stop=stop) == 0
    assert time.monotonic() - started < 5


WORKER_UNTIL_SIGTERM = """
import json, sys, time
from ingest.queue import open_queue, run_worker
name, options = sys.argv[1], json.loads(sys.argv[2])
def slow(job, progress):
    print("started", flush=True)
    time.sleep(1.0)
    return {"finished": True}
print("handled", run_worker(open_queue(name, **options), {"ingest": slow}, "w", poll_s=0.2), flush=True)
"""


def test_sigterm_lets_the_current_job_finish_then_stops(backend, queue):
    name, options = backend
    job_id = queue.enqueue("ingest", {})
    child = subprocess.Popen(
        [sys.executable, "-c", WORKER_UNTIL_SIGTERM, name, json.dumps(options)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout.readline().strip() == "started"
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0
    assert out.strip() == "handled 1"
    assert queue.get(job_id).report == {"finished": True}


def test_registry_names_the_allowed_backends(tmp_path):
    with pytest.raises(QueueError, match="allowed: redis, sqlite"):
        open_queue("rabbitmq")
    with pytest.raises(QueueError, match="bad options"):
        open_queue("sqlite", file=tmp_path / "q.db")


@pytest.mark.services
def test_redis_job_taken_but_never_marked_running_is_recovered(redis_url):
    """A worker dying between BLMOVE and marking the job running leaves it in limbo; it comes back."""
    import redis

    prefix = f"test:{uuid.uuid4().hex}"
    queue = open_queue("redis", url=redis_url, prefix=prefix)
    job_id = queue.enqueue("ingest", {})
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.lmove(f"{prefix}:pending", f"{prefix}:processing", "RIGHT", "LEFT") == job_id  # then "dies"
    assert queue.claim("w", timeout_s=0) is None
    assert queue.requeue_stale(older_than_s=0.3) == 0  # first sight: noted, not yet moved
    time.sleep(0.5)
    assert queue.requeue_stale(older_than_s=0.3) == 1
    job = queue.claim("w", timeout_s=1)
    assert (job.id, job.attempts) == (job_id, 1)
    client.close()
    queue.close()
