"""A cataloguer's metadata sheet (CSV) or an ``item.yaml``, read into Dublin Core rows.

The sheet: UTF-8 (a BOM is fine), one row per item, a header row with ``path`` and
DC columns (``title``, ``title@kk-Cyrl``, ``dcterms:spatial`` or ``spatial``…),
repeatable values separated by ``||``, and optional ``collection``, ``access``
(public / reading-room / staff), ``languages`` (the OCR model: a profile such as ``kk_latn`` or
Tesseract models such as ``kaz+rus`` or ``Latin``)
and ``catalogue`` (control number or ISBN). Commas, semicolons (what Excel writes
in Russian and Kazakh locales) and tabs are recognised as delimiters from the header.

Encoding: a sheet that is not UTF-8 is refused with the line of the first bad
byte, not guessed. Windows-1251 (what Excel writes by default) has no ә ғ қ ң ө ұ
ү һ, so a Kazakh sheet saved that way has already lost letters; decoding it would
hide that. The message tells the cataloguer to save as "CSV UTF-8".

Rows are numbered as the spreadsheet shows them (the header is row 1). A bad cell
is a problem with its row and column and makes that row invalid; other rows stay
usable. Header problems (an unknown column, a bad tag in ``title@…``) make no row
usable: a misspelt column would otherwise drop its values silently.

Cells beginning with = + - @ are kept as text, exactly. Anything that writes these
values back into a spreadsheet must escape them (CSV formula injection).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from metadata import dc, langtag
from metadata.dc import DCRecord, LangValue
from metadata.errors import Problem, UnknownElementError, ValidationError
from metadata.validate import normalise, record_problems, value_problems

SEPARATOR = "||"
ACCESS_LEVELS: tuple[str, ...] = ("public", "reading-room", "staff")
CONTROL_COLUMNS: tuple[str, ...] = ("path", "collection", "access", "languages", "catalogue")
FIELD_SIZE_LIMIT = 1 << 20  # long descriptions; csv's default is 128 KiB
DELIMITERS = (",", ";", "\t")

# Syntax only (metadata sits below ocr/): which names exist is checked by ingest against
# ocr.select (profiles such as kk_latn, Tesseract models such as Latin or kaz, joined by +).
_OCR_LANGUAGES = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*$")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@dataclass(frozen=True)
class Column:
    header: str
    element: str | None = None  # a DC element, or None for a control column
    lang: str | None = None
    control: str | None = None


@dataclass(frozen=True)
class SheetRow:
    row_number: int | None  # None for item.yaml
    path: str
    record: DCRecord
    collection: str | None = None
    access: str | None = None
    languages: str | None = None
    catalogue: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class SheetResult:
    rows: list[SheetRow]
    problems: list[Problem] = field(default_factory=list)  # header problems, then every row's

    @property
    def header_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row == 1]

    def valid_rows(self) -> list[SheetRow]:
        """Rows to ingest: none while the header has problems, else the rows without problems."""
        if self.header_problems:
            return []
        return [row for row in self.rows if row.valid]


# -- columns -------------------------------------------------------------------------

def parse_column(header: str) -> Column:
    """``title@kk-cyrl`` -> Column(element="title", lang="kk-Cyrl"); raises for unknown names or bad tags."""
    name = header.strip()
    if name.lower() in CONTROL_COLUMNS:
        return Column(header, control=name.lower())
    element, _, lang = name.partition("@")
    return Column(header, element=dc.element_name(element), lang=langtag.normalise_tag(lang) if lang else None)


def _parse_header(cells: list[str]) -> tuple[list[Column | None], list[Problem]]:
    columns: list[Column | None] = []
    problems: list[Problem] = []
    seen_controls: set[str] = set()
    for header in cells:
        try:
            column = parse_column(header)
        except UnknownElementError:
            problems.append(Problem(
                "column", header,
                f"unknown column; use path, {', '.join(CONTROL_COLUMNS[1:])} or a Dublin Core element "
                "(title, creator, date, … or dcterms:spatial), optionally with @tag as in title@kk-Cyrl",
                row=1, column=header,
            ))
            column = None
        except ValidationError as err:
            problems.extend(Problem("column", header, f"language tag: {p.message}", row=1, column=header) for p in err.problems)
            column = None
        if column is not None and column.control:
            if column.control in seen_controls:
                problems.append(Problem("column", header, "this column appears twice", row=1, column=header))
            seen_controls.add(column.control)
        columns.append(column)
    if "path" not in seen_controls:
        raise ValidationError([Problem("column", "path", "the sheet needs a 'path' column naming each item's file or folder", row=1)])
    return columns, problems


# -- rows ----------------------------------------------------------------------------

def _control_problem(control: str, value: str) -> str | None:
    if control == "access" and value not in ACCESS_LEVELS:
        return f"access is one of {', '.join(ACCESS_LEVELS)}"
    if control == "languages" and not _OCR_LANGUAGES.match(value):
        return ("OCR languages are a profile name such as kk_latn or ru_prereform, or Tesseract model names "
                "joined by + without spaces, e.g. kaz+rus+eng or Latin+Cyrillic")
    if control == "catalogue" and value.upper().startswith("ISBN") and not _isbn_ok(value[4:]):
        return "the ISBN's check digit is wrong; copy it again from the book or the catalogue"
    return None


def _isbn_ok(raw: str) -> bool:
    digits = re.sub(r"[\s:-]", "", raw).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if ch == "X" else int(ch)) for i, ch in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"\d{13}", digits):
        return sum((3 if i % 2 else 1) * int(ch) for i, ch in enumerate(digits)) % 10 == 0
    return False


def build_row(row_number: int | None, cells: Iterable[tuple[Column, list[str]]], default_path: str = "") -> SheetRow:
    """One item from (column, values) pairs: values checked, problems located by row and column."""
    problems: list[Problem] = []
    values: dict[str, list[LangValue]] = {}
    controls: dict[str, str] = {}
    for column, raw_values in cells:
        if column.control:
            value = " ".join(raw_values).strip()
            message = _control_problem(column.control, value) if value else None
            if message:
                problems.append(Problem(column.control, value, message, row=row_number, column=column.header))
            if value:
                controls[column.control] = value
            continue
        element = column.element or ""  # a non-control column always has one (parse_column)
        for raw in raw_values:
            lang_value = LangValue(raw, column.lang)
            problems.extend(_locate(p, row_number, column.header) for p in value_problems(element, lang_value))
            values.setdefault(element, []).append(lang_value)
    record = DCRecord(values)
    problems.extend(_locate(p, row_number, p.field) for p in record_problems(record))
    path = controls.get("path", default_path)
    if not path:
        problems.append(Problem("path", "", "every row needs a path (the item's file or folder)", row=row_number, column="path"))
    return SheetRow(
        row_number=row_number,
        path=path,
        record=normalise(record),
        collection=controls.get("collection"),
        access=controls.get("access"),
        languages=controls.get("languages"),
        catalogue=controls.get("catalogue"),
        problems=tuple(problems),
    )


def _locate(problem: Problem, row: int | None, column: str) -> Problem:
    return Problem(problem.field, problem.value, problem.message, row=row, column=column)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


# -- CSV -------------------------------------------------------------------------------

def _encoding_problem(raw: bytes, path: Path) -> Problem | None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Problem("sheet", str(path), 'the sheet is UTF-16 ("Unicode text"); save it as "CSV UTF-8"', row=1)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        guess = ""
        if _CYRILLIC.search(raw.decode("cp1251", errors="replace")):
            guess = (" It looks like Windows-1251, which has no letters for ә ғ қ ң ө ұ ү һ, so Kazakh text"
                     " may already be damaged.")
        return Problem(
            "sheet", str(path),
            f"line {line}: byte 0x{raw[err.start]:02X} is not UTF-8; the sheet must be saved as "
            f'"CSV UTF-8 (comma delimited)".{guess}',
        )
    return None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_sheet(path: str | Path) -> SheetResult:
    """Read a CSV sheet. Whole-file problems (encoding, no header, no path column) raise ValidationError."""
    sheet_path = Path(path)
    raw = sheet_path.read_bytes()
    problem = _encoding_problem(raw, sheet_path)
    if problem:
        raise ValidationError([problem])
    text = raw.decode("utf-8-sig")
    if not text.strip():
        raise ValidationError([Problem("sheet", str(sheet_path), "the sheet is empty; it needs a header row with 'path'", row=1)])
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.splitlines()[0]))
    try:
        return _read_rows(reader)
    except csv.Error as err:
        raise ValidationError([Problem(
            "sheet", str(sheet_path), f"line {reader.line_num}: {err} (a cell may exceed {FIELD_SIZE_LIMIT} bytes)",
            row=reader.line_num,
        )]) from err


def _read_rows(reader: Any) -> SheetResult:
    header = next(reader)
    columns, problems = _parse_header(header)
    rows: list[SheetRow] = []
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank rows at the end
        extra = [c for c in cells[len(columns):] if c.strip()]
        pairs = [(col, _split(cell)) for col, cell in zip(columns, cells) if col is not None]
        row = build_row(row_number, pairs)
        if extra:
            row = _with_problem(row, Problem("row", extra[0], f"{len(cells)} cells but {len(columns)} header columns", row=row_number))
        rows.append(row)
        problems.extend(row.problems)
    return SheetResult(rows, problems)


def _with_problem(row: SheetRow, problem: Problem) -> SheetRow:
    return SheetRow(row.row_number, row.path, row.record, row.collection, row.access,
                    row.languages, row.catalogue, row.problems + (problem,))


# -- item.yaml ------------------------------------------------------------------------

class _StringLoader(yaml.SafeLoader):
    """YAML that keeps scalars as written: 1916 and 1928-03-12 stay strings, ``No`` is not False."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_item_yaml(path: str | Path) -> SheetRow:
    """An ``item.yaml`` beside an item's files: the sheet's columns as keys; lists for repeats.

    ``path`` defaults to the folder holding the file. A value may also be
    ``{value: …, lang: …}``. The row's problems name the key as the column.
    """
    yaml_path = Path(path)
    try:
        data = yaml.load(yaml_path.read_text(encoding="utf-8-sig"), Loader=_StringLoader)
    except UnicodeDecodeError as err:
        raise ValidationError([Problem("item.yaml", str(yaml_path), f"not UTF-8 ({err.reason} at byte {err.start})")]) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ValidationError([Problem("item.yaml", str(yaml_path), f"{where}not valid YAML: {getattr(err, 'problem', err)}")]) from err
    if not isinstance(data, Mapping):
        raise ValidationError([Problem("item.yaml", str(yaml_path), "the file must be a mapping of field: value")])
    pairs: list[tuple[Column, list[str]]] = []
    problems: list[Problem] = []
    for key, raw in data.items():
        try:
            column = parse_column(str(key))
        except (UnknownElementError, ValidationError) as err:
            problems.append(Problem("key", str(key), f"unknown or malformed key: {err}", column=str(key)))
            continue
        pairs.extend(_yaml_values(column, raw, problems))
    row = build_row(None, pairs, default_path=str(yaml_path.parent))
    return SheetRow(row.row_number, row.path, row.record, row.collection, row.access,
                    row.languages, row.catalogue, tuple(problems) + row.problems)


def _yaml_values(column: Column, raw: Any, problems: list[Problem]) -> list[tuple[Column, list[str]]]:
    items = raw if isinstance(raw, list) else [raw]
    pairs: list[tuple[Column, list[str]]] = []
    plain: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, str):
            plain.append(item.strip())
        elif isinstance(item, Mapping) and isinstance(item.get("value"), str) and column.element:
            lang = item.get("lang")
            try:
                tagged = Column(column.header, column.element, langtag.normalise_tag(lang) if lang else column.lang)
            except ValidationError as err:
                problems.extend(Problem(column.element, item["value"], f"language tag {lang!r}: {p.message}", column=column.header) for p in err.problems)
                continue
            pairs.append((tagged, [item["value"].strip()]))
        else:
            problems.append(Problem(column.header, repr(item)[:80], "a value is text, a list of texts, or {value: …, lang: …}", column=column.header))
    pairs.insert(0, (column, [p for p in plain if p]))
    return pairs
