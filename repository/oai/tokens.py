"""Resumption tokens: stateless keyset cursors, signed so they cannot be forged.

A token carries everything needed to continue a list — the request (verb, metadataPrefix, set, from,
until), the sort key of the last record sent, the cursor (records sent before the next page), the
completeListSize counted when the list started, when it started and when this token was issued — and
an HMAC-SHA256 over all of it. Nothing is stored on the server, so a token survives a restart (and works
on any worker of a cluster) as long as the secret key stays the same; the key is derived from the app's
secret key, so changing that key invalidates outstanding tokens, as it should.

The sort key is `(source, local id)`: the position in the list is *where*, not *how many*, so the
next page is `WHERE id > :last ORDER BY id LIMIT n` on the primary key — as cheap on the last page as
on the first, and unaffected by records added or removed before the cursor.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from repository.oai.errors import OAIError

VERSION = 1
_CONTEXT = b"olketanu oai-pmh resumption token v1"


@dataclass(frozen=True)
class ListState:
    """Where a list request stands; what a token encodes."""

    verb: str
    prefix: str | None
    set_spec: str | None
    from_: str | None
    until: str | None
    after: tuple[int, str] | None  # (source index, local id) of the last record sent
    cursor: int  # records sent before the page this state asks for
    size: int  # completeListSize, counted at the start of the harvest
    started: int  # the harvest's start, Unix seconds (completeListSize is as of then)


def derive_key(secret: str) -> bytes:
    """A key for tokens only: the app secret is never used directly for two purposes."""
    return hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()


def encode(state: ListState, key: bytes, issued: datetime) -> str:
    payload = {"v": VERSION, "iat": int(issued.timestamp()), **asdict(state)}
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_b64(_sign(key, body))}"


def decode(token: str, key: bytes, ttl_s: int, now: datetime) -> ListState:
    """The state in `token`, or badResumptionToken when it is malformed, forged, or expired."""
    if not token.isascii():
        raise _bad("malformed")
    body, _, signature = token.partition(".")
    try:
        given = base64.urlsafe_b64decode(_pad(signature))
    except (binascii.Error, ValueError):
        raise _bad("malformed") from None
    # Constant-time comparison: the signature must not be guessable byte by byte.
    if not body or not hmac.compare_digest(given, _sign(key, body)):
        raise _bad("not issued by this repository, or altered")
    try:
        payload = json.loads(base64.urlsafe_b64decode(_pad(body)))
        issued = int(payload.pop("iat"))
        if payload.pop("v") != VERSION:
            raise _bad("issued by another version of this repository")
        after = payload.pop("after")
        state = ListState(after=(int(after[0]), str(after[1])) if after is not None else None, **payload)
    except (ValueError, KeyError, TypeError, IndexError):
        raise _bad("malformed") from None
    if now >= expires(issued, ttl_s):
        raise _bad("expired; start the list again")
    return state


def expires(issued: int | datetime, ttl_s: int) -> datetime:
    at = issued if isinstance(issued, datetime) else datetime.fromtimestamp(issued, timezone.utc)
    return at.replace(microsecond=0) + timedelta(seconds=ttl_s)


def _sign(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pad(text: str) -> bytes:
    data = text.encode("ascii", errors="strict")
    return data + b"=" * (-len(data) % 4)


def _bad(why: str) -> OAIError:
    return OAIError("badResumptionToken", f"the resumption token is {why}")
