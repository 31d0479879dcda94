"""Crawl throughput: BOAMP records/s and TED notices/s fetched + parsed + stored, and peak memory.

TED here is the per-notice route (`crawl ted --via api`: search, then one download per notice), with the
600-downloads-per-6-minutes quota lifted since the server is local; `--ted 15300` pages past the 15,000
results PAGE_NUMBER mode reaches (the tests do it with a few hundred and a small page). The packages route
has its own benchmark, bench_ted_packages.py.

The API is the local replay server of the tests (tests/replay.py) on 127.0.0.1. VOLUME IS SYNTHETIC: real
records (data/samples, tests/fixtures) are cloned under new ids to reach the counts asked for. Each crawl
runs as `soustrace crawl ...` in a subprocess (as a user runs it); its peak RSS is the child's ru_maxrss.

    python benchmarks/bench_crawl.py [--boamp 10000] [--ted 5000] [--db URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from replay import FAST_CRAWL, BoampAPI, ReplayServer, TedAPI, clone_records, run_soustrace  # noqa: E402

FAST = [*FAST_CRAWL, "-s", "LOG_LEVEL=WARNING"]


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def timed_crawl(db: str, source: str, prefix: str, make_api: Callable[[str], Any], start: str, end: str,
                *extra: str) -> float:
    """Seconds one `soustrace crawl SOURCE` takes against the replay API built for its mount URL."""
    with ReplayServer() as server:
        url = server.mount(prefix, make_api(server.url + prefix))
        began = time.perf_counter()
        proc = run_soustrace(db, "crawl", source, "--from", start, "--to", end,
                             "-s", f"{source.upper()}_API_URL={url}", *FAST, *extra)
        elapsed = time.perf_counter() - began
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return elapsed


def bench_boamp(db: str, count: int) -> dict:
    page = ROOT / "tests" / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
    records = clone_records(json.loads(page.read_text())["results"], count, dt.date(2024, 3, 1), 5)
    elapsed = timed_crawl(db, "boamp", "/boamp", lambda _base: BoampAPI(records), "2024-03-01", "2024-03-05")
    return {"records": count, "seconds": round(elapsed, 1), "records_per_s": round(count / elapsed, 1)}


def bench_ted(db: str, count: int) -> dict:
    real = ROOT / "data" / "samples" / "ted" / "eforms_real" / "eforms_can_156-2025_FRA_transcribed.xml"
    xml = real.read_bytes()
    notices = [(f"{800000 + i}-2024", "2024-06-03", "FRA", xml) for i in range(count)]
    elapsed = timed_crawl(db, "ted", "/ted", lambda base: TedAPI(notices, base), "2024-06-03", "2024-06-03",
                          "--via", "api", "-s", "TED_NOTICE_DOWNLOADS_PER_6_MINUTES=0")
    return {"notices": count, "seconds": round(elapsed, 1), "notices_per_s": round(count / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boamp", type=int, default=10_000)
    parser.add_argument("--ted", type=int, default=5_000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file per source)")
    args = parser.parse_args()
    print("SYNTHETIC VOLUME: real BOAMP/TED records cloned under new ids, served from 127.0.0.1")
    with tempfile.TemporaryDirectory() as tmp:
        boamp = bench_boamp(args.db or f"sqlite:///{tmp}/boamp.db", args.boamp)
        print(json.dumps({"boamp": boamp, "child_peak_rss_mb": round(child_peak_mb(), 1)}))
        ted = bench_ted(args.db or f"sqlite:///{tmp}/ted.db", args.ted)
        print(json.dumps({"ted (real eForms 156-2025, 2 lots, 3 roles)": ted,
                          "child_peak_rss_mb_so_far": round(child_peak_mb(), 1)}))


if __name__ == "__main__":
    main()
