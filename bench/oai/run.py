"""OAI-PMH benchmark: a full ListRecords harvest of a generated SQLite repository.

    .venv/bin/python -m bench.oai.run                       # 100,000 records, oai_dc, pages of 100
    .venv/bin/python -m bench.oai.run --records 10000 --formats oai_dc,mods
    .venv/bin/python -m bench.oai.run --append              # append the results to bench/RESULTS.md
    .venv/bin/python -m bench.oai.run --no-langtag-cache    # as before the language tag cache, to compare

Records are bulk-inserted (not through the services: 100,000 ingests would time the ingest). Ids are
random like ingest's, so id order is unrelated to insertion order. The harvest runs through the WSGI
app in-process (the HTTP layer is the same for any provider); it measures request parsing, the keyset
query, record building and XML serialisation. The first and the last page are then re-requested
`--repeat` times each and their median compared: a keyset cursor should make them cost the same.

Records/s is wall time, which on a shared machine says as much about the load as about the code; the
harvest's CPU time (this process) is reported too, as records per CPU-second, to compare code changes.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from lxml import etree
from sqlalchemy import insert, text

from flask import Flask

from repository.config import load_config
from repository.db import ensure_schema
from repository.oai.views import make_blueprint
from repository.services import build_services
from repository.models import Collection, Item

ROOT = Path(__file__).resolve().parents[2]
NS = {"oai": "http://www.openarchives.org/OAI/2.0/"}
WORDS = ("Өскемен", "Семей", "Ертіс", "шежіре", "мектеп", "газет", "хабары", "ауыл", "тарих", "Алтай", "Зайсан")
SUBJECTS = ("өлкетану", "тарих", "мәдениет", "краеведение", "история", "образование")
TYPES = ("Text", "StillImage", "Image")
RIGHTS = ("http://rightsstatements.org/vocab/NoC-US/1.0/", "http://rightsstatements.org/vocab/InC/1.0/",
          "http://creativecommons.org/licenses/by/4.0/")


def make_app(folder: Path, page_size: int):
    config_file = folder / "config.yaml"
    config_file.write_text("{}\n", encoding="utf-8")
    config = load_config(config_file, environ={}, overrides={
        "repository.data_dir": str(folder / "var"), "oai.page_size": page_size,
    })
    # Only the OAI blueprint: the benchmark times the provider, not the rest of the app.
    services = build_services(config)
    ensure_schema(services.db, config.database_url)
    app = Flask(__name__)
    app.extensions["olketanu"] = services
    app.register_blueprint(make_blueprint(services, "bench-secret"), url_prefix="/oai")
    return app


def populate(services, records: int, seed: int = 6) -> dict[str, int]:
    rng = random.Random(seed)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    collections = [{"id": f"c{n}", "parent_id": None, "title": {"kk-Cyrl": [f"Қор {n}"]}} for n in range(5)]
    collections += [{"id": f"c{n}-{m}", "parent_id": f"c{n}", "title": {"kk-Cyrl": [f"Бөлім {n}.{m}"]}}
                    for n in range(5) for m in range(4)]
    counts = {"published": 0, "withdrawn": 0, "draft": 0}
    with services.db.transaction() as session:
        session.execute(insert(Collection), [{**c, "description": None, "sort": 0} for c in collections])
        batch = []
        for n in range(records):
            status = rng.choices(("published", "withdrawn", "draft"), (95, 3, 2))[0]
            counts[status] += 1
            title = " ".join(rng.sample(WORDS, 3))
            batch.append({
                "id": "kz" + base64.b32encode(rng.randbytes(10)).decode("ascii").lower(),
                "status": status,
                "access": rng.choices(("public", "reading-room", "staff"), (90, 7, 3))[0],
                "collection_id": rng.choice(collections)["id"] if rng.random() < 0.9 else None,
                "dc": {
                    "title": [{"value": title, "lang": "kk-Cyrl"}, {"value": title + " (рус.)", "lang": "ru"}],
                    "creator": [{"value": f"Автор {rng.randrange(500)}"}],
                    "subject": [{"value": s, "lang": "kk-Cyrl"} for s in rng.sample(SUBJECTS, 2)],
                    "description": [{"value": " ".join(rng.choices(WORDS, k=25)), "lang": "kk-Cyrl"}],
                    "issued": [{"value": str(rng.randrange(1880, 2000))}],
                    "type": [{"value": rng.choice(TYPES)}], "language": [{"value": rng.choice(("kk", "ru"))}],
                    "spatial": [{"value": rng.choice(WORDS[:3]), "lang": "kk-Cyrl"}],
                    "extent": [{"value": f"{rng.randrange(1, 400)} p."}],
                    "rights": [{"value": rng.choice(RIGHTS)}],
                },
                "datestamp": start + dt.timedelta(seconds=rng.randrange(365 * 86400)),
            })
            # Published and withdrawn items were published once (drafts here never were).
            batch[-1]["first_published_at"] = None if status == "draft" else batch[-1]["datestamp"]
            if len(batch) == 10_000:
                session.execute(insert(Item), batch)
                batch = []
        if batch:
            session.execute(insert(Item), batch)
    return counts


def timed_get(client, args: dict[str, str]) -> tuple[float, etree._Element]:
    began = time.perf_counter()
    response = client.get("/oai", query_string=args)
    elapsed = time.perf_counter() - began
    return elapsed, etree.fromstring(response.data)


def harvest(client, prefix: str, repeat: int, page_size: int) -> dict[str, float]:
    args = {"verb": "ListRecords", "metadataPrefix": prefix}
    total, pages, records, times, last_args = 0.0, 0, 0, [], args
    current = args
    cpu_began = time.process_time()
    while True:
        elapsed, root = timed_get(client, current)
        total += elapsed
        times.append(elapsed)
        pages += 1
        on_page = len(root.findall(".//oai:record", NS))
        records += on_page
        if on_page == page_size:
            last_args = current  # the last *full* page: a short final page would flatter the comparison
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
        if not token:
            break
        current = {"verb": "ListRecords", "resumptionToken": token}
    cpu = time.process_time() - cpu_began
    first = statistics.median(timed_get(client, args)[0] for _ in range(repeat))
    last = statistics.median(timed_get(client, last_args)[0] for _ in range(repeat))
    return {"records": records, "pages": pages, "seconds": total, "rate": records / total, "cpu_rate": records / cpu,
            "first_ms": first * 1000, "last_ms": last * 1000, "ratio": last / first,
            "median_page_ms": statistics.median(times) * 1000}


def query_plan(services) -> list[str]:
    sql = ("EXPLAIN QUERY PLAN SELECT id FROM item WHERE (status != 'draft' OR first_published_at IS NOT NULL) "
           "AND id > 'kzzzz' ORDER BY id LIMIT 101")
    with services.db.read() as session:
        return [row[-1] for row in session.execute(text(sql))]


def disable_langtag_cache() -> None:
    """Put the uncached functions back; callers look them up on the module at each call."""
    from metadata import langtag

    langtag.parse_tag = langtag.parse_tag.__wrapped__  # type: ignore[method-assign]
    langtag.normalise_tag = langtag.normalise_tag.__wrapped__  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--formats", default="oai_dc")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--append", action="store_true", help="append the results to bench/RESULTS.md")
    parser.add_argument("--no-langtag-cache", action="store_true",
                        help="parse every language tag again (as before the cache) to measure what it saves")
    options = parser.parse_args()
    if options.no_langtag_cache:
        disable_langtag_cache()

    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), options.page_size)
        services = app.extensions["olketanu"]
        began = time.perf_counter()
        counts = populate(services, options.records)
        insert_s = time.perf_counter() - began
        plan = query_plan(services)
        client = app.test_client()
        results = {prefix: harvest(client, prefix, options.repeat, options.page_size) for prefix in options.formats.split(",")}
        services.close()

    lines = [
        f"## OAI-PMH ListRecords — {dt.date.today().isoformat()}",
        "",
        f"`python -m bench.oai.run --records {options.records} --page-size {options.page_size} "
        f"--formats {options.formats}{' --no-langtag-cache' if options.no_langtag_cache else ''}` on {platform.machine()} / Python {platform.python_version()}, SQLite; "
        f"{options.records:,} items ({counts['published']:,} published, {counts['withdrawn']:,} withdrawn, "
        f"{counts['draft']:,} drafts) bulk-inserted in {insert_s:.1f} s. Harvest in-process through the WSGI app; "
        f"first page (it also counts completeListSize) and last full page: median of {options.repeat} re-requests; "
        f"load average (1 min) {load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} CPUs. Page query plan: `{'; '.join(plan)}`.",
        "",
        "| format | records | pages | harvest s | records/s | records/CPU-s | median page ms | first page ms | last page ms | last/first |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for prefix, r in results.items():
        lines.append(
            f"| {prefix} | {r['records']:,} | {r['pages']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} | {r['cpu_rate']:,.0f} | "
            f"{r['median_page_ms']:.1f} | {r['first_ms']:.1f} | {r['last_ms']:.1f} | {r['ratio']:.2f} |"
        )
    lines += ["", "Goal: ≥ 1,000 records/s; last page ≤ 1.5 × first page.", ""]
    report = "\n".join(lines)
    print(report)
    if options.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + report)


if __name__ == "__main__":
    main()
