"""IIIF tile serving: our Image API (gunicorn) against IIPImage (lighttpd + FastCGI), on 127.0.0.1.

    .venv/bin/python bench/iiif/run.py [--work DIR] [--quick] [--rounds N] [--mode cold|warm] [--only pages|sheet]

1. prepare: 10 A4 pages (2480×3508, from shared/samples when present, else generated) and one
   12000×9000 sheet, as pyramidal TIFFs made exactly like ingest makes them.
2. serve: ours with `gunicorn -w 2 -k gthread` (one worker per core, keep-alive, VIPS_CONCURRENCY=1);
   IIPImage 1.1 (Debian) as 2 FastCGI processes under lighttpd, JPEG_QUALITY=90, OMP_NUM_THREADS=1.
3. load: what a deep-zoom viewer asks for (every 256 px tile at scale factors 1, 2, 4, plus
   full/!400,400 and full/1024,), shuffled, replayed once by c = 1, 2, 4 client processes over
   keep-alive connections. Cold: servers restarted (no in-process cache), our tile cache emptied,
   and once both are up, the page cache dropped (/proc/sys/vm/drop_caches, else posix_fadvise
   DONTNEED on each TIFF). Warm: one unmeasured pass first, then a measured pass in another order.
Prints a Markdown table (req/s, p50/p95 ms, ratio ours/IIPImage) and appends it to bench/RESULTS.md
unless --no-record. Bounded: each pass is one replay of a fixed list, with a per-request timeout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages are importable

from ingest.options import IngestOptions  # noqa: E402  (the pyramids are made exactly as ingest makes them)
SAMPLES = ROOT.parent / "shared" / "samples"
IIPSRV = Path("/usr/lib/iipimage-server/iipsrv.fcgi")
OURS_PORT, IIP_PORT = 18431, 18432
PAGE = (2480, 3508)
SHEET = (12000, 9000)
TILE = 256


# --- data ------------------------------------------------------------------------------------------
def prepare(work: Path) -> list[dict]:
    import pyvips

    data = work / "data"
    listing = data / "images.json"
    if listing.exists():
        return json.loads(listing.read_text())
    tiffs = data / "store" / "tiffs"
    tiffs.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in SAMPLES.glob("s*.*") if p.suffix in (".png", ".jpg"))[:10]
    pages = [_page_image(pyvips, sources[i % len(sources)] if sources else None, i) for i in range(10)]
    images = []
    for index, page in enumerate(pages, start=1):
        images.append(_save(page, tiffs / f"page{index:02d}.tif", f"page{index:02d}"))
    sheet = pyvips.Image.arrayjoin([p.resize(0.6) for p in pages] * 3, across=8)
    sheet = sheet.crop(0, 0, min(SHEET[0], sheet.width), min(SHEET[1], sheet.height))
    sheet = sheet.embed(0, 0, SHEET[0], SHEET[1], extend="mirror")
    images.append(_save(sheet, tiffs / "sheet.tif", "sheet"))
    listing.write_text(json.dumps(images, indent=1))
    return images


def _page_image(pyvips, path: Path | None, seed: int):
    if path is None:  # no samples: a generated page of noise-textured "text lines"
        base = pyvips.Image.gaussnoise(PAGE[0], PAGE[1], mean=235, sigma=12)
        lines = (pyvips.Image.xyz(PAGE[0], PAGE[1])[1] % 60 < 22).ifthenelse(60 + seed, 235)
        image = ((base + lines) / 2).cast("uchar")
    else:
        image = pyvips.Image.new_from_file(str(path))
        image = image.resize(PAGE[0] / image.width, vscale=PAGE[1] / image.height)
    if image.bands == 1:
        image = image.colourspace("srgb")  # access copies are sRGB; a gray scan becomes 3 equal bands
    return image.extract_band(0, n=3).copy(interpretation="srgb")


def _save(image, target: Path, identifier: str) -> dict:
    # exactly what ingest does (ingest.options.IngestOptions.access_quality): tiffsave … --tile --pyramid --compression jpeg --Q 89, 256 px tiles
    image.tiffsave(str(target), tile=True, pyramid=True, compression="jpeg", Q=IngestOptions.access_quality,
                   tile_width=TILE, tile_height=TILE)
    return {"id": identifier, "file": target.name, "key": f"tiffs/{target.name}",
            "width": image.width, "height": image.height}


def viewer_requests(image: dict) -> list[tuple[str, str]]:
    """(ours, iipsrv) paths of what a deep-zoom viewer requests for one image."""
    width, height, ident, name = image["width"], image["height"], image["id"], image["file"]
    out = []
    for factor in (1, 2, 4):
        step = TILE * factor
        for y in range(0, height, step):
            for x in range(0, width, step):
                w, h = min(step, width - x), min(step, height - y)
                sw, sh = math.ceil(w / factor), math.ceil(h / factor)
                out.append((f"/iiif/3/{ident}/{x},{y},{w},{h}/{sw},{sh}/0/default.jpg",
                            f"/fcgi-bin/iipsrv.fcgi?IIIF={name}/{x},{y},{w},{h}/{sw},/0/default.jpg"))
    out.append((f"/iiif/3/{ident}/full/!400,400/0/default.jpg",
                f"/fcgi-bin/iipsrv.fcgi?IIIF={name}/full/!400,400/0/default.jpg"))
    out.append((f"/iiif/3/{ident}/full/1024,/0/default.jpg",
                f"/fcgi-bin/iipsrv.fcgi?IIIF={name}/full/1024,/0/default.jpg"))
    return out


# --- servers ---------------------------------------------------------------------------------------
class Server:
    def __init__(self, name: str, port: int, work: Path) -> None:
        self.name, self.port, self.work = name, port, work
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own process group: gunicorn/lighttpd + children
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


class Ours(Server):
    def tiles(self) -> Path:
        return self.work / "tilecache"

    def start(self) -> None:
        env = dict(os.environ, BENCH_IIIF_DATA=str(self.work / "data"), BENCH_IIIF_TILES=str(self.tiles()),
                   VIPS_CONCURRENCY="1", PYTHONPATH=str(ROOT))
        command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
                   "--keep-alive", "30", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                   "bench.iiif.app:create()"]
        log = open(self.work / "gunicorn.log", "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                        start_new_session=True)

    def clear_cache(self) -> None:
        shutil.rmtree(self.tiles(), ignore_errors=True)


class IIPImage(Server):
    def start(self) -> None:
        tiffs = self.work / "data" / "store" / "tiffs"
        conf = self.work / "lighttpd.conf"
        conf.write_text(f"""
