"""Sites per second with 1, 2 and 4 `soustrace worker` processes against a local farm of sites.

The farm (tests/fixtures/sites/farm.py) is SYNTHETIC volume built from real legal-notice excerpts: one
loopback address per site (127.0.0.10, .11, ...), each answering after `--latency` seconds, to stand for
the network. Every worker keeps the crawl's politeness (one request at a time per host), so more workers
help exactly as far as the sites, not the machine, are the bottleneck. Each run uses a fresh PostgreSQL
schema and its own Redis key prefix (removed afterwards).

Printed per worker count: the wall time from the first worker's start to the last site's visit being
complete, and sites/s over the crawl proper (first visit started to last completed, so worker start-up,
the spaCy model load included, is left out; the floor, one worker's start-up with an empty queue, is
printed alongside). On a 2-core machine shared with others, 4 workers fight for the CPU.

    python benchmarks/bench_workers.py                       # 120 sites, 0.2 s per answer
    python benchmarks/bench_workers.py --sites 60 --latency 0.5 --workers 1 2

`--ted`: TED daily packages through the queue instead, against the local fake of TED
(tests/ted_packages_server.py: SYNTHETIC volume, real notices served under new publication numbers), each
package answering after `--latency` seconds, 3 downloads at once over all workers (the shared limit).
Printed: packages/s and notices/s over the crawl proper (first window opened to last settled), and the
workers' CPU seconds per 1,000 notices (their rusage, steady however loaded the machine is; each worker's
start-up is in it, so it grows with the number of workers on a short run).

    python benchmarks/bench_workers.py --ted --workers 1 2     # 24 packages of 40 notices, 0.5 s each
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "fixtures" / "sites"), str(ROOT / "tests" / "distributed"), str(ROOT / "tests"),
                str(ROOT)]

from farm import Farm  # noqa: E402
from helpers import load_providers  # noqa: E402
from replay import FAST_CRAWL, ReplayServer  # noqa: E402
from ted_packages_server import TedPackages, month_of_issues  # noqa: E402
from workers import cli, start_worker  # noqa: E402

from soustrace.db import make_engine  # noqa: E402
from soustrace.models import CrawlWindow, SiteVisitRecord  # noqa: E402

PG = os.environ.get("SOUSTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SOUSTRACE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@contextlib.contextmanager
def fresh_store() -> Iterator[tuple[str, Engine]]:
    """A new PostgreSQL schema and Redis key prefix for one run, both removed afterwards."""
    import redis

    prefix = f"soustrace-bench-{uuid.uuid4().hex[:8]}"
    os.environ["SOUSTRACE_QUEUE_PREFIX"] = prefix
    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = f"{PG}?options=-csearch_path%3D{schema}"
    engine = make_engine(db_url)
    try:
        yield db_url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def one_run(n_workers: int, n_sites: int, latency: float, logs: Path) -> dict[str, float]:
    os.environ["SOUSTRACE_ALLOW_PRIVATE_NETWORKS"] = "1"
    with fresh_store() as (db_url, engine):
        with Farm(n_sites, latency=latency, blocked_every=0) as farm:
            farm.store_sites(engine)
            load_providers(engine)
            cli(db_url, "crawl", "disclosures", "--all", "--queue", REDIS)
            t0 = time.monotonic()
            procs = [start_worker(db_url, REDIS, logs / f"w{n_workers}-{i}.log", idle_exit=2)
                     for i in range(n_workers)]
            while True:
                with Session(engine) as s:
                    done = s.scalar(select(func.count()).select_from(SiteVisitRecord)
                                    .where(SiteVisitRecord.status == "complete"))
                if done >= n_sites:
                    break
                if all(p.poll() is not None for p in procs):
                    raise SystemExit(f"workers exited with {done}/{n_sites} sites done; see {logs}")
                time.sleep(0.1)
            wall = time.monotonic() - t0
            for p in procs:
                p.wait(60)
            with Session(engine) as s:
                first = s.scalar(select(func.min(SiteVisitRecord.started_at)))
                last = s.scalar(select(func.max(SiteVisitRecord.finished_at)))
        crawl = (last - first).total_seconds()
        return {"workers": n_workers, "wall_s": wall, "crawl_s": crawl, "sites_per_s": n_sites / crawl}


def ted_run(n_workers: int, n_packages: int, per_package: int, latency: float, logs: Path) -> dict[str, float]:
    """One queued TED crawl of `n_packages` daily packages with `n_workers` workers, in a fresh schema."""
    import resource
    import subprocess

    from workers import REPO, env

    issues: list = []
    for month in range(1, 13):
        issues += month_of_issues(2024, month, per_package, first_number=len(issues) + 1,
                                  first_pubno=len(issues) * per_package + 1)
    issues = issues[:n_packages]
    fake = TedPackages(issues)

    def slow(req):  # the network: each package answers after `latency` seconds
        if req.path.startswith("/packages/"):
            time.sleep(latency)
        return fake(req)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with fresh_store() as (db_url, engine):
        with ReplayServer() as server, tempfile.TemporaryDirectory() as cache:
            server.mount("", slow)
            cli(db_url, "crawl", "ted", "--from", str(issues[0].date), "--to", str(issues[-1].date), "--country",
                "ALL", "--kinds", "ALL", "--queue", REDIS, "-s", f"TED_WEB_URL={server.url}")
            cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", REDIS, "--source", "ted",
                   "--idle-exit", "2", "-s", f"TED_WEB_URL={server.url}", "-s", f"TED_PACKAGE_CACHE_DIR={cache}",
                   *FAST_CRAWL]
            procs = [subprocess.Popen(cmd, stdout=(logs / f"ted{n_workers}-{i}.log").open("wb"),
                                      stderr=subprocess.STDOUT, env=env(), cwd=REPO) for i in range(n_workers)]
            for p in procs:
                p.wait(1800)
        with Session(engine) as s:
            done = s.scalar(select(func.count()).select_from(CrawlWindow).where(CrawlWindow.status == "complete",
                                                                                 CrawlWindow.expected > 0))
            stored = s.scalar(select(func.sum(CrawlWindow.stored))) or 0
            first = s.scalar(select(func.min(CrawlWindow.started_at)).where(CrawlWindow.expected > 0))
            last = s.scalar(select(func.max(CrawlWindow.finished_at)).where(CrawlWindow.expected > 0))
        if done != n_packages:
            raise SystemExit(f"{done}/{n_packages} packages complete; see {logs}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        crawl = (last - first).total_seconds()
        return {"workers": n_workers, "crawl_s": crawl, "packages_per_s": n_packages / crawl,
                "notices_per_s": stored / crawl, "cpu_per_1000": 1000 * cpu / stored}


def startup_floor(logs: Path) -> float:
    """One worker, empty queue, --idle-exit 0 is 'never': 1 s of idleness, minus that second."""
    os.environ["SOUSTRACE_QUEUE_PREFIX"] = f"soustrace-bench-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    proc = start_worker(f"sqlite:///{logs / 'floor.db'}", REDIS, logs / "floor.log", idle_exit=1)
    proc.wait(120)
    return time.monotonic() - t0 - 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--ted", action="store_true", help="TED daily packages instead of sites")
    parser.add_argument("--packages", type=int, default=24, help="with --ted: how many daily packages")
    parser.add_argument("--notices", type=int, default=40, help="with --ted: notices per package")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.ted:
        latency = args.latency if args.latency != parser.get_default("latency") else 0.5
        print(f"fake TED (synthetic volume): {args.packages} daily packages of {args.notices} real notices, "
              f"{latency:.2f} s per package, 3 downloads at once over all workers")
        print(f"floor: the downloads alone, {args.packages / 3 * latency:.1f} s "
              f"({3 / latency:.1f} packages/s); worker start-up with an empty queue {startup_floor(logs):.1f} s")
        print(f"{'workers':>7}  {'crawl s':>7}  {'pkg/s':>6}  {'notices/s':>9}  {'CPU s/1000 notices':>18}")
        for n in args.workers:
            r = ted_run(n, args.packages, args.notices, latency, logs)
            print(f"{r['workers']:>7}  {r['crawl_s']:>7.1f}  {r['packages_per_s']:>6.2f}  {r['notices_per_s']:>9.1f}"
                  f"  {r['cpu_per_1000']:>18.1f}", flush=True)
        print(f"logs: {logs}")
        return
    print(f"farm: {args.sites} sites, {args.latency:.2f} s per answer, 4 requests per site (robots, home, 2 pages)")
    print(f"floor: worker start-up with an empty queue {startup_floor(logs):.1f} s")
    print(f"{'workers':>7}  {'wall s':>7}  {'crawl s':>7}  {'sites/s':>7}")
    for n in args.workers:
        r = one_run(n, args.sites, args.latency, logs)
        print(f"{r['workers']:>7}  {r['wall_s']:>7.1f}  {r['crawl_s']:>7.1f}  {r['sites_per_s']:>7.2f}", flush=True)
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
