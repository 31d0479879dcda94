"""A month of TED through the daily packages: notices/s end to end, against the floor measured in this run.

VOLUME IS SYNTHETIC: the real TED samples (data/samples/ted: eForms, TED_EXPORT R2.0.9; SDK examples)
are served under new publication numbers by the local fake of TED (tests/ted_packages_server.py), `--issues`
daily packages of `--per-issue` notices each (TED publishes ~20 issues a month, ~3,000 notices each).
End to end is `soustrace crawl ted --country ALL --kinds ALL` in a subprocess, as a user runs it, with TED's
default politeness (3 packages at once, 700 requests/min): calendar, downloads, cache, member streaming,
parse, store, ledger. "route only" is the same crawl from an empty cache with `--country MLT` (no sample
is Maltese): calendar, downloads, streaming and the filters' look at every notice, nothing to store. The
floor is the same packages read from the cache, each member lxml-parsed and its raw bytes inserted into
SQLite, in this process.

    python benchmarks/bench_ted_packages.py [--issues 20] [--per-issue 250] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from replay import FAST_CRAWL, ReplayServer, crawl_summary, run_soustrace  # noqa: E402
from ted_packages_server import TedPackages, month_of_issues  # noqa: E402

from soustrace.parsers.ted.package import iter_members  # noqa: E402

MONTH = 70_000  # notices in a month of all-country TED (sources.md: 60-80k)


def floor(cache: Path, db: Path) -> tuple[int, float]:
    """Notices and seconds to stream every cached package, lxml-parse each member and insert its bytes."""
    conn = sqlite3.connect(db)
    conn.execute("create table raw (id text primary key, body blob)")
    began, count = time.perf_counter(), 0
    for path in sorted(cache.rglob("*.tar.gz")):
        rows = []
        for member in iter_members(path):
            etree.fromstring(member.raw)
            rows.append((member.name, member.raw))
        conn.executemany("insert into raw values (?, ?)", rows)
        conn.commit()
        count += len(rows)
    conn.close()
    return count, time.perf_counter() - began


def children_cpu() -> float:
    """CPU seconds of the finished child processes (the crawls): the load-independent figure."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20)
    parser.add_argument("--per-issue", type=int, default=250)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    issues = [i for month in (1, 2) for i in month_of_issues(2024, month, args.per_issue, first_number=1)]
    issues = issues[: args.issues]
    for number, issue in enumerate(issues, start=1):
        issue.number = number
    total = args.issues * args.per_issue
    first, last = issues[0].date, issues[-1].date
    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"SYNTHETIC VOLUME: {len(issues)} daily packages x {args.per_issue} real TED notices cloned under new "
          f"numbers ({total} notices, {first}..{last}), served from 127.0.0.1")
    with tempfile.TemporaryDirectory() as tmp:
        built = time.perf_counter()
        fake = TedPackages(issues)
        size = sum(len(i.body) for i in issues)
        print(f"packages built in {time.perf_counter() - built:.1f}s, {size / 2**20:.1f} MiB compressed")
        db = args.db or f"sqlite:///{tmp}/ted.db"
        with ReplayServer() as server:
            server.mount("", fake)

            def crawl(cache: Path, *extra: str) -> tuple[float, dict]:
                began, cpu_before = time.perf_counter(), children_cpu()
                proc = run_soustrace(db, "crawl", "ted", "--from", str(first), "--to", str(last), *extra,
                                     "-s", f"TED_WEB_URL={server.url}", "-s", f"TED_PACKAGE_CACHE_DIR={cache}",
                                     *FAST_CRAWL, "-s", "LOG_LEVEL=WARNING", "-s", "TED_PACKAGE_CONCURRENCY=3",
                                     "-s", "TED_REQUESTS_PER_MINUTE=700", timeout=7200)
                if proc.returncode:
                    raise SystemExit(proc.stderr[-3000:])
                cpu_used.append(children_cpu() - cpu_before)
                return time.perf_counter() - began, crawl_summary(proc)

            cpu_used: list[float] = []

            route_s, _ = crawl(Path(tmp) / "cache-route", "--country", "MLT", "--kinds", "ALL")
            cache = Path(tmp) / "cache"
            elapsed, summary = crawl(cache, "--country", "ALL", "--kinds", "ALL")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        count, floor_s = floor(cache, Path(tmp) / "floor.db")
        rate = summary["stored"] / elapsed
        print(json.dumps({
            "end_to_end": {"notices": summary["stored"], "expected": summary["expected"], "seconds": round(elapsed, 1),
                           "notices_per_s": round(rate, 1), "child_peak_rss_mb": round(rss, 1),
                           "crawl_cpu_s": round(cpu_used[1], 1),
                           "crawl_cpu_ms_per_notice": round(1000 * cpu_used[1] / max(1, summary["stored"]), 2)},
            "route only (download + stream + filter look, nothing kept)": {
                "notices": total, "seconds": round(route_s, 1), "notices_per_s": round(total / route_s, 1),
                "crawl_cpu_s": round(cpu_used[0], 1)},
            "floor (stream + lxml parse + raw SQLite insert)": {"notices": count, "seconds": round(floor_s, 2),
                                                               "notices_per_s": round(count / floor_s, 1)},
            "end_to_end_vs_floor": round((count / floor_s) / rate, 1),
            f"a month ({MONTH} notices) at this rate, minutes": round(MONTH / rate / 60, 1),
        }, indent=2))


if __name__ == "__main__":
    main()
