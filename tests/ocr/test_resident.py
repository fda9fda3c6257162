"""Resident Tesseract (models kept loaded in a helper process) against the `tesseract` program.

The resident mode is the default; tests/ocr/test_engine.py runs through it. Here: it writes what
the program writes, it survives hangs and crashes one page at a time, and the program mode still
works when switched on.
"""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from ocr.base import OcrFailed, OcrTimeout
from ocr.tesseract import TesseractEngine
from ocr.tesseract_capi import TessApi
from ocr.tesseract_child import ModelCache
from tests.ocr import pages


@pytest.fixture(scope="module")
def program():
    return TesseractEngine(resident=False)


@pytest.fixture()
def resident():
    engine = TesseractEngine(resident=True)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def big_page(page_dir):
    return pages.render(page_dir / "resident-big.png", pages.KAZAKH_CYRILLIC, "DejaVuSerif.ttf",
                        width=2480, repeat=14)


def _pdf_without_dates(pdf: bytes) -> bytes:
    # The PDF carries the time it was written; nothing else may differ.
    return b"\n".join(line for line in pdf.split(b"\n") if b"CreationDate" not in line)


def test_same_output_as_the_program(program, resident, kazakh_cyrillic_page, kazakh_latin_page):
    for page, languages in ((kazakh_cyrillic_page, "kaz+rus+eng"), (kazakh_latin_page, "Latin"),
                            (kazakh_cyrillic_page, "kaz+rus+eng")):  # again: a reused model set
        ours, theirs = resident.recognise(page, languages, 60), program.recognise(page, languages, 60)
        assert ours.alto == theirs.alto and ours.text == theirs.text
        assert _pdf_without_dates(ours.pdf) == _pdf_without_dates(theirs.pdf)
        assert ours.word_count == theirs.word_count > 10
    assert resident._helper.pid is not None  # one helper served every page


def test_layout_pass_same_as_the_program(program, resident, kazakh_cyrillic_page):
    ours = resident.read_layout(kazakh_cyrillic_page, "Cyrillic+eng", 60)
    theirs = program.read_layout(kazakh_cyrillic_page, "Cyrillic+eng", 60)
    assert ours == theirs and ours.words()


def test_timeout_fails_the_page_and_the_next_page_works(resident, big_page, kazakh_cyrillic_page):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    first = resident._helper.pid
    with pytest.raises(OcrTimeout, match="resident-big.png: OCR did not finish within 1 s"):
        resident.recognise(big_page, "kaz+rus+eng", timeout_s=1)
    assert not _alive(first)  # killed, not left running in the background
    assert resident.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10
    assert resident._helper.pid != first


def test_crash_fails_the_page_and_the_next_page_works(resident, big_page, kazakh_cyrillic_page):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    helper = resident._helper.pid
    # A segfault inside Tesseract, while it reads the page.
    threading.Timer(0.5, os.kill, (helper, signal.SIGSEGV)).start()
    with pytest.raises(OcrFailed, match=r"resident-big.png: Tesseract crashed \(signal 11\)"):
        resident.recognise(big_page, "kaz+rus+eng", timeout_s=60)
    assert resident.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10


def test_unreadable_image_is_a_clean_failure(resident, tmp_path):
    # A PNG signature and header, then garbage: past our sniffing, refused by leptonica.
    bad = tmp_path / "cut.png"
    Image.new("L", (600, 800), 255).save(bad)
    bad.write_bytes(bad.read_bytes()[:60] + b"\x00" * 200)
    with pytest.raises(OcrFailed) as err:
        resident.recognise(bad, "eng", 30)
    assert str(err.value).startswith("cut.png: ") and "Traceback" not in str(err.value)


def test_engine_is_sent_to_workers_without_its_helper(resident, kazakh_cyrillic_page):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    copy = pickle.loads(pickle.dumps(resident))
    assert copy._helper is None and copy.resident
    assert copy.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10
    assert copy._helper.pid != resident._helper.pid
    copy.close()


def test_helper_ends_with_its_parent_engine(kazakh_cyrillic_page):
    engine = TesseractEngine()
    engine.recognise(kazakh_cyrillic_page, "kaz", 60)
    helper = engine._helper.pid
    engine.close()
    assert not _alive(helper)


def test_program_mode_still_works(program, big_page, kazakh_cyrillic_page):
    assert program.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10
    assert program._helper is None
    with pytest.raises(OcrTimeout, match="within 1 s"):
        program.recognise(big_page, "kaz+rus+eng", timeout_s=1)


def test_model_cache_keeps_the_most_recent_sets():
    cache = ModelCache(keep=2)
    eng = cache.get("eng")
    assert cache.get("eng") is eng
    cache.get("kaz")
    cache.get("eng")  # used again: now the most recent
    cache.get("rus")  # evicts kaz, the least recent
    assert cache.get("eng") is eng
    assert list(cache._apis) == ["rus", "eng"]
    cache.close()
    assert not cache._apis


