"""OCR benchmark for issue 9: CER/WER per sample category and seconds per page for
(a) raw `tesseract -l kaz+rus+eng --oem 1 --psm 3`, (b) raw `-l Latin+Cyrillic`,
(c) the pipeline (ocr.select.choose_and_recognise).

    .venv/bin/python bench/ocr/run.py [--samples ../shared/samples] [--no-append]

Raw runs write ALTO, text and PDF like the pipeline does, so times compare like with
like. Times are wall seconds and CPU seconds (user+sys of this process and its
children): the CPU figure is the fair one on a shared, busy machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import jiwer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ocr.registry import get_engine  # noqa: E402
from ocr.select import choose_and_recognise  # noqa: E402

CATEGORY_ORDER = ["kk_cyrl", "ru_modern", "ru_prereform", "kk_latn", "mixed"]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def edits(reference: str, hypothesis: str) -> tuple[int, int, int, int]:
    """(char edits, ref chars, word edits, ref words) on NFC, whitespace-normalised text."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    c = jiwer.process_characters(ref, hyp or " ")
    w = jiwer.process_words(ref, hyp or " ")
    return (c.substitutions + c.deletions + c.insertions, len(ref),
            w.substitutions + w.deletions + w.insertions, len(ref.split()))


def sample_pages(samples: Path) -> list[tuple[Path, str, str]]:
    pages = []
    for meta in sorted(samples.glob("s[0-9][0-9].json")):
        info = json.loads(meta.read_text(encoding="utf-8"))
        pages.append((samples / info["image"], info["category"], (samples / info["ground_truth"]).read_text(encoding="utf-8")))
    return pages


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def raw_tesseract(image: Path, languages: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tesseract", str(image), "out", "-l", languages, "--oem", "1", "--psm", "3",
                        "alto", "txt", "pdf"], cwd=tmp, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
                       capture_output=True, check=True)
        return (Path(tmp) / "out.txt").read_text(encoding="utf-8")


def evaluate(samples: Path, configs: tuple[str, ...] = ("kaz+rus+eng", "Latin+Cyrillic", "pipeline")) -> dict:
    engine = get_engine("tesseract")
    totals: dict[str, dict[str, list[float]]] = {c: defaultdict(lambda: [0, 0, 0, 0, 0.0, 0.0, 0]) for c in configs}
    choices = {}
    for image, category, truth in sample_pages(samples):
        for config in configs:
            wall, cpu = time.monotonic(), _cpu()
            if config == "pipeline":
                result, choice = choose_and_recognise(engine, image)
                text = result.text
                choices[image.stem] = (category, choice.model, choice.reason)
            else:
                text = raw_tesseract(image, config)
            wall, cpu = time.monotonic() - wall, _cpu() - cpu
            e = edits(truth, text)
            for key in (category, "overall"):
                row = totals[config][key]
                for i in range(4):
                    row[i] += e[i]
                row[4] += wall
                row[5] += cpu
                row[6] += 1
    return {"totals": {c: dict(v) for c, v in totals.items()}, "choices": choices}


def table(report: dict) -> str:
    totals = report["totals"]
    configs = list(totals)
    keys = [k for k in CATEGORY_ORDER if k in totals[configs[0]]] + ["overall"]
    head = "| category | " + " | ".join(f"{c} CER % | {c} WER %" for c in configs) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(configs))]
    for key in keys:
        cells = []
        for c in configs:
            ce, cn, we, wn, *_ = totals[c][key]
            cells += [f"{100 * ce / cn:.2f}", f"{100 * we / wn:.2f}"]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| configuration | wall s/page | CPU s/page |")
    lines.append("|---|---|---|")
    for c in configs:
        *_, wall, cpu, n = totals[c]["overall"]
        lines.append(f"| {c} | {wall / n:.2f} | {cpu / n:.2f} |")
    lines.append("")
    lines.append("| page | category | pipeline model | reason |")
    lines.append("|---|---|---|---|")
    for page, (category, model, reason) in sorted(report["choices"].items()):
        lines.append(f"| {page} | {category} | `{model}` | {reason} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    parser.add_argument("--no-append", action="store_true", help="print only; do not append to bench/RESULTS.md")
    args = parser.parse_args()
    report = evaluate(args.samples)
    text = table(report)
    print(text)
    if not args.no_append:
        results = ROOT / "bench" / "RESULTS.md"
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with results.open("a", encoding="utf-8") as fh:
            fh.write(f"\n### OCR (issue 9) — bench/ocr/run.py, {stamp}, {len(report['choices'])} pages\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
