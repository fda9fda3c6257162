"""Key rules shared by every backend, as pure functions.

A key is a relative, `/`-separated path of ASCII segments made of [A-Za-z0-9._~-]. The alphabet is
deliberately narrow: it is the same on every filesystem and in S3, needs no URL escaping, and keeps
characters such as `#` free for backend-internal names (temporary files) that can never collide with a key.
"""

from __future__ import annotations

import re

from storage.errors import InvalidKey

MAX_KEY_BYTES = 1024  # the S3 limit; applied everywhere so a key valid locally is valid on S3
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a valid object key, else raise InvalidKey naming the rule broken."""
    _check_whole(key, "key")
    if key == "":
        raise InvalidKey(key, "empty key")
    for segment in key.split("/"):
        _check_segment(key, segment)
    return key


def validate_prefix(prefix: str) -> str:
    """Return a valid listing prefix: "" (everything), a key, a key ending in '/', or a key's start.

    The last segment may be partial (`items/12` matches `items/12/…` and `items/123/…`, as in S3),
    and may be empty (a trailing '/'); every earlier segment follows the key rules.
    """
    _check_whole(prefix, "prefix")
    if prefix == "":
        return prefix
    *whole, last = prefix.split("/")
    for segment in whole:
        _check_segment(prefix, segment)
    if last and not _SEGMENT.fullmatch(last):
        raise InvalidKey(prefix, f"segment {last!r} has characters outside [A-Za-z0-9._~-]")
    return prefix


def is_valid_key(key: str) -> bool:
    """True if validate_key would accept `key` (used to skip foreign files when listing)."""
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def _check_whole(text: str, what: str) -> None:
    """The rules a key and a listing prefix share, checked on the whole string."""
    if not isinstance(text, str):
        raise InvalidKey(repr(text), f"a {what} must be a str")
    if "\x00" in text:
        raise InvalidKey(text, "contains NUL")
    if len(text.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKey(text, f"longer than {MAX_KEY_BYTES} bytes")
    if text.startswith("/"):
        raise InvalidKey(text, "leading '/' (keys are relative)")


def _check_segment(key: str, segment: str) -> None:
    if segment == "":
        raise InvalidKey(key, "empty segment ('//' or trailing '/')")
    if segment in (".", ".."):
        raise InvalidKey(key, f"segment {segment!r} is not allowed")
    if not _SEGMENT.fullmatch(segment):
        raise InvalidKey(key, f"segment {segment!r} has characters outside [A-Za-z0-9._~-]")
