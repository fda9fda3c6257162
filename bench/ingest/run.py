"""Ingest benchmark (issue 3): throughput and CER against raw Tesseract; peak memory on a long PDF.

    .venv/bin/python -m bench.ingest [--samples ../shared/samples] [--workers N] [--rounds 3]
        [--big-pdf] [--big-pages 100] [--big-lang eng] [--fast-pages] [--skip-samples] [--out bench/out/ingest]

1. Pages/minute end to end (`run_batch`: validate, master, pyramid, thumbnail, OCR, item PDF,
   registration) against raw `tesseract IMG out -l kaz+rus+eng --oem 1 --psm 3 alto txt pdf` on the
   same pages with the same number of parallel processes. Three pipeline runs: with the automatic
   model choice (what ingest does by default), forced to the raw run's languages (`fixed`: pure
   overhead), and forced with `ocr.tesseract_resident: false` (`fixed_program`: the `tesseract`
   program per page, as raw does, instead of models kept loaded).
   Under load wall time is noisy, so the runs are interleaved (`--rounds` rounds of raw, fixed,
   fixed_program, auto; every other round in reverse order) and the median per-round ratio is
   reported with its range.
   CPU seconds (user+sys of the whole process tree, from /proc) are counted too: they do not depend
   on how many other processes share the cores.
2. CER per sample category: the pipeline's page text and raw Tesseract's, against the ground truth.
3. `--big-pdf`: a generated scan-only PDF of `--big-pages` pages ingested as one item, with the RSS of
   the whole process tree (this process, the forkserver, workers, Tesseract, pdftoppm) sampled
   every 0.2 s. Summing RSS counts shared pages more than once, so the peak is an upper bound.
   Default pages are A4 (2480×3508 px at 300 dpi, full text: slow OCR); `--fast-pages` makes A6 pages
   (1240×1748 px at 300 dpi, 7–14 lines): 1,000 pages in ~30 min on a loaded 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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


def raw_tesseract(images: list[Path], workers: int, out: Path) -> tuple[float, float, dict[Path, str]]:
    out.mkdir(parents=True, exist_ok=True)
    env = {"OMP_THREAD_LIMIT": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def one(image: Path) -> tuple[Path, str]:
        base = out / image.stem
        subprocess.run(["tesseract", str(image), str(base), "-l", RAW_LANG, "--oem", "1", "--psm", "3",
                        "alto", "txt", "pdf"], env=env, capture_output=True, check=True)
        return image, base.with_suffix(".txt").read_text(encoding="utf-8")

    cpu0, started = tree_cpu(), time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        texts = dict(pool.map(one, images))
    return time.monotonic() - started, tree_cpu() - cpu0, texts


def pipeline(images: list[Path], workers: int, out: Path, languages: str | None,
             resident: bool = True) -> tuple[float, float, float, dict[Path, str]]:
    """(wall s, CPU s of the process tree, CPU s of this process alone, page texts)."""
    # Each sample page is its own item (a folder of one page), all in one batch.
    batch = out / "batch"
    for image in images:
        (batch / image.stem).mkdir(parents=True, exist_ok=True)
        shutil.copy(image, batch / image.stem / image.name)
    store = open_store("local", root=out / "store")
    store.ensure()
    catalog = DictCatalog()
    options = IngestOptions(workers=workers)
    cpu0, main0, started = tree_cpu(), self_cpu(), time.monotonic()
    report = run_batch([batch], store=store, catalog=catalog, engine=get_engine("tesseract", resident=resident),
                       options=options, languages=languages)
    seconds, cpu = time.monotonic() - started, tree_cpu() - cpu0
    main_cpu = self_cpu() - main0
    failed = [i for i in report.items if i.status != "ok"]
    if failed:
        raise SystemExit(f"pipeline failed: {[i.error for i in failed]}")
    texts = {}
    for item in catalog.items.values():
        name = item.pages[0].source_name.rsplit("/", 1)[-1]
        texts[next(i for i in images if i.name == name)] = store.get_bytes(item.pages[0].text_key).decode("utf-8")
    return seconds, cpu, main_cpu, texts


def _proc_table() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (ppid, name, rss bytes, cumulative CPU ticks incl. reaped children), from /proc."""
    table = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue  # the process ended while we looked
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        # fields[0] is state (stat field 3): utime=14, stime=15, cutime=16, cstime=17, rss=24
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        table[int(entry)] = (int(fields[1]), name, int(fields[21]) * page, ticks)
    return table


