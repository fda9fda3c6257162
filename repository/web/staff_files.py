"""Writing a staff upload to disk safely: file names, size and count limits, and zip extraction.

A zip entry is refused (and with it the whole upload) when its name is absolute, has a drive letter,
a backslash, a `..` component or a NUL; when it is a symbolic link or encrypted; or when the archive
has more entries or unpacks to more bytes than the limits allow. Sizes are counted while writing,
never taken from the archive's own header, so a zip bomb stops at the limit.
"""
from __future__ import annotations

import shutil
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from repository.errors import BadRequest

CHUNK = 1 << 20
MAX_NAME = 200
JUNK = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"})


class UploadRefused(BadRequest):
    """The upload breaks a rule; nothing of it is kept."""


@dataclass
class Budget:
    """What is left of the upload's limits; every file written takes from it."""
    max_bytes: int
    max_files: int
    bytes_used: int = 0
    files_used: int = 0
    skipped: list[str] = field(default_factory=list)

    def take_file(self, name: str) -> None:
        self.files_used += 1
        if self.files_used > self.max_files:
            raise UploadRefused(f"too many files: at most {self.max_files} in one upload ({name} is one more)")

    def take_bytes(self, count: int, name: str) -> None:
        self.bytes_used += count
        if self.bytes_used > self.max_bytes:
            raise UploadRefused(f"the upload is larger than {self.max_bytes // (1024 * 1024)} MiB "
                                f"(reached while writing {name})")


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name to write: the last component only, no control characters, no leading dots.

    Kazakh and Russian letters stay (unlike werkzeug's `secure_filename`, which keeps ASCII only).
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip().lstrip(".").strip()
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else base[:MAX_NAME]
    return base or fallback


def unique_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name-2`, `name-3`… when taken."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def write_stream(stream: BinaryIO, target: Path, budget: Budget, shown: str) -> None:
    """Copy `stream` to `target`, counting bytes against the budget as they arrive."""
    budget.take_file(shown)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := stream.read(CHUNK):
            budget.take_bytes(len(chunk), shown)
            out.write(chunk)


def entry_parts(name: str) -> tuple[str, ...]:
    """The checked path components of a zip entry name; UploadRefused for a dangerous one."""
    if "\x00" in name or "\\" in name:
        raise UploadRefused(f"zip entry {name!r}: backslashes and NUL are not allowed in names")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and len(path.parts[0]) >= 2 and path.parts[0][1] == ":"):
        raise UploadRefused(f"zip entry {name!r}: absolute paths are not allowed")
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if ".." in parts:
        raise UploadRefused(f"zip entry {name!r}: '..' is not allowed")
    return parts


def extract_zip(archive: Path, into: Path, budget: Budget) -> list[Path]:
    """Unpack `archive` under `into` by the rules above; returns the files written."""
    written: list[Path] = []
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise UploadRefused(f"{archive.name} is not a readable zip file ({exc})") from None
    with zf:
        for info in zf.infolist():
            parts = entry_parts(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UploadRefused(f"zip entry {info.filename!r} is a symbolic link; links are not allowed")
            if info.is_dir() or not parts:
                continue
            if any(p in JUNK or p.startswith(".") for p in parts):
                budget.skipped.append(info.filename)  # Finder/Explorer metadata, not pages
                continue
            if info.flag_bits & 0x1:
                raise UploadRefused(f"zip entry {info.filename!r} is encrypted")
            target = into.joinpath(*[safe_name(p) for p in parts])
            if not target.resolve().is_relative_to(into.resolve()):  # belt and braces after the checks above
                raise UploadRefused(f"zip entry {info.filename!r} leaves the upload folder")
            try:
                with zf.open(info) as src:
                    write_stream(src, target, budget, info.filename)
            except FileExistsError:
                raise UploadRefused(f"zip entry {info.filename!r} appears twice") from None
            except (zipfile.BadZipFile, EOFError, NotImplementedError, zlib.error) as exc:
                raise UploadRefused(f"zip entry {info.filename!r} cannot be unpacked ({exc})") from None
            written.append(target)
    return written


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=False)
