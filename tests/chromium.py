"""Real headless Chromium (Debian's `chromium`, driven by Playwright) for the browser tests.

One place for the binary, its flags and the "is it installed" check: setup.sh installs the browser
and Mirador, so a missing one fails the test (never skips it).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
MIRADOR_DIST = ROOT / "node_modules" / "mirador" / "dist"
# No sandbox (tests may run as root), no GPU or /dev/shm (containers), and nothing that reaches the
# network on its own.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-first-run",
        "--disable-quic"]


def require(mirador: bool = False) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: setup.sh installs Debian chromium")
    if mirador and not (MIRADOR_DIST / "mirador.min.js").exists():
        pytest.fail(f"{MIRADOR_DIST}/mirador.min.js is missing: setup.sh runs npm install")


@contextmanager
def launched(mirador: bool = False) -> Iterator[Any]:
    """A Playwright Browser on Debian's Chromium, closed afterwards."""
    require(mirador)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
