"""Identifier rules: persistent, URL-safe ids for items and collections, and staff-created item ids.

Ids are checked before they reach a query or a storage key, so `../`, `%2e%2e` (decoded to `..`)
and NUL can never be part of one.
"""
from __future__ import annotations

import base64
import re
import secrets

from repository.errors import BadRequest

# Letters, digits, `-` and `_`; starts with a letter or digit. No `:` (the OAI set separator), no `.`.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_COLLECTION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
# Names a collection id would clash with: a collection's id is its OAI setSpec, and `archive` and
# `catalogue` are the top-level sets; `top` is the IIIF top collection's route (/iiif/collection/top).
RESERVED_COLLECTION_IDS = frozenset({"archive", "catalogue", "top"})


def is_item_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


def check_item_id(value: str) -> str:
    if not is_item_id(value):
        raise BadRequest(f"not a valid item identifier: {value!r} (letters, digits, '-' and '_', at most 64)")
    return value


def check_collection_id(value: str) -> str:
    if _COLLECTION_ID.fullmatch(value) is None:
        raise BadRequest(
            f"not a valid collection identifier: {value!r} (lower-case letters, digits, '-' and '_', at most 100)"
        )
    if value in RESERVED_COLLECTION_IDS:
        raise BadRequest(
            f"{value!r} is reserved and cannot be a collection identifier "
            f"(reserved: {', '.join(sorted(RESERVED_COLLECTION_IDS))})"
        )
    return value


def new_item_id() -> str:
    """A random id for an item staff create by hand; ingest derives its ids from content instead.

    `kz` + 16 base32 characters (80 random bits), the same shape as ingest's ids.
    """
    return "kz" + base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
