"""Thin Tesseract backend: one CLI run writes ALTO, plain text and a PDF page.

The child gets its own temporary working directory, a minimal environment with
OMP_THREAD_LIMIT=1 (pages run in parallel processes; OpenMP threads would fight
over the cores) and a timeout. Its stderr is never passed on: it can echo file
contents (input-pitfalls.md); failures are reported with causes we write ourselves.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import cached_property
from pathlib import Path

from lxml import etree

from ocr import alto as alto_mod
from ocr.alto import ALTO_V4, ALTO_V4_SCHEMA, AltoError, PageText
from ocr.base import Component, OcrEngine, OcrFailed, OcrResult, OcrTimeout
from ocr.inputs import ensure_page_image
from ocr.preprocess import upright
from ocr.tesseract_capi import PAGE_SEGMENTATION_MODES, TessLibraryError
from ocr.tesseract_capi import version as library_version
from ocr.tesseract_resident import ResidentTesseract

MIN_VERSION = (4, 1)  # LSTM engine and the ALTO renderer
# Every model the pipeline uses, with the Debian package that installs it.
REQUIRED_MODELS = {
    "kaz": "tesseract-ocr-kaz",
    "rus": "tesseract-ocr-rus",
    "eng": "tesseract-ocr-eng",
    "Latin": "tesseract-ocr-script-latn",
    "Cyrillic": "tesseract-ocr-script-cyrl",
    "osd": "tesseract-ocr-osd",
}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XLINK = "http://www.w3.org/1999/xlink"
_LANG_PART = re.compile(r"^[A-Za-z0-9_]+$")


class TesseractEngine(OcrEngine):
    """`resident`: keep the models loaded in a helper process (libtesseract) instead of running the
    `tesseract` program per page; the same output files, without reloading the models every page."""

    def __init__(self, binary: str = "tesseract", resident: bool = True) -> None:
        self._binary_name = binary
        self.resident = resident
        self._helper: ResidentTesseract | None = None

    def __getstate__(self) -> dict[str, object]:
        # Sent to pool workers: each process starts its own helper when it first needs one.
        state = dict(self.__dict__)
        state["_helper"] = None
        return state

    def close(self) -> None:
        """End the resident helper, if one runs (it also ends by itself with this process)."""
        if self._helper is not None:
            self._helper.close()

    # -- public API ---------------------------------------------------------
    def recognise(self, image_path: Path, languages: str, timeout_s: int, psm: int = 3) -> OcrResult:
        image_path = Path(image_path)
        ensure_page_image(image_path)
        self._ensure_languages(languages)
        with tempfile.TemporaryDirectory(prefix="olketanu-ocr-") as tmp:
            work = Path(tmp)
            source = upright(image_path, work)
            self._run(source, work, languages, psm, timeout_s, ("alto", "txt", "pdf"), image_path.name)
            raw_alto = _read_output(work / "out.xml", image_path.name, "ALTO")
            # A blank leaf has an empty text file beside a real ALTO page; only ALTO and PDF prove a read.
            text = _read_output(work / "out.txt", image_path.name, "text", may_be_empty=True).decode("utf-8")
            pdf = _read_output(work / "out.pdf", image_path.name, "PDF")
        alto = to_alto_v4(raw_alto, image_path.name)
        page = alto_mod.parse_alto(alto)
        return OcrResult(
            alto=alto,
            text=text,
            pdf=pdf,
            mean_confidence=alto_mod.mean_confidence(page),
            word_count=len(page.words()),
            languages=languages,
        )

    def read_layout(self, image_path: Path, languages: str, timeout_s: int, psm: int = 3) -> PageText:
        image_path = Path(image_path)
        ensure_page_image(image_path)
        self._ensure_languages(languages)
        with tempfile.TemporaryDirectory(prefix="olketanu-ocr-") as tmp:
            work = Path(tmp)
            self._run(image_path, work, languages, psm, timeout_s, ("alto",), image_path.name)
            raw_alto = _read_output(work / "out.xml", image_path.name, "ALTO")
        try:
            return alto_mod.parse_alto(raw_alto)
        except AltoError as exc:
            raise OcrFailed(f"{image_path.name}: Tesseract wrote unreadable ALTO ({exc})") from None

    def check(self) -> list[Component]:
        binary = self._binary
        if binary is None:
            return [Component("tesseract", None, False, f"'{self._binary_name}' not found on PATH",
                              "apt-get install tesseract-ocr")]
        version = self._version()
        ok = version is not None and _version_tuple(version) >= MIN_VERSION
        parts = [Component("tesseract", version, ok, binary if ok else f"{binary}: version {version} is older than 4.1",
                           None if ok else "apt-get install tesseract-ocr (Debian 12 ships 5.3)")]
        if self.resident:
            parts.append(self._check_library())
        installed = self._languages
        for model, package in REQUIRED_MODELS.items():
            present = model in installed
            parts.append(Component(
                f"tesseract model {model}", None, present,
                "installed" if present else "traineddata missing",
                None if present else f"apt-get install {package}",
            ))
        return parts

    # -- internals ----------------------------------------------------------
    def _check_library(self) -> Component:
        name = "libtesseract (ocr.tesseract_resident)"
        fix = "apt-get install libtesseract5, or set ocr.tesseract_resident: false"
        try:
            found = library_version()
        except TessLibraryError as exc:
            return Component(name, None, False, str(exc), fix)
        program = self._version()
        if program is not None and _version_tuple(found) != _version_tuple(program):
            # The resident mode must read pages as the program would: the same Tesseract release.
            return Component(name, found, False, f"the tesseract program is {program}: not the same release",
                             "install tesseract-ocr and libtesseract5 from the same packages")
        return Component(name, found, True, "models stay loaded between pages")

    @cached_property
    def _binary(self) -> str | None:
        return shutil.which(self._binary_name)

    def _require_binary(self) -> str:
        if self._binary is None:
            raise OcrFailed(f"Tesseract is not installed ('{self._binary_name}' not found)")
        return self._binary

    def _version(self) -> str | None:
        out = self._call([self._require_binary(), "--version"])
        match = re.search(r"tesseract\s+v?(\d+\.\d+(?:\.\d+)?)", out)
        return match.group(1) if match else None

    @cached_property
    def _languages(self) -> frozenset[str]:
        out = self._call([self._require_binary(), "--list-langs"])
        # The first line names the tessdata folder; the rest are model names.
        return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())

    def _ensure_languages(self, languages: str) -> None:
        parts = languages.split("+")
        if not languages or not all(_LANG_PART.match(p) for p in parts):
            raise OcrFailed(f"invalid language setting {languages!r} (expected e.g. kaz+rus+eng)")
        missing = [p for p in parts if p not in self._languages]
        if missing:
            hints = ", ".join(f"{m} ({REQUIRED_MODELS.get(m, 'tesseract-ocr-' + m.lower())})" for m in missing)
            raise OcrFailed(f"Tesseract model not installed: {hints}")

    def _call(self, argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=_child_env(), check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OcrFailed(f"could not run {argv[0]} ({type(exc).__name__})") from None
        # --version and --list-langs print to stdout or stderr depending on the build.
        return done.stdout + done.stderr

    def _run(self, image: Path, work: Path, languages: str, psm: int, timeout_s: int,
             configs: tuple[str, ...], shown_name: str) -> None:
        if psm not in PAGE_SEGMENTATION_MODES:
            # 0 writes an orientation report instead of the outputs; 2 does no OCR at all.
            raise OcrFailed(f"unsupported page segmentation mode {psm} (use 1 or 3-13)")
        if self.resident:
            if self._helper is None:
                self._helper = ResidentTesseract(_child_env())
            self._helper.run(image, work / "out", languages, psm, configs, timeout_s, shown_name)
            return
        argv = [self._require_binary(), str(image.resolve()), "out", "-l", languages,
                "--oem", "1", "--psm", str(int(psm)), *configs]
        try:
            done = subprocess.run(argv, cwd=work, env=_child_env(), capture_output=True,
                                  timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise OcrTimeout(f"{shown_name}: OCR did not finish within {timeout_s} s") from None
        except OSError as exc:
            raise OcrFailed(f"{shown_name}: could not start Tesseract ({exc.strerror})") from None
        if done.returncode != 0:
            raise OcrFailed(f"{shown_name}: Tesseract failed (exit status {done.returncode})")


def _child_env() -> dict[str, str]:
    # A fixed, minimal environment: nothing of the parent's leaks in, and the
    # thread limit holds even when the caller's environment says otherwise.
    return {"OMP_THREAD_LIMIT": "1", "LC_ALL": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def _read_output(path: Path, shown_name: str, what: str, may_be_empty: bool = False) -> bytes:
    # Some unreadable images give no output file, others empty ones (Tesseract 5.3 then exits 1;
    # the library's ProcessPages returns false, both are failures before this is reached).
    if not path.is_file() or (path.stat().st_size == 0 and not may_be_empty):
        raise OcrFailed(f"{shown_name}: Tesseract produced no {what} (the image could not be read)")
    return path.read_bytes()


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2])


def to_alto_v4(data: bytes, source_name: str) -> bytes:
    """Tesseract's ALTO 3.0 as ALTO 4.4: same structure, new namespace and schemaLocation.

    The file name is reduced to the image's base name so no server path is stored.
    """
    try:
        root = alto_mod.parse_root(data)
    except AltoError as exc:
        raise OcrFailed(f"{source_name}: Tesseract wrote unreadable ALTO ({exc})") from None
    if root.find(".//{*}Layout/{*}Page") is None:
        raise OcrFailed(f"{source_name}: Tesseract produced an empty ALTO (the image could not be read)")
    new_root = _renamespace(root, {None: ALTO_V4, "xlink": XLINK, "xsi": XSI})
    new_root.set(f"{{{XSI}}}schemaLocation", f"{ALTO_V4} {ALTO_V4_SCHEMA}")
    for file_name in new_root.iterfind(f".//{{{ALTO_V4}}}sourceImageInformation/{{{ALTO_V4}}}fileName"):
        file_name.text = source_name
    return etree.tostring(new_root, xml_declaration=True, encoding="UTF-8")


def _renamespace(el: etree._Element, nsmap: dict[str | None, str]) -> etree._Element:
    qname = etree.QName(el)
    tag = f"{{{ALTO_V4}}}{qname.localname}" if qname.namespace in alto_mod.KNOWN_NAMESPACES else el.tag
    new = etree.Element(tag, nsmap=nsmap)
    for key, value in el.attrib.items():
        new.set(key, value)
    new.text, new.tail = el.text, el.tail
    for child in el:
        if isinstance(child.tag, str):
            new.append(_renamespace(child, nsmap))
    return new