server.modules = ( "mod_fastcgi" )
server.document-root = "{tiffs}"
server.bind = "127.0.0.1"
server.port = {self.port}
server.errorlog = "{self.work}/lighttpd-error.log"
server.max-keep-alive-requests = 100000
server.max-keep-alive-idle = 30
fastcgi.server = ( "/fcgi-bin/iipsrv.fcgi" => ((
    "socket" => "{self.work}/iipsrv.socket",
    "bin-path" => "{IIPSRV}",
    "check-local" => "disable",
    "min-procs" => 2, "max-procs" => 2,
    "bin-environment" => (
        "FILESYSTEM_PREFIX" => "{tiffs}/",
        "JPEG_QUALITY" => "90",
        "MAX_CVT" => "5000",
        "VERBOSITY" => "0",
        "LOGFILE" => "{self.work}/iipsrv.log",
        "OMP_NUM_THREADS" => "1"
    )
)) )
""")
        log = open(self.work / "lighttpd.log", "ab")
        self.process = subprocess.Popen(["lighttpd", "-D", "-f", str(conf)], stdout=log, stderr=log,
                                        start_new_session=True)


def drop_page_cache(tiffs: Path) -> str:
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return "drop_caches"
    except OSError:
        for path in tiffs.glob("*.tif"):
            with open(path, "rb") as handle:
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        return "fadvise"


# --- load ------------------------------------------------------------------------------------------
def _client(port: int, paths: list[str], queue) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies, errors, size = [], 0, 0
    for path in paths:
        start = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                errors += 1
            size += len(body)
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - start)
    connection.close()
    queue.put((latencies, errors, size))


def replay(port: int, paths: list[str], concurrency: int) -> dict:
    queue = multiprocessing.Queue()
    shards = [paths[i::concurrency] for i in range(concurrency)]
    workers = [multiprocessing.Process(target=_client, args=(port, shard, queue)) for shard in shards]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join(timeout=30)
    latencies = sorted(l for r in results for l in r[0])
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000,
        "errors": sum(r[1] for r in results),
        "bytes": sum(r[2] for r in results) / max(1, len(latencies)),
        "n": len(latencies),
    }


def run(work: Path, quick: bool, modes: tuple[str, ...] = ("cold", "warm"),
        only: str | None = None, rounds: int = 1) -> list[dict]:
    images = prepare(work)
    groups = {"10 pages 2480×3508": [i for i in images if i["id"] != "sheet"],
              "sheet 12000×9000": [i for i in images if i["id"] == "sheet"]}
    concurrencies = (1, 4) if quick else (1, 2, 4)
    ours, iip = Ours("ours", OURS_PORT, work), IIPImage("iipimage", IIP_PORT, work)
    tiffs = work / "data" / "store" / "tiffs"
    rows = []
    try:
        for group, members in groups.items():
            requests = [r for image in members for r in viewer_requests(image)]
            if only and only not in group:
                continue
            for mode in modes:
                for concurrency in concurrencies:
                    order = list(range(len(requests)))
                    random.Random(f"{group}{mode}{concurrency}").shuffle(order)
                    row = {"group": group, "mode": mode, "c": concurrency}
                    pairs = [(ours, 0), (iip, 1)]
                    for round_ in range(rounds):
                        # Alternating who goes first, and keeping each server's best pass, so that a
                        # burst of other load on the shared machine hurts neither side more.
                        for server, column in pairs[::-1] if round_ % 2 else pairs:
                            paths = [requests[i][column] for i in order]
                            result = measure(server, paths, mode, concurrency, tiffs, row)
                            if server.name not in row or result["rps"] > row[server.name]["rps"]:
                                row[server.name] = result
                    rows.append(row)
                    print(_line(row), flush=True)
    finally:
        ours.stop()
        iip.stop()
    return rows


def measure(server: Server, paths: list[str], mode: str, concurrency: int, tiffs: Path, row: dict) -> dict:
    """One measured replay of `paths` on a freshly started `server`, cold or warm."""
    server.stop()
    if isinstance(server, Ours):
        server.clear_cache()
    server.start()
    # Up and booted (every worker answered a request that touches no image) ...
    _wait(server, "/iiif/3/nosuch/info.json" if isinstance(server, Ours)
          else "/fcgi-bin/iipsrv.fcgi?IIIF=nosuch.tif/info.json")
    if mode == "warm":
        replay(server.port, paths[::-1], concurrency)  # unmeasured warm-up pass
    else:
        # ... and only then the page cache dropped: cold images, not a cold binary.
        row["cache_drop"] = drop_page_cache(tiffs)
    return replay(server.port, paths, concurrency)


def _wait(server: Server, probe: str) -> None:
    """Until `probe` (an unknown image) gets an answer on 16 fresh connections, so that each worker
    process has booted and served; a 4xx is an answer."""
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 16:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not start on port {server.port}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", probe)
            connection.getresponse().read()
            connection.close()
            answered += 1
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)


def _line(row: dict) -> str:
    a, b = row["ours"], row["iipimage"]
    return (f"| {row['group']} | {row['mode']} | {row['c']} | {a['rps']:.0f} | {a['p50']:.2f} / {a['p95']:.2f} "
            f"| {b['rps']:.0f} | {b['p50']:.2f} / {b['p95']:.2f} | **{a['rps'] / b['rps']:.2f}×** "
            f"| {a['bytes'] / 1024:.1f} / {b['bytes'] / 1024:.1f} | {a['errors']} / {b['errors']} |")


HEADER = ("| images | cache | c | ours req/s | ours p50 / p95 ms | IIPImage req/s | IIPImage p50 / p95 ms "
          "| ours/IIPImage | mean KiB ours / IIP | errors ours / IIP |\n|---|---|---|---|---|---|---|---|---|---|")


def record(rows: list[dict], seconds: float, rounds: int) -> str:
    n = {row["group"]: row["ours"]["n"] for row in rows}
    text = [f"\n## IIIF Image API (issue 4) — {dt.date.today().isoformat()}\n",
            "`bench/iiif/run.py`: our Image API (`gunicorn -w 2 -k gthread --threads 4`, keep-alive, "
            "VIPS_CONCURRENCY=1) against IIPImage 1.1 (Debian, 2 FastCGI processes under lighttpd, "
            "JPEG_QUALITY=90, OMP_NUM_THREADS=1, its default 10 MB tile cache) on the same pyramidal TIFFs "
            f"(`vips tiffsave --tile --pyramid --compression jpeg --Q {IngestOptions.access_quality}`, 256 px tiles), 127.0.0.1, 2 cores "
            "shared with the load generator (c client processes, one keep-alive connection each). "
            "Requests: every 256 px tile at scale factors 1, 2, 4 plus `full/!400,400` and `full/1024,`, "
            f"shuffled ({', '.join(f'{g}: {k} requests' for g, k in n.items())}). "
            f"Cold: servers restarted, our tile cache emptied, page cache dropped once they were up "
            f"({rows[0].get('cache_drop', 'n/a')}). "
            "Warm: measured after one full unmeasured pass. "
            f"Each row: best of {rounds} measured passes per server, the servers alternating who goes first. "
            "Both encode JPEG at quality 90; whole stored tiles are passed through (ours). "
            f"Total run time {seconds:.0f} s; load average at the end {os.getloadavg()[0]:.1f} "
            "(other work on the machine makes single runs noisy: compare rows of one run).\n",
            HEADER]
    text += [_line(row) for row in rows]
    return "\n".join(text) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/olketanu-bench-iiif"))
    parser.add_argument("--quick", action="store_true", help="c = 1 and 4 only")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--mode", choices=("cold", "warm"), help="measure only this cache state")
    parser.add_argument("--only", choices=("pages", "sheet"), help="measure only this group of images")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measured passes per server and row, alternating; the best is reported")
    args = parser.parse_args()
    if not IIPSRV.exists() or shutil.which("lighttpd") is None:
        print("needs Debian iipimage-server and lighttpd", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(HEADER)
    rows = run(args.work, args.quick, (args.mode,) if args.mode else ("cold", "warm"), args.only,
               max(1, args.rounds))
    report = record(rows, time.monotonic() - started, max(1, args.rounds))
    if not args.no_record:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
