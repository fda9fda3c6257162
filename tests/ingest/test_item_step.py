"""The item PDF: page PDFs joined in groups by pdfunite (bounded memory), pypdf as the fallback."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from ingest import item_step
from ingest.pdfrender import Limits

from tests.ingest.conftest import pdf


@pytest.mark.parametrize("use_pdfunite", [True, False])
def test_page_pdfs_are_joined_in_order(tmp_path, store, monkeypatch, use_pdfunite):
    keys = []
    for n in range(7):
        source = pdf(tmp_path / f"p{n}.pdf", 1 + n % 2)  # 1 or 2 pages each
        keys.append(f"items/kzx/pages/{n + 1:04d}/page.pdf")
        store.put_file(keys[-1], source)
    monkeypatch.setattr(item_step, "UNITE_GROUP", 3)  # 7 files: groups of 3, 3, 1, then the groups
    if not use_pdfunite:
        monkeypatch.setattr(item_step.shutil, "which", lambda name: None)
    out = tmp_path / "item.pdf"
    item_step.merge_pdf(store, keys, out, Limits(60, 1024))
    assert len(PdfReader(out).pages) == sum(1 + n % 2 for n in range(7))
