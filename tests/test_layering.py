"""Imports point downwards (../shared/DESIGN.md): a test, so a wrong-way import fails CI.

floor 1: metadata, storage, ocr (ocr may use metadata) — no other project package
floor 2: ingest, viewer — only floor 1, never each other, never repository
floor 3: repository — anything
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("metadata", "storage", "ocr", "ingest", "viewer", "repository")
ALLOWED = {
    "metadata": set(),
    "storage": set(),
    "ocr": {"metadata"},
    "ingest": {"metadata", "storage", "ocr"},
    "viewer": {"metadata", "storage", "ocr"},
    "repository": set(PROJECT),
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(PROJECT)


@pytest.mark.parametrize("package", PROJECT)
def test_imports_point_downwards(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_packages(path) - ALLOWED[package] - {package}
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"imports pointing the wrong way: {wrong}"