def _tree(table: dict[int, tuple[int, str, int, int]], root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def self_cpu() -> float:
    """CPU seconds of this process alone (all its threads), children not included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(root: int | None = None) -> float:
    """CPU seconds (user+sys) of a process tree so far, children that ended included.

    A process that ended was waited for by its parent (subprocess by the worker, the worker by the
    forkserver), which adds its CPU to the parent's cutime/cstime. Exact when read while only
    long-lived processes are alive (between runs): take a difference of two readings.
    """
    table = _proc_table()
    return sum(table[pid][3] for pid in _tree(table, root or os.getpid())) / os.sysconf("SC_CLK_TCK")


class TreeRss:
    """Peak summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        self.root, self.interval, self.peak = root, interval, 0
        self.peak_parts: dict[str, int] = {}  # RSS by process name at the peak
        self.samples = 0
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
            total, parts = self.sample()
            self.samples += 1
            if total > self.peak:
                self.peak, self.peak_parts = total, parts
            self._stop.wait(self.interval)

    def sample(self) -> tuple[int, dict[str, int]]:
        table = _proc_table()
        parts: dict[str, int] = {}
        for pid in _tree(table, self.root):
            _ppid, name, rss, _ticks = table[pid]
            key = "main" if pid == self.root else name
            parts[key] = parts.get(key, 0) + rss
        return sum(parts.values()), parts


A4_SPEC, A4_PDF_DPI = PageSpec(size=(1240, 1754), font_size=24, margin=90), 150  # rendered: 2480×3508 px
A6_SPEC, A6_PDF_DPI = PageSpec(size=(1240, 1748), font_size=40, margin=120), 300  # rendered: 1240×1748 px


def big_pdf(out: Path, pages: int, workers: int, lang: str, fast: bool = False) -> dict[str, object]:
    spec, pdf_dpi = (A6_SPEC, A6_PDF_DPI) if fast else (A4_SPEC, A4_PDF_DPI)
    source = out / "big" / f"big-{pages}{'-a6' if fast else ''}.pdf"
    if not source.exists():
        make_big_pdf(source, pages, spec=spec, dpi=pdf_dpi)
    shutil.rmtree(out / "big" / "store", ignore_errors=True)  # a fresh store: every page really runs
    store = open_store("local", root=out / "big" / "store")
    store.ensure()
    catalog = DictCatalog()
    options = IngestOptions()  # the pipeline's defaults, workers included (0 = one per core)
    if workers:
        options = IngestOptions(workers=workers)
    cpu0, started = tree_cpu(), time.monotonic()
    with TreeRss(os.getpid()) as meter:
        report = run_batch([source], store=store, catalog=catalog, engine=get_engine("tesseract"),
                           options=options, languages=lang)
    seconds, cpu = time.monotonic() - started, tree_cpu() - cpu0
    item = report.items[0]
    registered = [i for i in catalog.items.values()]
    reg_pages = registered[0].pages if registered else []
    with_text = sum(1 for p in reg_pages if p.text_key and store.exists(p.text_key))
    return {"pages": pages, "page_px": [spec.size[0] * 300 // pdf_dpi, spec.size[1] * 300 // pdf_dpi],
            "workers": options.worker_count(os.cpu_count()), "status": item.status, "error": item.error,
            "items_registered": len(registered), "pages_registered": len(reg_pages),
            "pages_with_stored_text": with_text,
            "item_pdf": bool(registered and registered[0].pdf_key and store.exists(registered[0].pdf_key)),
            "seconds": round(seconds, 1), "pages_per_minute": round(pages * 60 / seconds, 1),
            "cpu_seconds": round(cpu, 1), "cpu_s_per_page": round(cpu / pages, 3),
            "peak_rss_mb": round(meter.peak / 2**20), "rss_samples": meter.samples,
            "peak_parts_mb": {k: round(v / 2**20) for k, v in sorted(meter.peak_parts.items(), key=lambda kv: -kv[1])},
            "pdf_mb": round(source.stat().st_size / 2**20, 1), "lang": lang}


def median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def throughput(samples: Path, out: Path, workers: int, rounds: int) -> dict[str, object]:
    """Interleaved rounds of raw, pipeline forced to RAW_LANG (resident and program) and automatic."""
    pages = sample_pages(samples)
    images = [p for p, _, _ in pages]
    n = len(images)
    runs: dict[str, list[tuple[float, float]]] = {"raw": [], "fixed": [], "fixed_program": [], "auto": []}
    texts: dict[str, dict[Path, str]] = {}
    main_cpu: dict[str, list[float]] = {}
    for r in range(rounds):
        order = ["raw", "fixed", "fixed_program", "auto"]
        if r % 2:
            order.reverse()
        for kind in order:
            target = out / "samples" / f"{kind}-{r}"
            shutil.rmtree(target, ignore_errors=True)
            load = os.getloadavg()[0]
            if kind == "raw":
                wall, cpu, text = raw_tesseract(images, workers, target)
            else:
                wall, cpu, own, text = pipeline(images, workers, target, None if kind == "auto" else RAW_LANG,
                                                resident=kind != "fixed_program")
                main_cpu.setdefault(kind, []).append(own)
            runs[kind].append((wall, cpu))
            texts.setdefault(kind, text)
            print(f"round {r + 1} {kind}: {wall:.1f} s wall, {cpu:.1f} CPU s, load {load:.1f}", flush=True)
            shutil.rmtree(target, ignore_errors=True)

    def summary(kind: str) -> dict[str, object]:
        wall = [w for w, _ in runs[kind]]
        cpu = [c for _, c in runs[kind]]
        out_: dict[str, object] = {"wall_s": [round(w, 1) for w in wall], "cpu_s": [round(c, 1) for c in cpu],
                                   "median_pages_per_min": round(n * 60 / median(wall), 1),
                                   "median_cpu_s_per_page": round(median(cpu) / n, 2)}
        if kind != "raw":
            out_["cpu_s_main_process"] = [round(c, 1) for c in main_cpu[kind]]
            # Per round: raw and this run were measured back to back, under about the same load.
            wr = [runs["raw"][i][0] / wall[i] for i in range(rounds)]
            cr = [runs["raw"][i][1] / cpu[i] for i in range(rounds)]
            out_.update({"wall_ratio_per_round": [round(x, 3) for x in wr], "wall_ratio_median": round(median(wr), 3),
                         "wall_ratio_range": [round(min(wr), 3), round(max(wr), 3)],
                         "cpu_ratio_per_round": [round(x, 3) for x in cr], "cpu_ratio_median": round(median(cr), 3),
                         "cpu_ratio_range": [round(min(cr), 3), round(max(cr), 3)]})
        return out_

    result: dict[str, object] = {"pages": n, "rounds": rounds, "workers": workers,
                                 **{kind: summary(kind) for kind in runs}}
    per_cat: dict[str, list[tuple[float, float, float]]] = {}
    for image, category, truth in pages:
        per_cat.setdefault(category, []).append(
            (cer(truth, texts["raw"][image]), cer(truth, texts["auto"][image]), cer(truth, texts["fixed"][image])))
    # Same models on the same pixels: the text must not depend on how Tesseract was run.
    result["same_text"] = {"fixed_vs_raw": texts["fixed"] == texts["raw"],
                           "fixed_vs_fixed_program": texts["fixed"] == texts["fixed_program"]}
    result["cer"] = {c: {"raw": round(sum(v[0] for v in vals) / len(vals), 4),
                         "pipeline_auto": round(sum(v[1] for v in vals) / len(vals), 4),
                         "pipeline_fixed": round(sum(v[2] for v in vals) / len(vals), 4),
                         "pages": len(vals)} for c, vals in sorted(per_cat.items())}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, default=REPO.parent / "shared" / "samples")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved raw/pipeline rounds (median reported)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "ingest")
    parser.add_argument("--big-pdf", action="store_true", help="also ingest a long generated PDF")
    parser.add_argument("--big-pages", type=int, default=100)
    parser.add_argument("--big-lang", default="eng", help="forced OCR model for the long PDF (speed)")
    parser.add_argument("--fast-pages", action="store_true",
                        help="long PDF of small A6 pages with a few lines (cheap OCR) instead of full A4 pages")
    parser.add_argument("--big-workers", type=int, default=0, help="workers for the long PDF; 0 = pipeline default")
    parser.add_argument("--skip-samples", action="store_true")
    parser.add_argument("--json-out", type=Path, help="also write the results JSON here")
    args = parser.parse_args()
    results: dict[str, object] = {"date": date.today().isoformat(), "workers": args.workers,
                                  "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    if not args.skip_samples:
        results["throughput"] = throughput(args.samples, args.out, args.workers, args.rounds)
    if args.big_pdf:
        results["big_pdf"] = big_pdf(args.out, args.big_pages, args.big_workers, args.big_lang, args.fast_pages)
    results["load_after"] = os.getloadavg()
    text = json.dumps(results, indent=1, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
