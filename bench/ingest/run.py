"""Ingest benchmark (issue 3): throughput and CER against raw Tesseract; peak memory on a long PDF.

    .venv/bin/python -m bench.ingest.run [--samples ../shared/samples] [--workers N]
        [--big-pdf] [--big-pages 100] [--big-lang eng] [--out bench/out/ingest] [--append-results]

1. Pages/minute end to end (`run_batch`: validate, master, pyramid, thumbnail, OCR, item PDF,
   registration) against raw `tesseract IMG out -l kaz+rus+eng --oem 1 --psm 3 alto txt pdf` on the
   same pages with the same number of parallel processes. Two pipeline runs: with the automatic
   model choice (what ingest does by default) and forced to the raw run's languages (pure overhead).
2. CER per sample category: the pipeline's page text and raw Tesseract's, against the ground truth.
3. `--big-pdf`: a generated scan-only PDF of `--big-pages` pages ingested as one item, with the RSS of
   the whole process tree (this process, the forkserver, workers, Tesseract, pdftoppm) sampled
   every 0.2 s. Summing RSS counts shared pages more than once, so the peak is an upper bound.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

# First, before anything loads libvips (see ingest/samplepages.py: FreeType clash).
from ingest.samplepages import PageSpec, make_big_pdf  # isort: skip

from ingest.batch import run_batch
from ingest.catalog import IngestedItem
from ingest.options import IngestOptions
from ocr.registry import get_engine
from storage.registry import open_store

REPO = Path(__file__).resolve().parents[2]
RAW_LANG = "kaz+rus+eng"


class DictCatalog:
    def __init__(self) -> None:
        self.items: dict[str, IngestedItem] = {}

    def item_status(self, item_id: str) -> str | None:
        return "draft" if item_id in self.items else None

    def register_item(self, item: IngestedItem) -> str:
        self.items[item.item_id] = item
        return "draft"


# --- CER --------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    # Line breaks and runs of spaces are layout, not reading errors.
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(truth: str, hyp: str) -> float:
    a, b = normalise(truth), normalise(hyp)
    if not a:
        return 0.0 if not b else 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1] / len(a)


# --- runs -------------------------------------------------------------------------------------

def sample_pages(samples: Path) -> list[tuple[Path, str, str]]:
    """(image, category, truth) for every sample page."""
    pages = []
    for meta in sorted(samples.glob("s*.json")):
        info = json.loads(meta.read_text(encoding="utf-8"))
        image = next(p for p in (meta.with_suffix(".png"), meta.with_suffix(".jpg")) if p.exists())
        pages.append((image, info["category"], meta.with_suffix(".txt").read_text(encoding="utf-8")))
    return pages


def raw_tesseract(images: list[Path], workers: int, out: Path) -> tuple[float, dict[Path, str]]:
    out.mkdir(parents=True, exist_ok=True)
    env = {"OMP_THREAD_LIMIT": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def one(image: Path) -> tuple[Path, str]:
        base = out / image.stem
        subprocess.run(["tesseract", str(image), str(base), "-l", RAW_LANG, "--oem", "1", "--psm", "3",
                        "alto", "txt", "pdf"], env=env, capture_output=True, check=True)
        return image, base.with_suffix(".txt").read_text(encoding="utf-8")

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        texts = dict(pool.map(one, images))
    return time.monotonic() - started, texts


def pipeline(images: list[Path], workers: int, out: Path, languages: str | None) -> tuple[float, dict[Path, str]]:
    """Each sample page is its own item (a folder of one page), all in one batch."""
    batch = out / "batch"
    for image in images:
        (batch / image.stem).mkdir(parents=True, exist_ok=True)
        shutil.copy(image, batch / image.stem / image.name)
    store = open_store("local", root=out / "store")
    store.ensure()
    catalog = DictCatalog()
    options = IngestOptions(workers=workers)
    started = time.monotonic()
    report = run_batch([batch], store=store, catalog=catalog, engine=get_engine("tesseract"), options=options,
                       languages=languages)
    seconds = time.monotonic() - started
    failed = [i for i in report.items if i.status != "ok"]
    if failed:
        raise SystemExit(f"pipeline failed: {[i.error for i in failed]}")
    texts = {}
    for item in catalog.items.values():
        name = item.pages[0].source_name.rsplit("/", 1)[-1]
        texts[next(i for i in images if i.name == name)] = store.get_bytes(item.pages[0].text_key).decode("utf-8")
    return seconds, texts


class TreeRss:
    """Peak summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        self.root, self.interval, self.peak = root, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            time.sleep(self.interval)

    def sample(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            pid, ppid = int(entry), int(fields[1])
            children.setdefault(ppid, []).append(pid)
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, [self.root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total


def big_pdf(out: Path, pages: int, workers: int, lang: str) -> dict[str, object]:
    source = out / "big" / f"big-{pages}.pdf"
    if not source.exists():
        # A4 pages at 150 dpi in the PDF, rendered back at 300 dpi: 2480×3508 pixels per page.
        make_big_pdf(source, pages, spec=PageSpec(size=(1240, 1754), font_size=24, margin=90), dpi=150)
    store = open_store("local", root=out / "big" / "store")
    store.ensure()
    catalog = DictCatalog()
    started = time.monotonic()
    with TreeRss(os.getpid()) as meter:
        report = run_batch([source], store=store, catalog=catalog, engine=get_engine("tesseract"),
                           options=IngestOptions(workers=workers), languages=lang)
    seconds = time.monotonic() - started
    item = report.items[0]
    return {"pages": pages, "status": item.status, "error": item.error, "seconds": round(seconds, 1),
            "pages_per_minute": round(pages * 60 / seconds, 1), "peak_rss_mb": round(meter.peak / 2**20),
            "pdf_mb": round(source.stat().st_size / 2**20, 1), "lang": lang}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, default=REPO.parent / "shared" / "samples")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "ingest")
    parser.add_argument("--big-pdf", action="store_true", help="also ingest a long generated PDF")
    parser.add_argument("--big-pages", type=int, default=100)
    parser.add_argument("--big-lang", default="eng", help="forced OCR model for the long PDF (speed)")
    parser.add_argument("--skip-samples", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"date": date.today().isoformat(), "workers": args.workers,
                                  "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    if not args.skip_samples:
        shutil.rmtree(args.out / "samples", ignore_errors=True)
        pages = sample_pages(args.samples)
        images = [p for p, _, _ in pages]
        raw_s, raw_text = raw_tesseract(images, args.workers, args.out / "samples" / "raw")
        auto_s, auto_text = pipeline(images, args.workers, args.out / "samples" / "auto", None)
        fixed_s, fixed_text = pipeline(images, args.workers, args.out / "samples" / "fixed", RAW_LANG)
        n = len(images)
        results["throughput"] = {
            "pages": n,
            "raw_pages_per_min": round(n * 60 / raw_s, 1),
            "pipeline_auto_pages_per_min": round(n * 60 / auto_s, 1),
            "pipeline_fixed_pages_per_min": round(n * 60 / fixed_s, 1),
            "ratio_auto": round(raw_s / auto_s, 3),
            "ratio_fixed": round(raw_s / fixed_s, 3),
        }
        per_cat: dict[str, list[tuple[float, float, float]]] = {}
        for image, category, truth in pages:
            per_cat.setdefault(category, []).append(
                (cer(truth, raw_text[image]), cer(truth, auto_text[image]), cer(truth, fixed_text[image])))
        results["cer"] = {c: {"raw": round(sum(v[0] for v in vals) / len(vals), 4),
                              "pipeline_auto": round(sum(v[1] for v in vals) / len(vals), 4),
                              "pipeline_fixed": round(sum(v[2] for v in vals) / len(vals), 4),
                              "pages": len(vals)} for c, vals in sorted(per_cat.items())}
    if args.big_pdf:
        results["big_pdf"] = big_pdf(args.out, args.big_pages, args.workers, args.big_lang)
    results["load_after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
