"""Turning batch paths (and an optional metadata sheet) into items.

- A folder with page images is one item; pages in natural filename order (`p2` before `p10`).
  Subfolders are items of their own; so is every PDF (a PDF is one item, kept as its master).
- A sheet row names a folder or file relative to the sheet and gives its metadata; an `item.yaml`
  beside the pages does the same for its folder.
- Every path is resolved and must stay inside the batch roots: a symlink pointing elsewhere fails
  its item, naming the file; nothing outside the roots is ever opened.

Discovery looks at names only; file contents are checked by `ingest.validate` later.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from ingest.errors import OutsideBatch
from metadata.sheet import SheetRow

from ingest.metadata_in import read_item_meta

PAGE_EXTS = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".png", ".jp2", ".j2k", ".jpx", ".jpf"})
PDF_EXTS = frozenset({".pdf"})
# Sidecars and system junk are not pages and not worth a warning.
SIDECAR_EXTS = frozenset({".txt", ".yaml", ".yml", ".json", ".csv", ".xml", ".md", ".xsd"})
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini"})
ITEM_YAML_NAMES = ("item.yaml", "item.yml")


def natural_key(name: str) -> list[object]:
    """Sort key where digit runs compare as numbers: p2 < p10, scan_9 < scan_10."""
    parts = re.split(r"(\d+)", name.casefold())
    # Even positions are text, odd are digit runs, so positions always compare like with like.
    return [int(p) if i % 2 else p for i, p in enumerate(parts)]


@dataclass(frozen=True)
class SourceFile:
    path: Path  # resolved, inside the batch roots
    name: str  # as reports show it: relative to the root's parent folder


@dataclass
class ItemSource:
    name: str  # folder or file as reports show it
    path: Path | None  # resolved folder or file; None when the source itself could not be found
    files: list[SourceFile] = field(default_factory=list)
    meta: SheetRow | None = None  # from a sheet row or item.yaml
    meta_where: str = ""  # 'sheet row 3' or 'folder/item.yaml', for messages
    error: str | None = None  # set when the item fails before any page is looked at
    ignored: list[str] = field(default_factory=list)  # files in the folder that are not pages


class Roots:
    """The batch roots; every path the batch touches must resolve inside one of them."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.roots = [Path(os.path.realpath(p)) for p in paths]

    def inside(self, real: Path) -> bool:
        return any(real == r or real.is_relative_to(r) for r in self.roots)

    def resolve(self, path: Path, display: str) -> Path:
        real = Path(os.path.realpath(path))
        if not self.inside(real):
            raise OutsideBatch(display)
        return real

    def display(self, path: Path) -> str:
        """Name relative to the parent of the root holding it (`batch/folder/p1.png`)."""
        real = Path(os.path.realpath(path))
        for root in self.roots:
            if real == root or real.is_relative_to(root):
                return real.relative_to(root.parent).as_posix()
        return path.name


def discover(paths: Sequence[Path], roots: Roots) -> list[ItemSource]:
    """Items found under the given paths, in the given order, then natural order inside folders."""
    return [item for given in paths for item in source_for(given, roots, given.name or str(given))]


def source_for(path: Path, roots: Roots, display: str) -> list[ItemSource]:
    """Items for one given path or sheet-row path (a folder or a file)."""
    try:
        real = roots.resolve(path, display)
    except OutsideBatch as exc:
        return [ItemSource(display, None, error=str(exc))]
    if real.is_dir():
        return _walk(real, roots)
    if real.is_file():
        return [_file_item(real, roots)]
    return [ItemSource(display, None, error=f"{display}: not found")]


def _file_item(real: Path, roots: Roots) -> ItemSource:
    name = roots.display(real)
    return ItemSource(name, real, [SourceFile(real, name)])


def _walk(folder: Path, roots: Roots) -> list[ItemSource]:
    """The item for `folder` (if it holds pages), then items below it."""
    here = ItemSource(roots.display(folder), folder)
    below: list[ItemSource] = []
    problems: list[str] = []
    meta_file: Path | None = None
    for entry in sorted(os.scandir(folder), key=lambda e: natural_key(e.name)):
        name = entry.name
        if name.startswith(".") or name.casefold() in JUNK_NAMES:
            continue
        path = folder / name
        display = f"{here.name}/{name}"
        try:
            real = roots.resolve(path, display)
        except OutsideBatch as exc:
            problems.append(str(exc))
            continue
        ext = path.suffix.casefold()
        if real.is_dir():
            below.extend(_walk(real, roots))
        elif not real.is_file():
            here.ignored.append(f"{display} (not a regular file)")
        elif ext in PDF_EXTS:
            below.append(ItemSource(display, real, [SourceFile(real, display)]))
        elif ext in PAGE_EXTS:
            here.files.append(SourceFile(real, display))
        elif name.casefold() in ITEM_YAML_NAMES:
            meta_file = real
        elif ext not in SIDECAR_EXTS:
            here.ignored.append(display)
    if problems:
        # A page the batch may not read makes the item incomplete: fail it rather than skip the page.
        here.error = "; ".join(problems)
    if meta_file is not None and here.files:
        here.meta_where = f"{here.name}/{meta_file.name}"
        here.meta = read_item_meta(meta_file, here.meta_where)
    return ([here] if here.files or here.error else []) + below


def attach_sheet(items: list[ItemSource], rows: Sequence[SheetRow], sheet_dir: Path,
                 roots: Roots) -> list[ItemSource]:
    """Give sheet metadata to the items its rows name; rows naming something not yet found add it.

    A row whose path does not exist (or leaves the batch) becomes a failed item named after the row.
    """
    by_path = {item.path: i for i, item in enumerate(items) if item.path is not None}
    out = list(items)
    for row in rows:
        display = f"sheet row {row.row_number}: {row.path}" if row.path else f"sheet row {row.row_number}"
        if not row.path:
            out.append(ItemSource(display, None, error=f"sheet row {row.row_number}, column path: empty"))
            continue
        target = sheet_dir / row.path
        try:
            real = roots.resolve(target, display)
        except OutsideBatch as exc:
            out.append(ItemSource(row.path, None, error=str(exc)))
            continue
        if not real.exists():
            out.append(ItemSource(row.path, None,
                                  error=f"sheet row {row.row_number}, column path: {row.path!r} not found"))
            continue
        if real not in by_path:
            found = source_for(real, roots, row.path)
            match = [s for s in found if s.path == real] or found[:1]
            if not match:
                out.append(ItemSource(row.path, real,
                                      error=f"sheet row {row.row_number}, column path: {row.path!r} holds no pages"))
                continue
            by_path[real] = len(out)
            out.append(match[0])
        index = by_path[real]
        out[index] = replace(out[index], meta=row, meta_where=f"sheet row {row.row_number}")
    return out
