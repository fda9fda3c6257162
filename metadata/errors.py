"""The exception root of the metadata package and the problem report it carries."""

from __future__ import annotations

from dataclasses import dataclass


class MetadataError(Exception):
    """Root of every error raised by ``metadata``."""


class UnknownElementError(MetadataError, KeyError):
    """A Dublin Core element name that the record model does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        # KeyError would print the repr; a person reads this message.
        return f"unknown Dublin Core element {self.name!r}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value.

    ``row`` and ``column`` locate the value in a cataloguer's sheet (row 1 is the
    header, as a spreadsheet numbers it); both are None outside sheets.
    """

    field: str
    value: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.field} {self.value!r}: {self.message}"


class ValidationError(MetadataError):
    """One or more problems; ``problems`` keeps them for reports."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.problems:
            return "invalid metadata"
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} metadata problems:"]
        lines.extend(f"- {problem}" for problem in self.problems)
        return "\n".join(lines)
