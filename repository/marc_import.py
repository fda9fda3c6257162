"""Reading MARC files one record at a time: ISO 2709 (MARC21, UNIMARC/RUSMARC) and MARCXML.

A file is never held in memory: ISO 2709 is cut at each record terminator (0x1D) as it is read, MARCXML
is parsed with `iterparse` and each record's element is dropped once read. Every record comes out as a
`ReadRecord` (a pymarc `Record`, its format, the encoding it was read with, its original bytes) or as a
`Failure` naming its number in the file (1-based) and the reason. A broken record never stops the file.

Why records are cut at the terminator and not by the leader's length: a wrong length in the leader (a
common export bug) would otherwise swallow the next records, or lose the last one. A record whose leader
length disagrees with its real length is read, with a warning.

Encodings (`encoding="auto"`): a record that says what it is in — MARC21 leader/09 'a', UNIMARC 100 $a/26-27
— is read so; otherwise the bytes decide: valid UTF-8 is UTF-8, Cyrillic-looking 8-bit text is
Windows-1251, anything else MARC-8 (MARC21) or Latin-1 (UNIMARC). A named encoding applies to every
record (the operator knows the export better than its leaders do).
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree
from pymarc import Field, Indicators, Record, Subfield
from pymarc.exceptions import PymarcException

from metadata.marc import FORMATS, MarcError
from repository.errors import RepositoryError

ENCODINGS = ("auto", "utf-8", "cp1251", "kz1048", "marc8")
FORMAT_CHOICES = ("auto", *FORMATS)
MARCXML_NS = "http://www.loc.gov/MARC21/slim"

RECORD_END = b"\x1d"
FIELD_END = 0x1E
BLOCK = 1 << 16

# UNIMARC 100 $a/26-27 (RUSMARC adds 79, 89, 99) -> Python codec; None: sniff the bytes.
UNIMARC_CHARSETS = {"50": "utf-8", "89": "cp1251", "79": "cp866", "99": "koi8-r", "01": "latin-1"}
# pymarc's decoder converts MARC-8 only when told "iso8859-1"; any other name is a plain codec.
PYMARC_CODEC = {"marc8": "iso8859-1", "latin-1": "latin-1"}


class MarcImportError(RepositoryError):
    """A MARC file that cannot be read at all (missing, not MARC); broken records are Failures instead."""


class BrokenRecord(MarcError):
    """One record that cannot be read; the message says why."""


@dataclass(frozen=True)
class ReadRecord:
    number: int  # 1-based position in its file
    record: Record
    fmt: str  # marc21 | unimarc
    encoding: str  # what it was read with: utf-8, cp1251, kz1048, marc8, latin-1 …
    raw: bytes  # the record as it was in the file (ISO 2709 bytes, or the MARCXML <record> element)
    syntax: str  # iso2709 | marcxml
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    file: str
    number: int
    reason: str
    control_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "record": self.number, "control_number": self.control_number,
                "reason": self.reason}


@dataclass(frozen=True)
class Notice:
    file: str
    number: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "record": self.number, "message": self.message}


@dataclass
class ImportReport:
    """What an import did: counts per outcome, each failure and warning with its record number."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    linked: int = 0  # digitised items linked to their records by this import

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + self.deleted + self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "deleted": self.deleted, "failed": self.failed, "linked": self.linked,
            "failures": [f.to_json() for f in self.failures], "warnings": [w.to_json() for w in self.warnings],
        }

    def lines(self) -> list[str]:
        out = [f"read {self.read}: created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
               f"deleted {self.deleted}, failed {self.failed}; linked {self.linked} digitised item(s)"]
        out += [f"FAILED  {f.file} record {f.number}" + (f" (001 {f.control_number})" if f.control_number else "")
                + f": {f.reason}" for f in self.failures]
        out += [f"warning {w.file} record {w.number}: {w.message}" for w in self.warnings]
        return out