def test_unknown_model_set_is_refused_by_the_library():
    with pytest.raises(OSError, match="could not load the models nosuchmodel"):
        TessApi("nosuchmodel")


def test_check_reports_the_library(resident, program):
    names = {c.name: c for c in resident.check()}
    library = names["libtesseract (ocr.tesseract_resident)"]
    assert library.ok and library.version.startswith(("4.", "5."))
    assert "libtesseract (ocr.tesseract_resident)" not in {c.name for c in program.check()}


def _alive(pid: int, within_s: float = 5) -> bool:
    """Whether `pid` still runs after `within_s`. A zombie counts as ended: an orphan is reaped by
    whatever init the machine has, whenever it gets to it."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


def test_helper_dies_with_a_killed_parent_mid_page(big_page):
    # A worker killed outright (kill -9) while its helper reads a page: the helper must not go on alone.
    script = (
        "import sys, threading, time\n"
        "from ocr.tesseract import TesseractEngine\n"
        "engine = TesseractEngine()\n"
        "threading.Thread(target=engine.recognise, args=(sys.argv[1], 'kaz+rus+eng', 60), daemon=True).start()\n"
        "while engine._helper is None or engine._helper.pid is None: time.sleep(0.01)\n"
        "print(engine._helper.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(big_page)], stdout=subprocess.PIPE,
                              cwd=Path(__file__).resolve().parents[2])
    helper = int(parent.stdout.readline())
    time.sleep(1)  # the helper is now loading models or reading the page
    parent.kill()
    parent.wait()
    parent.stdout.close()
    assert not _alive(helper, within_s=0.5)  # not after finishing the page (seconds)


@pytest.mark.parametrize("psm", [0, 2, 14, -1])
def test_unsupported_page_segmentation_modes_are_refused(resident, program, kazakh_cyrillic_page, psm):
    for engine in (resident, program):
        with pytest.raises(OcrFailed, match=f"unsupported page segmentation mode {psm}"):
            engine.recognise(kazakh_cyrillic_page, "kaz", 30, psm=psm)


def test_a_bad_request_is_answered_and_the_helper_keeps_its_models(resident, kazakh_cyrillic_page, tmp_path):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    helper = resident._helper
    first = helper.pid
    with pytest.raises(OcrFailed, match="could not run the request.*unsupported outputs"):
        helper.run(kazakh_cyrillic_page, tmp_path / "out", "kaz", 3, ("hocr",), 30, "p.png")
    assert helper.pid == first  # answered, not crashed
    assert resident.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10


def test_an_interrupted_request_never_leaves_the_helper_a_page_behind(resident, kazakh_cyrillic_page,
                                                                        kazakh_latin_page, monkeypatch):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    helper = resident._helper
    first = helper.pid
    real_read = helper._read_line

    def interrupted(*args):
        raise KeyboardInterrupt  # Ctrl-C while the helper reads the page

    monkeypatch.setattr(helper, "_read_line", interrupted)
    with pytest.raises(KeyboardInterrupt):
        resident.recognise(kazakh_latin_page, "Latin", 60)
    monkeypatch.setattr(helper, "_read_line", real_read)
    assert not _alive(first)
    # The next page gets its own answer, not the interrupted page's late one.
    again = resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    assert again.text == resident.recognise(kazakh_cyrillic_page, "kaz", 60).text
    assert "Қазақ" in again.text or again.word_count > 10


def test_a_helper_started_by_a_thread_outlives_that_thread(resident, kazakh_cyrillic_page, big_page):
    started = threading.Thread(target=resident.recognise, args=(kazakh_cyrillic_page, "kaz", 60))
    started.start()
    started.join()
    helper = resident._helper.pid
    assert resident.recognise(big_page, "kaz", 120).word_count > 100  # the thread is gone, the helper not
    assert resident._helper.pid == helper


def test_a_forked_copy_does_not_share_the_helper_or_a_held_lock(resident, kazakh_cyrillic_page):
    resident.recognise(kazakh_cyrillic_page, "kaz", 60)
    parents_helper = resident._helper.pid
    with resident._helper._lock:  # held by this thread at the moment of the fork
        child = os.fork()
        if child == 0:
            code = 1
            try:
                ok = resident.recognise(kazakh_cyrillic_page, "kaz", 60).word_count > 10
                code = 0 if ok and resident._helper.pid != parents_helper else 2
                resident.close()
            finally:
                os._exit(code)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the forked copy hung on the lock it inherited")
    assert os.waitstatus_to_exitcode(status) == 0
    assert resident._helper.pid == parents_helper
