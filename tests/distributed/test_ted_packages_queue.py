"""TED's daily packages through the shared queue, on the real Redis and PostgreSQL and the local fake of TED
(tests/ted_packages_server.py: real notices, synthetic volume, said so there).

Two workers share the packages (at most 3 downloads at once between them, TED's limit for one re-user),
every notice is stored once; a SIGKILLed worker's package is re-enqueued by `--resume --queue` and read by
another worker, and nothing is stored twice.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from replay import FAST_CRAWL, Fault, ReplayRequest, ReplayServer, Reply
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from ted_packages_server import TedPackages, month_of_issues, waf_challenge

sys.path.insert(0, str(Path(__file__).parent))
from workers import REPO, cli, env

from soustrace.distributed.queue import connect, units_key
from soustrace.models import CrawlWindow, Notice

pytestmark = pytest.mark.slow
PARAMS = "packages;country=ALL;kinds=ALL"


class Watched:
    """The fake TED, counting package downloads in progress at once; `hold` keeps a unit's answer back."""

    def __init__(self, fake: TedPackages, latency: float) -> None:
        self.fake, self.latency = fake, latency
        self.lock = threading.Lock()
        self.now = self.max = 0
        self.arrived: Counter[str] = Counter()
        self.hold: dict[str, threading.Event] = {}

    def __call__(self, req: ReplayRequest) -> Reply:
        if not req.path.startswith("/packages/"):
            return self.fake(req)
        unit = req.path.rsplit("/", 1)[1]
        with self.lock:
            self.now += 1
            self.max = max(self.max, self.now)
            self.arrived[unit] += 1
        try:
            if unit in self.hold:
                self.hold[unit].wait(120)
            time.sleep(self.latency)
            return self.fake(req)
        finally:
            with self.lock:
                self.now -= 1


def start(db_url: str, queue: str, server: ReplayServer, cache: Path, log: Path, idle_exit: int = 3,
          *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", queue, "--source", "ted",
           "--idle-exit", str(idle_exit), "-s", f"TED_WEB_URL={server.url}", "-s", f"TED_PACKAGE_CACHE_DIR={cache}",
           *FAST_CRAWL, "-s", "LOG_LEVEL=INFO", *extra]
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env(), cwd=REPO)


def finished(proc: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> dict:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"worker did not exit:\n{log.read_text()[-4000:]}") from None
    text = log.read_text()
    assert proc.returncode == 0, text[-6000:]
    return json.loads(text[text.rindex("\n{\n") + 1:])  # the stats the worker prints last


