"""Task queue on Redis, for workers on several machines.

Keys (under `prefix`): `<prefix>:job:<id>` a hash per job; `<prefix>:pending` the queued ids (new ones
pushed on the left, claimed from the right: FIFO); `<prefix>:processing` the ids handed to workers;
`<prefix>:jobs` a sorted set of every id by enqueue order (for listing); `<prefix>:limbo` see below.

A claim is a BLMOVE from pending to processing: Redis hands each id to exactly one client, and the
blocking wait costs an idle worker nothing. A small Lua script then marks the job running. If the worker
dies between the two steps, the id sits in processing while its state is still `queued` ("limbo");
`requeue_stale` notes such ids on first sight and puts them back once they have stayed there for
`older_than_s`. All state changes are Lua scripts (atomic on the server), and every timestamp comes from
the Redis server's clock, so workers on machines with skewed clocks still agree on staleness.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import redis

from ingest.queue_base import (
    DEFAULT_MAX_ATTEMPTS, Job, JobLost, JobNotFound, JobQueue, QueueError, check_dict, check_limit,
    check_state, to_json_text,
)

MAX_BLOCK_S = 5.0  # one blocking call's wait; shorter than the socket timeout below
SOCKET_TIMEOUT_S = 30.0
_NOW = "local t = redis.call('TIME') local now = string.format('%.6f', t[1] + t[2] / 1000000)\n"

_ENQUEUE = _NOW + """
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'kind', ARGV[2], 'params', ARGV[3], 'state', 'queued',
           'progress', '{}', 'report', 'null', 'created', now, 'updated', now, 'attempts', 0)
redis.call('ZADD', KEYS[3], seq, ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[1])
return 1
"""

# KEYS: job, processing, limbo   ARGV: id, worker
_MARK_RUNNING = _NOW + """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' or not redis.call('LPOS', KEYS[2], ARGV[1]) then
  -- failed/cancelled while queued, or already put back by requeue_stale: not ours to run
  redis.call('LREM', KEYS[2], 0, ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[2], 'heartbeat', now, 'updated', now,
           'progress', '{}')
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
"""

# KEYS: job, processing   ARGV: id, worker ('' = any), final state ('' = still running), field, value, ...
_CHANGE_RUNNING = _NOW + """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local state, worker = unpack(redis.call('HMGET', KEYS[1], 'state', 'worker'))
if state ~= 'running' or (ARGV[2] ~= '' and worker ~= ARGV[2]) then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'heartbeat', now, 'updated', now)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'state', ARGV[3])
  redis.call('LREM', KEYS[2], 0, ARGV[1])
end
return 1
"""

# KEYS: job, pending, processing   ARGV: id, error, report
_FAIL_ANY = _NOW + """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'error', ARGV[2], 'report', ARGV[3], 'updated', now)
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('LREM', KEYS[3], 0, ARGV[1])
return 1
"""

# KEYS: processing, pending, limbo   ARGV: job key prefix, older_than_s, max_attempts
_REQUEUE_STALE = _NOW + """
local cutoff = tonumber(now) - tonumber(ARGV[2])
local requeued = 0
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  local state, heartbeat, attempts = unpack(redis.call('HMGET', key, 'state', 'heartbeat', 'attempts'))
  if state == 'running' then
    if tonumber(heartbeat) < cutoff then
      redis.call('LREM', KEYS[1], 0, id)
      if tonumber(attempts) >= tonumber(ARGV[3]) then
        redis.call('HSET', key, 'state', 'failed', 'updated', now,
                   'error', 'its worker stopped responding ' .. attempts .. ' times; not retried again')
      else
        redis.call('HSET', key, 'state', 'queued', 'updated', now)
        redis.call('HDEL', key, 'worker', 'heartbeat')
        redis.call('RPUSH', KEYS[2], id)  -- the right end: next in line, it has waited longest
        requeued = requeued + 1
      end
    end
  elseif state == 'queued' then
    local seen = redis.call('HGET', KEYS[3], id)
    if not seen then
      redis.call('HSET', KEYS[3], id, now)
    elseif tonumber(seen) < cutoff then
      redis.call('LREM', KEYS[1], 0, id)
      redis.call('HDEL', KEYS[3], id)
      redis.call('RPUSH', KEYS[2], id)
      requeued = requeued + 1
    end
  else
    -- done, failed or gone: nothing to recover, just tidy the list
    redis.call('LREM', KEYS[1], 0, id)
    redis.call('HDEL', KEYS[3], id)
  end