# --- files ------------------------------------------------------------------------------------


def read_file(path: Path, fmt: str = "auto", encoding: str = "auto") -> Iterator[ReadRecord | Failure]:
    """Every record of an ISO 2709 or MARCXML file, in order, as ReadRecord or Failure."""
    if fmt not in FORMAT_CHOICES:
        raise MarcImportError(f"--format must be one of {', '.join(FORMAT_CHOICES)}, got {fmt!r}")
    if encoding not in ENCODINGS:
        raise MarcImportError(f"--encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise MarcImportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with stream:
        if _is_xml(stream):
            yield from _read_marcxml(stream, path.name, fmt)
        else:
            for number, chunk in iso2709_chunks(stream):
                yield decode_or_fail(path.name, number, chunk, fmt, encoding)


def _is_xml(stream: BinaryIO) -> bool:
    head = stream.read(512)
    stream.seek(0)
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def iso2709_chunks(stream: BinaryIO, block: int = BLOCK) -> Iterator[tuple[int, bytes]]:
    """(number, bytes) of each record, cut at its terminator; whitespace between records is skipped and
    bytes after the last terminator come as a final chunk (without terminator, so it fails as truncated)."""
    pending = b""
    number = 0
    while data := stream.read(block):
        pending += data
        *complete, pending = pending.split(RECORD_END)
        for chunk in complete:
            chunk = chunk.lstrip(b" \t\r\n")
            if chunk:
                number += 1
                yield number, chunk + RECORD_END
    if pending.strip():
        yield number + 1, pending.lstrip(b" \t\r\n")


def decode_or_fail(file: str, number: int, chunk: bytes, fmt: str, encoding: str) -> ReadRecord | Failure:
    try:
        return decode_iso2709(number, chunk, fmt, encoding)
    except BrokenRecord as exc:
        return Failure(file, number, str(exc), _raw_control_number(chunk))


# --- ISO 2709 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    base: int
    entries: tuple[tuple[str, int, int], ...]  # tag, length, start (relative to base)


def check_structure(chunk: bytes) -> tuple[bytes, Directory, list[str]]:
    """The record's bytes (leader length corrected if it was wrong), its directory, and warnings;
    BrokenRecord for anything a reader cannot trust."""
    notes: list[str] = []
    if not chunk.endswith(RECORD_END):
        raise BrokenRecord(f"truncated: the file ends inside a record ({len(chunk)} bytes, no record terminator)")
    if len(chunk) < 25:
        raise BrokenRecord(f"too short for a record ({len(chunk)} bytes; the leader alone has 24)")
    leader = chunk[:24]
    if not leader.isascii():
        raise BrokenRecord("the leader has non-ASCII bytes")
    if not leader[:5].isdigit():
        raise BrokenRecord(f"bad record length in the leader: {leader[:5].decode('ascii')!r}")
    if not leader[12:17].isdigit():
        raise BrokenRecord(f"bad base address of data in the leader: {leader[12:17].decode('ascii')!r}")
    declared, base = int(leader[:5]), int(leader[12:17])
    if declared != len(chunk):
        notes.append(f"the leader gives the record length as {declared} bytes, it has {len(chunk)}: read to its terminator")
        if len(chunk) <= 99999:
            chunk = b"%05d" % len(chunk) + chunk[5:]
    if base <= 24 or base >= len(chunk):
        raise BrokenRecord(f"bad base address of data {base} (the record has {len(chunk)} bytes)")
    if chunk[base - 1] != FIELD_END:
        raise BrokenRecord(f"the directory does not end where the base address {base} says")
    return chunk, _directory(chunk, base), notes


def _directory(chunk: bytes, base: int) -> Directory:
    raw = chunk[24:base - 1]
    if not raw:
        raise BrokenRecord("empty directory: the record has no fields")
    if not raw.isascii() or not raw.isalnum():
        raise BrokenRecord("bad directory: it has bytes other than letters and digits")
    if len(raw) % 12:
        raise BrokenRecord(f"bad directory: {len(raw)} bytes is not a whole number of 12-byte entries")
    data_len = len(chunk) - base - 1
    entries = []
    for i in range(0, len(raw), 12):
        tag, length, start = raw[i:i + 3].decode("ascii"), raw[i + 3:i + 7], raw[i + 7:i + 12]
        if not (length.isdigit() and start.isdigit()):
            raise BrokenRecord(f"bad directory entry {i // 12 + 1} (field {tag}): length or start is not a number")
        length_, start_ = int(length), int(start)
        if length_ == 0 or start_ + length_ > data_len:
            raise BrokenRecord(f"field {tag} (directory entry {i // 12 + 1}) runs past the end of the record "
                               f"(start {start_}, length {length_}, data {data_len} bytes)")
        if chunk[base + start_ + length_ - 1] != FIELD_END:
            raise BrokenRecord(f"field {tag} (directory entry {i // 12 + 1}): wrong length {length_}, "
                               "it does not end with a field terminator")
        entries.append((tag, length_, start_))
    return Directory(base, tuple(entries))


def detect_syntax_format(directory: Directory) -> str:
    tags = {tag for tag, _, _ in directory.entries}
    if "245" in tags or "008" in tags:
        return "marc21"
    if "200" in tags:
        return "unimarc"
    return "marc21"


def field_bytes(chunk: bytes, directory: Directory, tag: str) -> bytes | None:
    for entry_tag, length, start in directory.entries:
        if entry_tag == tag:
            return chunk[directory.base + start: directory.base + start + length - 1]
    return None


def choose_encoding(chunk: bytes, directory: Directory, fmt: str, requested: str) -> str:
    if requested != "auto":
        return requested
    if fmt == "marc21":
        return "utf-8" if chunk[9:10] == b"a" else sniff(chunk[directory.base:], fallback="marc8")
    data = field_bytes(chunk, directory, "100") or b""
    charset = data[data.find(b"\x1fa") + 2:][26:28].decode("ascii", "replace") if b"\x1fa" in data else ""
    return UNIMARC_CHARSETS.get(charset) or sniff(chunk[directory.base:], fallback="latin-1")


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def sniff(data: bytes, fallback: str) -> str:
    """utf-8 if the bytes are valid UTF-8 with some non-ASCII; cp1251 if the 8-bit bytes come in runs of
    letters as Cyrillic words do (MARC-8 diacritics stand alone before a Latin letter); else `fallback`."""
    if data.isascii():
        return fallback
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    runs = _HIGH_RUN.findall(data)
    high = sum(len(r) for r in runs)
    letters = sum(1 for r in runs for b in r if b >= 0xC0 or b in (0xA8, 0xB8))
    if high and sum(len(r) for r in runs if len(r) > 1) / high > 0.6 and letters / high > 0.8:
        return "cp1251"
    return fallback


def decode_iso2709(number: int, chunk: bytes, fmt: str = "auto", encoding: str = "auto") -> ReadRecord:
    """One ISO 2709 record, checked and decoded; BrokenRecord if it cannot be read."""
    chunk, directory, notes = check_structure(chunk)
    fmt = detect_syntax_format(directory) if fmt == "auto" else fmt
    codec = choose_encoding(chunk, directory, fmt, encoding)
    record = _pymarc_record(chunk, codec, notes)
    if chunk[9:10] == b"a" and codec != "utf-8":
        notes.append(f"leader/09 says UTF-8, read as {codec} as asked")
    return ReadRecord(number, record, fmt, codec, chunk, "iso2709", tuple(notes))


def _pymarc_record(chunk: bytes, codec: str, notes: list[str]) -> Record:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            record = Record(
                chunk, to_unicode=True, force_utf8=codec == "utf-8", hide_utf8_warnings=True,
                utf8_handling="strict", file_encoding=PYMARC_CODEC.get(codec, codec),
            )
        except UnicodeDecodeError as exc:
            raise BrokenRecord(f"invalid {codec} at byte {exc.start} of a field: {exc.object[max(0, exc.start - 8):exc.end + 8]!r}") from exc
        except LookupError as exc:
            raise BrokenRecord(f"unknown encoding {codec!r}") from exc
        except (PymarcException, ValueError, IndexError) as exc:
            raise BrokenRecord(f"{type(exc).__name__}: {exc}") from exc
    notes.extend(str(w.message) for w in caught)
    bad = sorted({f.tag for f in record.fields if not f.is_control_field()
                  and any("\ufffd" in sf.value for sf in f.subfields)})
    if bad:
        notes.append(f"replacement characters (U+FFFD) in field(s) {', '.join(bad)}: the source lost characters")
    return record


def _raw_control_number(chunk: bytes) -> str | None:
    """001 of a record too broken to decode, when its directory still finds it (for the report).
    Lenient on purpose: only the 001 entry's start is trusted, the field runs to its terminator."""
    base = chunk[12:17]
    if not base.isdigit() or not 24 < int(base) < len(chunk):
        return None
    directory = chunk[24:int(base) - 1]
    for i in range(0, len(directory) - 11, 12):
        start = directory[i + 7:i + 12]
        if directory[i:i + 3] == b"001" and start.isdigit():
            data = chunk[int(base) + int(start):].split(b"\x1e", 1)[0]
            return data.decode("ascii", "replace").strip()[:100] or None
    return None


# --- MARCXML ----------------------------------------------------------------------------------


def _read_marcxml(stream: BinaryIO, file: str, fmt: str) -> Iterator[ReadRecord | Failure]:
    number = 0
    parser = etree.iterparse(
        stream, events=("end",), tag=(f"{{{MARCXML_NS}}}record", "record"),
        resolve_entities=False, no_network=True, huge_tree=False,
    )
    try:
        for _, element in parser:
            number += 1
            yield _xml_record(file, number, element, fmt)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        yield Failure(file, number + 1, f"the XML is not well-formed ({exc}); the rest of the file cannot be read")


def _xml_record(file: str, number: int, element: etree._Element, fmt: str) -> ReadRecord | Failure:
    raw = etree.tostring(element, encoding="utf-8")
    try:
        record = xml_to_record(element)
    except BrokenRecord as exc:
        return Failure(file, number, str(exc))
    tags = {f.tag for f in record.fields}
    chosen = fmt if fmt != "auto" else ("unimarc" if "200" in tags and "245" not in tags else "marc21")
    return ReadRecord(number, record, chosen, "utf-8", raw, "marcxml")


def xml_to_record(element: etree._Element) -> Record:
    """A pymarc Record from a MARCXML <record> element (namespaced or not)."""
    record = Record()
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(child).localname
        if name == "leader":
            text = child.text or ""
            if len(text) != 24:
                raise BrokenRecord(f"the leader has {len(text)} characters, not 24")
            record.leader = text
        elif name == "controlfield":
            record.add_field(Field(tag=_tag(child), data=child.text or ""))
        elif name == "datafield":
            subfields = [Subfield(sf.get("code", " "), sf.text or "") for sf in child
                         if isinstance(sf.tag, str) and etree.QName(sf).localname == "subfield"]
            record.add_field(Field(tag=_tag(child), indicators=Indicators(child.get("ind1", " ") or " ",
                                                                          child.get("ind2", " ") or " "),
                                   subfields=subfields))
    if not record.fields:
        raise BrokenRecord("the record has no fields")
    return record


def _tag(element: etree._Element) -> str:
    tag = element.get("tag", "")
    if len(tag) != 3 or not tag.isalnum():
        raise BrokenRecord(f"bad tag {tag!r}")
    return tag
