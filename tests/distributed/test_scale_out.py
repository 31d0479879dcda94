"""Scale-out on the real Redis and PostgreSQL: 120 local sites, two workers, one SIGKILLed, `--resume`.

Each site is its own loopback address; its robots.txt forbids /private/ (or the whole site for one in
twelve). The done-when of issue 15: every allowed site's host is answered by `query uses PROVIDER
--all-orgs`, no page robots.txt forbids was requested, no legal page fetched more than twice and at most
5 % twice (what the killed worker had in flight), nothing stored twice.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "sites"))
from farm import Farm
from helpers import load_providers
from workers import cli, start_worker

from soustrace.models import Document, Evidence, Relation, Site, SiteVisitRecord

pytestmark = pytest.mark.slow


def _complete(engine: Engine) -> int:
    with Session(engine) as s:
        query = select(func.count()).select_from(SiteVisitRecord).where(SiteVisitRecord.status == "complete")
        return s.scalar(query) or 0


def _wait(proc, log: Path, timeout: float) -> None:
    try:
        proc.wait(timeout)
    except Exception:
        proc.kill()
        raise AssertionError(f"worker did not exit:\n{log.read_text()[-4000:]}") from None
    assert proc.returncode == 0, log.read_text()[-6000:]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_one_killed_then_resume(db_url: str, engine: Engine, redis_url: str, tmp_path: Path) -> None:
    t0 = time.monotonic()
    with Farm(120, latency=0.03) as farm:
        farm.store_sites(engine)
        load_providers(engine)
        queued = cli(db_url, "crawl", "disclosures", "--all", "--queue", redis_url)
        assert queued["enqueued"] == 120 and queued["sites"] == 120

        print(f"queued at {time.monotonic() - t0:.1f}s")
        logs = [tmp_path / f"worker-{n}.log" for n in "abc"]
        a = start_worker(db_url, redis_url, logs[0])
        b = start_worker(db_url, redis_url, logs[1])
        deadline = time.monotonic() + 240
        while _complete(engine) < 30:
            assert time.monotonic() < deadline, logs[0].read_text()[-3000:]
            assert a.poll() is None and b.poll() is None, "a worker stopped early"
            time.sleep(0.05)
        print(f"kill at {time.monotonic() - t0:.1f}s")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        _wait(b, logs[1], 240)  # B drains what is left in Redis, then idles out

        print(f"B done at {time.monotonic() - t0:.1f}s")
        # What A had in flight is neither complete in the ledger nor anywhere in Redis any more.
        with Session(engine) as s:
            lost = s.scalars(select(SiteVisitRecord.url).where(SiteVisitRecord.status != "complete")).all()
        resumed = cli(db_url, "crawl", "disclosures", "--all", "--resume", "--queue", redis_url)
        assert resumed["enqueued"] == len(lost) and resumed["already_complete"] == 120 - len(lost)
        assert len(lost) <= 16  # two workers x CONCURRENT_REQUESTS=8: in flight, not queued
        c = start_worker(db_url, redis_url, logs[2])
        _wait(c, logs[2], 240)
        assert _complete(engine) == 120
        print(f"C done at {time.monotonic() - t0:.1f}s, {len(lost)} resumed")

    allowed = [site for site in farm.sites if not site["blocked"]]
    blocked = [site for site in farm.sites if site["blocked"]]
    t1 = time.monotonic()
    # robots.txt: nothing it forbids was asked, and a forbidden site was asked its robots.txt only.
    assert not any(path.startswith("/private/") for _, path in farm.requests)
    for site in blocked:
        assert {p for h, p in farm.requests if h == site["host"]} == {"/robots.txt"}
    # Legal pages: each allowed one fetched once, at most 5 % twice (A's in-flight sites), never thrice.
    legal = farm.fetches("/mentions-legales")
    assert set(legal) == {site["host"] for site in allowed}
    assert max(legal.values()) <= 2
    assert sum(n == 2 for n in legal.values()) <= 0.05 * len(allowed), legal
    # Every allowed site's host answered, and no blocked site's.
    answered = {provider: {row["contractor"] for row in cli(db_url, "query", "uses", provider, "--all-orgs",
                                                                  "--format", "json")}
                for provider in sorted({site["provider"] for site in farm.sites})}
    for site in allowed:
        assert site["org"] in answered[site["provider"]], site
    assert not {site["org"] for site in blocked} & set().union(*answered.values())
    # Nothing stored twice: one document per page, one hosting edge per site, one evidence row per edge.
    with Session(engine) as s:
        docs = Counter(s.scalars(select(Document.url)))
        assert docs and max(docs.values()) == 1
        edges = Counter(s.scalars(select(Relation.site_id).where(Relation.kind == "hosting")))
        assert len(edges) == len(allowed) and max(edges.values()) == 1
        per_edge = Counter(s.scalars(select(Evidence.relation_id).where(Evidence.relation_id.is_not(None))))
        assert max(per_edge.values()) == 1
        crawled = {url: stamp for url, stamp in s.execute(select(Site.url, Site.last_crawled))}
        assert all(crawled[site["url"]] for site in allowed)  # blocked ones: home forbidden, never reached
        workers = {v.worker for v in s.scalars(select(SiteVisitRecord))}
        assert len(workers) >= 2  # the crawl really was shared
    print(f"checks {time.monotonic() - t1:.1f}s")



@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_sigterm_drains_and_exits_0_then_resume_finishes(db_url: str, engine: Engine, redis_url: str,
                                                         tmp_path: Path) -> None:
    """SIGTERM: the worker finishes what is being downloaded and exits 0; what it had not finished stays
    resumable (never marked complete), what was still queued stays in Redis for the next worker. A site
    whose legal page answered 503 is `failed`, not complete, and resumed like the rest."""
    with Farm(12, latency=0.15, blocked_every=0, flaky=frozenset({0})) as farm:
        farm.store_sites(engine)
        load_providers(engine)
        assert cli(db_url, "crawl", "disclosures", "--all", "--queue", redis_url)["enqueued"] == 12
        log = tmp_path / "w.log"
        worker = start_worker(db_url, redis_url, log, "-s", "CONCURRENT_REQUESTS=2")
        deadline = time.monotonic() + 240
        while _complete(engine) < 3:
            assert time.monotonic() < deadline and worker.poll() is None, log.read_text()[-3000:]
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        _wait(worker, log, 120)
        done = _complete(engine)
        assert done < 12  # it stopped instead of finishing the queue
        with Session(engine) as s:
            first = s.scalars(select(SiteVisitRecord).where(SiteVisitRecord.url == farm.sites[0]["url"])).one()
        assert first.status == "failed" and "503" in (first.error or ""), (first.status, first.error)
        resumed = cli(db_url, "crawl", "disclosures", "--all", "--resume", "--queue", redis_url)
        assert resumed["already_complete"] == done
        _wait(start_worker(db_url, redis_url, tmp_path / "w2.log"), tmp_path / "w2.log", 240)
        assert _complete(engine) == 12
    legal = farm.fetches("/mentions-legales")
    assert len(legal) == 12 and max(legal.values()) <= 2
    with Session(engine) as s:
        assert max(Counter(s.scalars(select(Document.url))).values()) == 1