end
return requeued
"""


class RedisQueue(JobQueue):
    def __init__(self, url: str, prefix: str = "olketanu:queue") -> None:
        self.url = url
        self.prefix = prefix
        # No I/O here: redis-py connects on the first command.
        self._redis = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=10, socket_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=30,
        )
        self._pending = f"{prefix}:pending"
        self._processing = f"{prefix}:processing"
        self._jobs = f"{prefix}:jobs"
        self._limbo = f"{prefix}:limbo"
        self._seq = f"{prefix}:seq"
        self._enqueue = self._redis.register_script(_ENQUEUE)
        self._mark_running = self._redis.register_script(_MARK_RUNNING)
        self._change_running = self._redis.register_script(_CHANGE_RUNNING)
        self._fail_any = self._redis.register_script(_FAIL_ANY)
        self._requeue_stale = self._redis.register_script(_REQUEUE_STALE)

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise QueueError(f"job queue at {self._redacted_url()}: {exc}") from exc

    def _redacted_url(self) -> str:
        # The URL may carry a password; messages end up in logs.
        scheme, sep, rest = self.url.partition("://")
        return f"{scheme}{sep}{rest.rpartition('@')[2]}"

    # --- producing ---------------------------------------------------------------------------------

    def enqueue(self, kind: str, params: dict[str, Any]) -> str:
        if not kind:
            raise QueueError("job kind must not be empty")
        check_dict(params, "params")
        job_id = uuid.uuid4().hex
        with self._errors():
            self._enqueue(
                keys=[self._key(job_id), self._pending, self._jobs, self._seq],
                args=[job_id, kind, to_json_text(params, "params")],
            )
        return job_id

    # --- working -----------------------------------------------------------------------------------

    def claim(self, worker_id: str, timeout_s: float = 0.0) -> Job | None:
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            remaining = deadline - time.monotonic()
            with self._errors():
                if remaining <= 0:
                    job_id = self._redis.lmove(self._pending, self._processing, "RIGHT", "LEFT")
                else:
                    job_id = self._redis.blmove(
                        self._pending, self._processing, min(remaining, MAX_BLOCK_S), "RIGHT", "LEFT"
                    )
                if job_id is not None:
                    marked = self._mark_running(
                        keys=[self._key(job_id), self._processing, self._limbo], args=[job_id, worker_id]
                    )
                    if marked == 1:
                        return self.get(job_id)
            if job_id is None and remaining <= 0:
                return None

    def update(self, job_id: str, progress: dict[str, Any], worker: str | None = None) -> None:
        check_dict(progress, "progress")
        self._change(job_id, worker, "", {"progress": to_json_text(progress, "progress")})

    def heartbeat(self, job_id: str, worker: str | None = None) -> None:
        self._change(job_id, worker, "", {})

    def finish(self, job_id: str, report: dict[str, Any], worker: str | None = None) -> None:
        check_dict(report, "report")
        self._change(job_id, worker, "done", {"report": to_json_text(report, "report")})

    def fail(self, job_id: str, error: str, report: dict[str, Any] | None = None, worker: str | None = None) -> None:
        report_text = to_json_text(report, "report")
        if worker is None:
            # Without a worker, staff or the API may fail a job that is still queued (e.g. cancelled).
            with self._errors():
                result = self._fail_any(
                    keys=[self._key(job_id), self._pending, self._processing], args=[job_id, error, report_text]
                )
            if result == -1:
                raise JobNotFound(job_id)
            return
        self._change(job_id, worker, "failed", {"error": error, "report": report_text})

    def _change(self, job_id: str, worker: str | None, final: str, fields: dict[str, str]) -> None:
        args = [job_id, worker or "", final]
        for name, value in fields.items():
            args += [name, value]
        with self._errors():
            result = self._change_running(keys=[self._key(job_id), self._processing], args=args)
        if result == -1:
            raise JobNotFound(job_id)
        if result == 0:
            raise JobLost(job_id, worker)

    # --- reading -----------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        with self._errors():
            fields = self._redis.hgetall(self._key(job_id))
        if not fields:
            raise JobNotFound(job_id)
        return _job(fields)

    def list(self, limit: int = 50, state: str | None = None) -> list[Job]:
        check_state(state)
        check_limit(limit)
        found: list[Job] = []
        start, batch = 0, max(limit, 100)
        with self._errors():
            while len(found) < limit:
                ids = self._redis.zrevrange(self._jobs, start, start + batch - 1)
                if not ids:
                    break
                pipe = self._redis.pipeline(transaction=False)
                for job_id in ids:
                    pipe.hgetall(self._key(job_id))
                for fields in pipe.execute():
                    if fields and (state is None or fields["state"] == state):
                        found.append(_job(fields))
                start += batch
        return found[:limit]

    # --- recovery ----------------------------------------------------------------------------------

    def requeue_stale(self, older_than_s: float, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        with self._errors():
            return int(
                self._requeue_stale(
                    keys=[self._processing, self._pending, self._limbo],
                    args=[f"{self.prefix}:job:", older_than_s, max_attempts],
                )
            )

    def close(self) -> None:
        self._redis.close()


def _job(fields: dict[str, str]) -> Job:
    return Job(
        id=fields["id"],
        kind=fields["kind"],
        params=json.loads(fields["params"]),
        state=fields["state"],
        progress=json.loads(fields.get("progress", "{}")),
        report=json.loads(fields.get("report", "null")),
        error=fields.get("error"),
        created=_utc(fields["created"]),
        updated=_utc(fields["updated"]),
        worker=fields.get("worker"),
        attempts=int(fields.get("attempts", 0)),
    )


def _utc(epoch: str) -> datetime:
    return datetime.fromtimestamp(float(epoch), tz=timezone.utc)
