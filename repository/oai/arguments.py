"""Every verb's arguments, checked in one place: the verb, required/optional/exclusive arguments,
repeated and unknown arguments, empty values, dates and their granularity.

Only syntax is checked here (badVerb, badArgument). Whether a metadataPrefix, identifier, set or
resumption token means anything is for the verbs to decide, with their own error codes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from repository.oai.errors import OAIError


class MultiValued(Protocol):
    """What a request's arguments look like (werkzeug's MultiDict)."""

    def getlist(self, key: str) -> list[str]: ...

    def keys(self): ...


@dataclass(frozen=True)
class VerbRule:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exclusive: str | None = None  # an argument that must come alone (resumptionToken)

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.required + self.optional + ((self.exclusive,) if self.exclusive else ()))


_LIST = VerbRule(required=("metadataPrefix",), optional=("from", "until", "set"), exclusive="resumptionToken")
VERBS: Mapping[str, VerbRule] = {
    "Identify": VerbRule(),
    "ListMetadataFormats": VerbRule(optional=("identifier",)),
    "ListSets": VerbRule(exclusive="resumptionToken"),
    "GetRecord": VerbRule(required=("identifier", "metadataPrefix")),
    "ListIdentifiers": _LIST,
    "ListRecords": _LIST,
}

# The OAI-PMH.xsd patterns for these values: a request the response could not echo validly is a bad one.
_SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SECOND = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")

DAY, SECOND = "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ssZ"


@dataclass(frozen=True)
class Window:
    """The datestamps a list selects: `start <= datestamp < end` (either side open when None).

    `until` is inclusive at its own granularity: until=2024-05-01 ends at the end of that day, and
    until=…T10:00:00Z takes in 10:00:00.999 — datestamps are kept finer than we publish them.
    """

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class OAIRequest:
    verb: str
    args: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.args.get(name)

    @property
    def window(self) -> Window:
        return parse_window(self.args.get("from"), self.args.get("until"))


def parse_request(values: MultiValued) -> OAIRequest:
    """The request's verb and arguments, or OAIError(badVerb | badArgument)."""
    verbs = values.getlist("verb")
    if not verbs:
        raise OAIError("badVerb", "the verb argument is missing")
    if len(verbs) > 1:
        raise OAIError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    rule = VERBS.get(verb)
    if rule is None:
        raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb; use one of {', '.join(VERBS)}")
    args = _single_values(values, rule, verb)
    _check_presence(args, rule, verb)
    _check_syntax(args)
    return OAIRequest(verb, args)


def _single_values(values: MultiValued, rule: VerbRule, verb: str) -> dict[str, str]:
    args: dict[str, str] = {}
    for name in values.keys():
        if name == "verb":
            continue
        if name not in rule.allowed:
            raise OAIError("badArgument", f"{name!r} is not an argument of {verb}")
        given = values.getlist(name)
        if len(given) > 1:
            raise OAIError("badArgument", f"the argument {name!r} is repeated")
        if given[0] == "":
            raise OAIError("badArgument", f"the argument {name!r} is empty")
        args[name] = given[0]
    return args


def _check_presence(args: Mapping[str, str], rule: VerbRule, verb: str) -> None:
    if rule.exclusive and rule.exclusive in args:
        others = sorted(set(args) - {rule.exclusive})
        if others:
            raise OAIError("badArgument", f"{rule.exclusive} is exclusive; do not send {', '.join(others)} with it")
        return
    missing = [name for name in rule.required if name not in args]
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}")


def _check_syntax(args: Mapping[str, str]) -> None:
    if "set" in args and not _SET_SPEC.fullmatch(args["set"]):
        raise OAIError("badArgument", f"{args['set']!r} is not a setSpec")
    if "metadataPrefix" in args and not _PREFIX.fullmatch(args["metadataPrefix"]):
        raise OAIError("badArgument", f"{args['metadataPrefix']!r} is not a metadataPrefix")
    parse_window(args.get("from"), args.get("until"))


def parse_window(from_: str | None, until: str | None) -> Window:
    """The `from`/`until` window, or badArgument (bad date, mixed granularities, from after until)."""
    start = _parse_date("from", from_) if from_ else None
    end = _parse_date("until", until) if until else None
    if start and end:
        if start[1] != end[1]:
            raise OAIError("badArgument", "from and until must have the same granularity")
        if start[0] > end[0]:
            raise OAIError("badArgument", "from is later than until")
    return Window(
        start[0] if start else None,
        (end[0] + (timedelta(days=1) if end[1] == DAY else timedelta(seconds=1))) if end else None,
    )


def _parse_date(name: str, text: str) -> tuple[datetime, str]:
    day, second = _DAY.fullmatch(text), _SECOND.fullmatch(text)
    match, granularity = (day, DAY) if day else (second, SECOND)
    if match is None:
        raise OAIError("badArgument", f"{name}={text!r} is not a UTC date in the form {DAY} or {SECOND}")
    try:
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc), granularity  # type: ignore[misc]
    except ValueError:
        raise OAIError("badArgument", f"{name}={text!r} is not a real date") from None