def wait_for(what, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, log.read_text()[-4000:]
        time.sleep(0.05)


def enqueue(db_url: str, server: ReplayServer, queue: str, first: str, last: str, *extra: str) -> dict:
    return cli(db_url, "crawl", "ted", "--from", first, "--to", last, "--country", "ALL", "--kinds", "ALL",
               "--queue", queue, "-s", f"TED_WEB_URL={server.url}", *extra)


def windows(engine: Engine) -> dict[dt.date, CrawlWindow]:
    with Session(engine) as s:
        rows = s.scalars(select(CrawlWindow).where(CrawlWindow.source == "ted", CrawlWindow.params == PARAMS))
        return {w.date_from: w for w in rows}


def stored(engine: Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.scalars(select(Notice.source_id).where(Notice.source == "ted")))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_share_the_packages_and_store_every_notice_once(db_url: str, engine: Engine, redis_url: str,
                                                                    tmp_path: Path) -> None:
    issues = month_of_issues(2024, 1, 12)[:10]  # 10 working days, 1-12 January 2024
    every = {no for issue in issues for no in issue.publication_numbers()}
    watched = Watched(TedPackages(issues), latency=0.6)
    with ReplayServer() as server:
        server.mount("", watched)
        # Bad input first: a unit that names no issue is rejected with its reason, the workers go on.
        client = connect(redis_url)
        client.rpush(units_key("ted_packages"), json.dumps({"date": "2024-01-02", "year": 2023, "number": 1,
                                                            "country": "ALL", "kinds": "ALL", "params": PARAMS,
                                                            "campaign": "c"}))
        client.close()
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        workers = [start(db_url, redis_url, server, tmp_path / f"cache-{n}", log, 10, "-s", "SHARED_HOST_DELAY=0.05")
                   for n, log in zip("ab", logs, strict=True)]
        for log in logs:  # both listen before the units go in, so both get a share
            wait_for(lambda log=log: "ted_packages:units" in log.read_text(), 120, log)
        out = enqueue(db_url, server, redis_url, "2024-01-01", "2024-01-14")
        assert out["enqueued"] == 10 and out["unit"] == "package" and out["days_without_issue"] == 4
        assert out["packages"][0] == f"{issues[0].unit} (2024-01-01)"
        assert {w.status for d, w in windows(engine).items() if d.weekday() < 5} == {"pending"}
        stats = [finished(proc, log) for proc, log in zip(workers, logs, strict=True)]
    claimed = [s["ted_packages"].get("soustrace/packages_claimed", 0) for s in stats]
    assert sum(claimed) == 10 and min(claimed) > 0, claimed  # shared, and no package claimed twice
    assert sum(s["ted_packages"].get("soustrace/units_rejected", 0) for s in stats) == 1
    assert all(s["ted_packages"]["soustrace/shared_politeness/requests"] > 0 for s in stats)
    assert "cannot be published on 2024-01-02" in "".join(log.read_text() for log in logs)
    # Each package downloaded once; never more than 3 downloads at once over both workers (6 without sharing).
    assert watched.arrived == Counter({issue.unit: 1 for issue in issues})
    assert watched.max == 3, watched.max
    rows = windows(engine)
    assert len(rows) == 14 and {w.status for w in rows.values()} == {"complete"}, [
        (d, w.status, w.error) for d, w in rows.items()]
    assert sum(w.stored for w in rows.values()) == sum(w.expected for w in rows.values()) == len(every) == 120
    assert stored(engine) == Counter(every)  # every notice, once
    again = enqueue(db_url, server, redis_url, "2024-01-01", "2024-01-14", "--resume")
    assert again["enqueued"] == 0  # nothing left to do


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_sigkilled_workers_package_is_resumed_and_nothing_is_stored_twice(db_url: str, engine: Engine,
                                                                            redis_url: str, tmp_path: Path) -> None:
    issues = month_of_issues(2024, 2, 6)[:6]  # 1-8 February 2024
    every = {no for issue in issues for no in issue.publication_numbers()}
    watched = Watched(TedPackages(issues), latency=0.2)
    watched.hold[issues[0].unit] = threading.Event()  # worker A's first package never answers
    with ReplayServer() as server:
        server.mount("", watched)
        assert enqueue(db_url, server, redis_url, "2024-02-01", "2024-02-08")["enqueued"] == 6
        # A short lease: the slots SIGKILLed A held come back in seconds, not the default 30.
        a = start(db_url, redis_url, server, tmp_path / "cache-a", tmp_path / "a.log", 3, "-s", "SHARED_SLOT_LEASE=4")
        wait_for(lambda: watched.arrived[issues[0].unit] == 1, 120, tmp_path / "a.log")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        watched.hold[issues[0].unit].set()
        # What A had claimed is neither complete nor queued: B does the rest and idles out.
        b = start(db_url, redis_url, server, tmp_path / "cache-b", tmp_path / "b.log", 3, "-s", "SHARED_SLOT_LEASE=4")
        finished(b, tmp_path / "b.log")
        left = sorted(d for d, w in windows(engine).items() if w.status != "complete")
        assert dt.date(2024, 2, 1) in left and len(left) <= 3, left  # at most A's 3 download slots
        assert windows(engine)[dt.date(2024, 2, 1)].status == "running"  # claimed, never settled
        assert {windows(engine)[d].status for d in left} <= {"running", "pending"}  # pending: popped, not claimed
        resumed = enqueue(db_url, server, redis_url, "2024-02-01", "2024-02-08", "--resume")
        assert resumed["enqueued"] == len(left)
        assert [p.split(" ")[1] for p in resumed["packages"]] == [f"({d})" for d in left]
        finished(start(db_url, redis_url, server, tmp_path / "cache-c", tmp_path / "c.log"), tmp_path / "c.log")
    rows = windows(engine)
    assert {w.status for w in rows.values()} == {"complete"}, [(d, w.status, w.error) for d, w in rows.items()]
    assert stored(engine) == Counter(every)  # nothing stored twice, nothing missing
    resumed_units = {i.unit for i in issues if i.date in left}
    assert {u for u, n in watched.arrived.items() if n > 1} <= resumed_units
    assert max(watched.arrived.values()) == 2


def test_enqueue_refuses_an_unreadable_calendar_and_marks_nothing(db_url: str, engine: Engine, redis_url: str,
                                                                  tmp_path: Path) -> None:
    from click.testing import CliRunner

    from soustrace.cli import cli as soustrace_cli

    with ReplayServer() as server:
        server.mount("", TedPackages(month_of_issues(2024, 1, 1)))
        server.faults.append(Fault(waf_challenge(), times=5, path_contains="/release-calendar/"))
        res = CliRunner().invoke(soustrace_cli, ["--db", db_url, "crawl", "ted", "--from", "2024-01-01", "--to",
                                                 "2024-01-05", "--queue", redis_url, "-s",
                                                 f"TED_WEB_URL={server.url}"])
    assert res.exit_code == 1 and "release calendar" in res.output and "nothing enqueued" in res.output
    assert "WAF" in res.output or "HTTP 202" in res.output
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(CrawlWindow)) == 0
    client = connect(redis_url)
    assert client.llen(units_key("ted_packages")) == 0
    client.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_each_unit_is_read_with_its_own_filters_even_for_the_same_day(db_url: str, engine: Engine, redis_url: str,
                                                                     tmp_path: Path) -> None:
    """French result notices (the default) and everything (ALL) for the same two days, queued one after the
    other: one worker reads both, never the two units of one day at once (the second waits its turn), and
    each day's window counts only what its own filters keep."""
    from ted_packages_server import FRENCH_RESULTS

    issues = month_of_issues(2024, 2, 21)[:2]  # 1 and 2 February 2024
    french = {no for issue in issues for no in issue.publication_numbers(FRENCH_RESULTS)}
    every = {no for issue in issues for no in issue.publication_numbers()}
    with ReplayServer() as server:
        server.mount("", TedPackages(issues))
        assert cli(db_url, "crawl", "ted", "--from", "2024-02-01", "--to", "2024-02-02", "--queue", redis_url,
                   "-s", f"TED_WEB_URL={server.url}")["enqueued"] == 2
        assert enqueue(db_url, server, redis_url, "2024-02-01", "2024-02-02")["enqueued"] == 2
        stats = finished(start(db_url, redis_url, server, tmp_path / "cache", tmp_path / "w.log"), tmp_path / "w.log")
    assert stats["ted_packages"]["soustrace/packages_claimed"] == 4
    assert stats["ted_packages"]["soustrace/units_put_back"] >= 1
    with Session(engine) as s:
        rows = s.scalars(select(CrawlWindow).where(CrawlWindow.source == "ted")).all()
    by_params = {p: [w for w in rows if w.params == p] for p in {w.params for w in rows}}
    assert set(by_params) == {PARAMS, "packages;country=FRA;kinds=award,modification"}
    assert all(w.status == "complete" for w in rows), [(w.params, w.status, w.error) for w in rows]
    assert sum(w.stored for w in by_params["packages;country=FRA;kinds=award,modification"]) == len(french) > 0
    assert sum(w.stored for w in by_params[PARAMS]) == len(every) > len(french)
    assert stored(engine) == Counter(every)
