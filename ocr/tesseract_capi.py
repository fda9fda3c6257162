"""Thin ctypes binding to libtesseract's C API: just what one page run needs.

`TessApi.process` calls `TessBaseAPIProcessPages` with the ALTO, text and PDF renderers, which is
what the `tesseract` program itself does for `tesseract IMG out alto txt pdf`; the files written are
the program's, byte for byte but for the PDF's creation date (tests/ocr/test_resident.py compares
them, also across model sets and page segmentation modes on one initialised model set). One known
difference: Debian's program turns floating-point exceptions on (`feenableexcept`), so a page that
trips one kills the program (SIGFPE) while the library goes on and reads it. What the library saves
is loading the models: the program reads them for every page (≈ 0.1 CPU-s for kaz+rus+eng), an
initialised `TessApi` keeps them for the next page.

Loaded only when first used (no import-time side effects): the `tesseract` program and this
library come from the same Debian package set (tesseract-ocr depends on libtesseract5).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache
from pathlib import Path

OEM_LSTM_ONLY = 1
# Page segmentation modes that write ALTO, text and PDF like the program: 0 (orientation only) writes
# an .osd file instead, 2 (layout without OCR) crashes the library's result iterator.
PAGE_SEGMENTATION_MODES = frozenset({1, *range(3, 14)})
# Renderer constructors by output name, as the program's config files name them (alto, txt, pdf).
OUTPUTS = ("alto", "txt", "pdf")


class TessLibraryError(OSError):
    """libtesseract could not be loaded, or a model set could not be initialised."""


@cache
def library() -> ctypes.CDLL:
    name = ctypes.util.find_library("tesseract")
    if name is None:
        raise TessLibraryError("libtesseract not found (apt-get install libtesseract5)")
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise TessLibraryError(f"libtesseract cannot be loaded ({exc})") from None
    _declare(lib)
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "TessVersion": (text, []),
        "TessBaseAPICreate": (handle, []),
        "TessBaseAPIInit2": (ctypes.c_int, [handle, text, text, ctypes.c_int]),
        "TessBaseAPIGetDatapath": (text, [handle]),
        "TessBaseAPISetPageSegMode": (None, [handle, ctypes.c_int]),
        "TessBaseAPIProcessPages": (ctypes.c_int, [handle, text, text, ctypes.c_int, handle]),
        "TessBaseAPIClear": (None, [handle]),
        "TessBaseAPIEnd": (None, [handle]),
        "TessBaseAPIDelete": (None, [handle]),
        "TessAltoRendererCreate": (handle, [text]),
        "TessTextRendererCreate": (handle, [text]),
        "TessPDFRendererCreate": (handle, [text, text, ctypes.c_int]),
        "TessResultRendererInsert": (None, [handle, handle]),
        "TessDeleteResultRenderer": (None, [handle]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes


def version() -> str:
    return library().TessVersion().decode("ascii", "replace")


class TessApi:
    """One initialised model set (e.g. ``kaz+rus+eng``), reused page after page."""

    def __init__(self, languages: str) -> None:
        self._lib = library()
        self.languages = languages
        self._handle = self._lib.TessBaseAPICreate()
        # NULL datapath: the library's compiled-in tessdata folder, the one the program uses.
        if self._lib.TessBaseAPIInit2(self._handle, None, languages.encode("ascii"), OEM_LSTM_ONLY) != 0:
            self.close()
            raise TessLibraryError(f"Tesseract could not load the models {languages}")
        self._datapath = self._lib.TessBaseAPIGetDatapath(self._handle)

    def process(self, image: str | bytes | Path, outbase: str | bytes | Path, psm: int,
                outputs: tuple[str, ...]) -> bool:
        """Write `outbase`.xml/.txt/.pdf for `image`, as `tesseract image outbase ...outputs` would."""
        unknown = set(outputs) - set(OUTPUTS)
        if unknown or not outputs:
            raise ValueError(f"unsupported outputs {sorted(unknown) or 'none'}")
        if psm not in PAGE_SEGMENTATION_MODES:
            raise ValueError(f"unsupported page segmentation mode {psm}")
        self._lib.TessBaseAPISetPageSegMode(self._handle, psm)
        renderer = self._renderers(os.fsencode(outbase), outputs)
        try:
            return bool(self._lib.TessBaseAPIProcessPages(self._handle, os.fsencode(image), None, 0, renderer))
        finally:
            self._lib.TessDeleteResultRenderer(renderer)  # deletes the whole chain, closing its files
            # The page's image and results would otherwise stay in memory with this model set until
            # its next page: up to ~90 MB for a large page, times every model set kept.
            self._lib.TessBaseAPIClear(self._handle)

    def _renderers(self, base: bytes, outputs: tuple[str, ...]) -> int:
        made = []
        for name in outputs:
            if name == "alto":
                made.append(self._lib.TessAltoRendererCreate(base))
            elif name == "txt":
                made.append(self._lib.TessTextRendererCreate(base))
            else:
                made.append(self._lib.TessPDFRendererCreate(base, self._datapath, 0))
        for renderer in made[1:]:
            self._lib.TessResultRendererInsert(made[0], renderer)
        return made[0]

    def close(self) -> None:
        if self._handle:
            self._lib.TessBaseAPIEnd(self._handle)
            self._lib.TessBaseAPIDelete(self._handle)
            self._handle = None
