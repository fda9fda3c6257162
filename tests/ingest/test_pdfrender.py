"""PDF pages rendered one at a time in limited children; encrypted, broken and oversized PDFs."""
from __future__ import annotations

import pytest
import pyvips
from pypdf import PdfWriter

from ingest.errors import InvalidFile, PdfEncrypted, ToolFailed
from ingest.pdfrender import Limits, page_text, pdf_info, render_page, run_tool

from tests.ingest.conftest import broken_xref_pdf, encrypted_pdf, pdf

LIMITS = Limits(timeout_s=30, memory_mb=1024)


def render(path, page, tmp_path, dpi=100):
    return render_page(path, path.name, page, tmp_path / f"r{page}", dpi=dpi, max_pixels=50_000_000,
                       quality=90, limits=LIMITS)


def test_pages_render_one_at_a_time(tmp_path):
    source = pdf(tmp_path / "three.pdf", 3)
    assert pdf_info(source, "three.pdf", LIMITS).pages == 3
    out = render(source, 3, tmp_path, dpi=100)
    image = pyvips.Image.new_from_file(str(out))
    assert (image.width, image.height) == (800, 1100)  # made at 100 dpi, rendered at 100 dpi


def test_user_password_pdf_fails_clearly(tmp_path):
    locked = encrypted_pdf(tmp_path / "locked.pdf", pdf(tmp_path / "a.pdf", 1), user_password="secret")
    with pytest.raises(PdfEncrypted, match="locked.pdf: PDF is encrypted with a user password"):
        pdf_info(locked, "locked.pdf", LIMITS)


def test_owner_password_only_pdf_opens(tmp_path):
    owner = encrypted_pdf(tmp_path / "owner.pdf", pdf(tmp_path / "a.pdf", 2), user_password="")
    info = pdf_info(owner, "owner.pdf", LIMITS)
    assert info.pages == 2 and info.encrypted
    assert render(owner, 2, tmp_path).is_file()


def test_broken_xref_is_repaired_by_poppler(tmp_path):
    broken = broken_xref_pdf(tmp_path / "broken.pdf", pdf(tmp_path / "a.pdf", 2))
    assert pdf_info(broken, "broken.pdf", LIMITS).pages == 2
    assert render(broken, 1, tmp_path).is_file()


def test_oversized_page_is_refused_before_rendering(tmp_path):
    huge = tmp_path / "huge.pdf"
    writer = PdfWriter()
    writer.add_blank_page(200 * 72, 200 * 72)  # 200 × 200 inches
    writer.write(huge)
    with pytest.raises(InvalidFile, match=r"page 1 is 200.0×200.0 in; at 300 dpi that is 60000×60000 pixels"):
        render_page(huge, "huge.pdf", 1, tmp_path / "r", dpi=300, max_pixels=400_000_000, quality=90,
                    limits=LIMITS)


def test_tools_run_with_a_timeout():
    with pytest.raises(ToolFailed, match="gave no result within 1 s"):
        run_tool(["sleep", "10"], Limits(timeout_s=1, memory_mb=64))


def test_existing_text_layer_is_read_as_a_hint(tmp_path, engine):
    # Tesseract's own PDF output has an invisible text layer: a realistic "OCRed before" PDF.
    from tests.ingest.conftest import page
    result = engine.recognise(page(tmp_path / "p.png"), "eng", 60)
    layered = tmp_path / "layered.pdf"
    layered.write_bytes(result.pdf)
    assert "Irtysh" in page_text(layered, "layered.pdf", 1, LIMITS)
    assert page_text(pdf(tmp_path / "scan.pdf", 1), "scan.pdf", 1, LIMITS) == ""
