"""Item metadata from a cataloguer's sheet or an item.yaml (read by `metadata.sheet`).

A problem in one row fails that row's item with the row and column named; problems of the
sheet as a whole (encoding, header, no `path` column) refuse the batch before anything is stored.
"""
from __future__ import annotations

from pathlib import Path

from metadata.dc import DCRecord, LangValue
from metadata.errors import ValidationError
from metadata.sheet import SheetRow, read_item_yaml, read_sheet

from ingest.errors import SheetError, SourceError


def read_sheet_rows(path: Path) -> list[SheetRow]:
    try:
        result = read_sheet(path)
    except ValidationError as exc:
        raise SheetError(path.name, [str(p) for p in exc.problems]) from exc
    except OSError as exc:
        raise SheetError(path.name, [f"cannot be read ({exc.strerror})"]) from exc
    if result.header_problems:
        raise SheetError(path.name, [str(p) for p in result.header_problems])
    return list(result.rows)


def read_item_meta(path: Path, display: str) -> SheetRow:
    """The item.yaml's row; a file that cannot be parsed at all becomes a row carrying its problems."""
    try:
        return read_item_yaml(path)
    except ValidationError as exc:
        return SheetRow(None, str(path.parent), DCRecord(), problems=tuple(exc.problems))
    except OSError as exc:
        raise SourceError(display, f"cannot be read ({exc.strerror})") from exc


def meta_error(meta: SheetRow | None, where: str) -> str | None:
    """One message for all problems of a row, or None when it is valid."""
    if meta is None or meta.valid:
        return None
    return f"{where}: " + "; ".join(str(p) for p in meta.problems)


def default_record(name: str) -> DCRecord:
    """A draft record for an item without metadata: its folder or file name as the title."""
    stem = name.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return DCRecord({"title": [LangValue(stem)]})
