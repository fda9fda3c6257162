"""PDF pages to pixels with poppler, one page at a time, in limited child processes.

Why not pdf2image: it cannot put a memory limit on pdftoppm, and poppler can run forever (nested
form XObjects) or allocate without bound. Every poppler call here runs as a child with a wall-clock
timeout, an address-space limit and a CPU-time limit. Page sizes are checked before rendering
(pdftoppm "renders" an oversized page as a 1×1 image and exits 0). Only pixels and text are taken
from a PDF: JavaScript, actions and attachments are never acted on.
"""
from __future__ import annotations

import math
import re
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyvips

from ingest.errors import InvalidFile, PdfEncrypted, PdfError, ToolFailed
from ingest.validate import vips_reason


@dataclass(frozen=True)
class Limits:
    timeout_s: int
    memory_mb: int


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    encrypted: bool  # owner-password-only PDFs open (and say so); user-password ones raise


@dataclass(frozen=True)
class PageBox:
    width_pt: float
    height_pt: float
    rotation: int

    def pixels_at(self, dpi: int) -> tuple[int, int]:
        w = math.ceil(self.width_pt * dpi / 72)
        h = math.ceil(self.height_pt * dpi / 72)
        return (h, w) if self.rotation % 180 else (w, h)


def _limiter(limits: Limits) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = limits.timeout_s + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    return apply


def run_tool(args: list[str], limits: Limits) -> subprocess.CompletedProcess[bytes]:
    """Run a poppler tool with limits; ToolFailed on timeout or a limit kill (stderr never shown)."""
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=limits.timeout_s, preexec_fn=_limiter(limits), check=False)
    except subprocess.TimeoutExpired as exc:
        raise ToolFailed(args[0], f"gave no result within {limits.timeout_s} s") from exc
    except OSError as exc:
        raise ToolFailed(args[0], f"cannot be started ({exc.strerror})") from exc
    if done.returncode < 0:
        raise ToolFailed(args[0], f"was stopped by signal {-done.returncode} (time or memory limit)")
    return done


def _needs_password(stderr: bytes) -> bool:
    return b"Incorrect password" in stderr


def pdf_info(path: Path, name: str, limits: Limits) -> PdfInfo:
    done = run_tool(["pdfinfo", str(path)], limits)
    if _needs_password(done.stderr):
        raise PdfEncrypted(name)
    if done.returncode != 0:
        raise PdfError(name, "not a readable PDF (damaged beyond what poppler can repair)")
    fields = _fields(done.stdout)
    try:
        pages = int(fields.get("Pages", "0"))
    except ValueError:
        pages = 0
    if pages < 1:
        raise PdfError(name, "PDF has no pages")
    return PdfInfo(pages, fields.get("Encrypted", "no").startswith("yes"))


def _fields(stdout: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("Pages", "Encrypted"):
            out[key] = value.strip()
    return out


_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.M)
_ROT = re.compile(r"^Page\s+(\d+)\s+rot:\s+(-?\d+)", re.M)


def page_box(path: Path, name: str, page: int, limits: Limits) -> PageBox:
    """Size and rotation of one page (1-based), from pdfinfo -f N -l N."""
    done = run_tool(["pdfinfo", "-f", str(page), "-l", str(page), str(path)], limits)
    if _needs_password(done.stderr):
        raise PdfEncrypted(name)
    text = done.stdout.decode("utf-8", "replace")
    size = _SIZE.search(text)
    if done.returncode != 0 or size is None:
        raise PdfError(name, f"page {page}: size cannot be read")
    rot = _ROT.search(text)
    return PageBox(float(size.group(2)), float(size.group(3)), int(rot.group(2)) if rot else 0)


def render_page(path: Path, name: str, page: int, out_stem: Path, *, dpi: int, max_pixels: int,
                quality: int, limits: Limits) -> Path:
    """Render page `page` (1-based) to `<out_stem>.jpg`, after checking its pixel count."""
    box = page_box(path, name, page, limits)
    width, height = box.pixels_at(dpi)
    if width * height > max_pixels:
        raise InvalidFile(name, f"page {page} is {box.width_pt / 72:.1f}×{box.height_pt / 72:.1f} in; at "
                                f"{dpi} dpi that is {width}×{height} pixels, over the limit of {max_pixels:,}")
    args = ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
            "-jpeg", "-jpegopt", f"quality={quality}", str(path), str(out_stem)]
    done = run_tool(args, limits)
    out = out_stem.with_suffix(".jpg")
    if _needs_password(done.stderr):
        raise PdfEncrypted(name)
    if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        raise PdfError(name, f"page {page} cannot be rendered")
    try:
        got = pyvips.Image.jpegload(str(out), access="sequential")
    except pyvips.Error as exc:
        raise PdfError(name, f"page {page} rendered as an unreadable image ({vips_reason(exc)})") from exc
    # pdftoppm answers an allocation it cannot make with a 1×1 image and exit code 0.
    if abs(got.width - width) > 2 or abs(got.height - height) > 2:
        raise PdfError(name, f"page {page} rendered as {got.width}×{got.height} pixels instead of "
                             f"{width}×{height}")
    return out


def page_text(path: Path, name: str, page: int, limits: Limits) -> str:
    """The PDF's own text layer of one page ('' when there is none). A hint only: OCR still runs."""
    done = run_tool(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"], limits)
    if done.returncode != 0:
        return ""
    text = done.stdout.decode("utf-8", "replace").replace("\f", "")
    return text if text.strip() else ""
