"""The limits API hosts are kept to across workers, held in the real Redis (distributed/politeness.py).

Several processes reserve from one sliding window at once: the send times granted, read back from Redis,
never put more than `limit` requests in any `period`. Leased slots: never more than `limit` held, freed on
release, and a dead holder's slot comes back when its lease runs out unless the holder keeps refreshing it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time

import pytest

from soustrace.distributed.politeness import SharedLimits, host_key


def _reserve_many(url: str, prefix: str, name: str, limit: int, period: float, count: int) -> list[float]:
    import redis

    limits = SharedLimits(redis.Redis.from_url(url), prefix)
    return [limits.reserve(name, limit, period) for _ in range(count)]


def test_a_window_shared_by_three_processes_never_grants_more_than_its_limit(redis_url: str) -> None:
    import redis

    prefix = os.environ["SOUSTRACE_QUEUE_PREFIX"]
    limit, period, each = 3, 0.5, 12
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        waits = pool.starmap(_reserve_many, [(redis_url, prefix, "boamp-api", limit, period, each)] * 3)
    client = redis.Redis.from_url(redis_url)
    granted = sorted(score for _, score in client.zrange(f"{prefix}:politeness:rate:boamp-api", 0, -1,
                                                         withscores=True))
    client.close()
    assert len(granted) == 3 * each  # every grant is its own, none overwritten by another process
    for first, fourth in zip(granted, granted[limit:], strict=False):  # microseconds of Redis's clock
        assert fourth - first >= period * 1e6, (first, fourth)
    # Together they wait as one client would: 36 grants at 3 per 0.5 s span ~5.5 s, not a third of it.
    assert granted[-1] - granted[0] >= (3 * each / limit - 1) * period * 1e6
    assert max(max(w) for w in waits) >= 5.0


def test_slots_are_bounded_released_and_a_dead_holders_lease_runs_out(redis_url: str) -> None:
    import redis

    prefix = os.environ["SOUSTRACE_QUEUE_PREFIX"]
    one, two = (SharedLimits(redis.Redis.from_url(redis_url), prefix) for _ in range(2))
    held = [one.acquire("ted.example:443", 3, 0.6), two.acquire("ted.example:443", 3, 0.6),
            two.acquire("ted.example:443", 3, 0.6)]
    assert all(held) and len(set(held)) == 3
    assert one.acquire("ted.example:443", 3, 0.6) is None  # three in flight over both "workers"
    assert one.acquire("boamp.example:443", 3, 0.6)  # another host has its own slots
    two.release("ted.example:443", held[2])
    mine = one.acquire("ted.example:443", 3, 0.6)
    assert mine is not None
    # `one` keeps refreshing its two leases; `two` died holding one: only that one comes back.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        one.refresh({held[0]: "ted.example:443", mine: "ted.example:443"}, 0.6)
        time.sleep(0.1)
    assert one.acquire("ted.example:443", 3, 0.6) is not None  # two's lease ran out
    assert one.acquire("ted.example:443", 3, 0.6) is None


def test_hosts_are_the_unit_and_data_requests_are_not_limited() -> None:
    assert host_key("https://ted.europa.eu/packages/daily/202400001") == "ted.europa.eu:443"
    assert host_key("http://127.0.0.1:8123/boamp/records?x=1") == "127.0.0.1:8123"
    assert host_key("data:text/plain,ted package") is None


def test_the_worker_settings_swap_in_the_shared_middleware(redis_url: str) -> None:
    from soustrace.distributed.queue import worker_settings

    middlewares = worker_settings(redis_url)["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["soustrace.spiders.politeness.PolitenessMiddleware"] is None
    assert middlewares["soustrace.distributed.politeness.SharedPolitenessMiddleware"] == 560
    assert middlewares["soustrace.spiders.middlewares.RetryAfterMiddleware"] == 550  # the rest kept


def test_a_request_holds_one_slot_from_send_to_answer_and_a_redirect_does_not_hold_two(redis_url: str) -> None:
    import asyncio

    import redis
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from soustrace.distributed.politeness import SharedPolitenessMiddleware
    from soustrace.spiders.boamp import BoampSpider

    prefix = os.environ["SOUSTRACE_QUEUE_PREFIX"]
    crawler = get_crawler(BoampSpider, settings_dict={"REDIS_URL": redis_url, "CONCURRENT_REQUESTS_PER_DOMAIN": 2})
    crawler.spider = BoampSpider(from_date="2024-01-01")
    crawler.stats.open_spider()
    middleware = SharedPolitenessMiddleware(crawler)
    client = redis.Redis.from_url(redis_url)
    slots = f"{prefix}:politeness:slots:boamp.example:443"
    first = Request("https://boamp.example/api?page=1")
    asyncio.run(middleware.process_request(first))
    assert client.zcard(slots) == 1
    moved = first.replace(url="https://boamp.example/api/v2?page=1")  # what RedirectMiddleware sends next
    asyncio.run(middleware.process_request(moved))
    assert client.zcard(slots) == 1 and len(middleware.held) == 1
    middleware.process_response(moved, Response(moved.url))
    assert client.zcard(slots) == 0 and middleware.held == {}
    assert asyncio.run(middleware.process_request(Request("https://boamp.example/a"))) is None
    assert asyncio.run(middleware.process_request(Request("https://boamp.example/b"))) is None
    assert client.zcard(slots) == 2  # CONCURRENT_REQUESTS_PER_DOMAIN=2 over all workers: the next one waits
    middleware._closed()  # the crawl closes: its slots are given back at once, not after the lease
    assert client.zcard(slots) == 0
    client.close()


def test_a_lost_redis_stops_the_worker_as_an_infrastructure_fault() -> None:
    """Not a failed request among others: the crawl is told to stop, the stat the worker exits 2 on is set."""
    import asyncio

    import redis
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from soustrace.distributed.politeness import SharedPolitenessMiddleware
    from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT
    from soustrace.spiders.boamp import BoampSpider

    crawler = get_crawler(BoampSpider, settings_dict={"REDIS_URL": "redis://127.0.0.1:1/0"})
    crawler.spider = BoampSpider(from_date="2024-01-01")
    crawler.stats.open_spider()
    middleware = SharedPolitenessMiddleware(crawler)
    with pytest.raises(redis.ConnectionError):
        asyncio.run(middleware.process_request(Request("https://boamp.example/api")))
    assert "Redis does not answer" in crawler.stats.get_value(INFRASTRUCTURE_ERROR_STAT)
    # A data: claim request never needs Redis.
    assert asyncio.run(middleware.process_request(Request("data:,claim"))) is None


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_on_boamp_keep_one_hosts_spacing_between_them(db_url: str, engine, redis_url: str,
                                                                 tmp_path) -> None:
    """SHARED_HOST_DELAY=0.5 with two workers paging BOAMP windows at once: the API sees one request per
    0.5 s at most from both together (each alone would send them back to back: DOWNLOAD_DELAY=0)."""
    import datetime as dt
    import json
    import subprocess
    import sys
    from pathlib import Path

    from replay import FAST_CRAWL, BoampAPI, ReplayServer
    from workers import REPO, cli, env

    boamp = Path(__file__).parents[1] / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
    real = json.loads(boamp.read_text())["results"]
    day = dt.date.fromisoformat(min(r["dateparution"] for r in real))
    arrivals: list[float] = []
    api = BoampAPI(real)

    def timed(req):
        arrivals.append(time.monotonic())
        return api(req)

    with ReplayServer() as server:
        url = server.mount("/boamp", timed)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", redis_url, "--source",
               "boamp", "--idle-exit", "8", "-s", f"BOAMP_API_URL={url}", *FAST_CRAWL, "-s", "LOG_LEVEL=INFO",
               "-s", "SHARED_HOST_DELAY=0.5", "-s", "CONCURRENT_REQUESTS=2"]  # 2 units a pop
        # The schema exists already (the engine fixture): two workers do not race to create it.
        procs = [subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env(), cwd=REPO)
                 for log in logs]
        for log in logs:
            deadline = time.monotonic() + 120
            while "boamp:units" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.05)
        out = cli(db_url, "crawl", "boamp", "--from", str(day - dt.timedelta(days=3)), "--to",
                  str(day + dt.timedelta(days=4)), "--queue", redis_url, "-s", "CRAWL_WINDOW_DAYS=1")
        assert out["enqueued"] == 8
        stats = []
        for proc, log in zip(procs, logs, strict=True):
            proc.wait(240)
            text = log.read_text()
            assert proc.returncode == 0, text[-4000:]
            stats.append(json.loads(text[text.rindex("\n{\n") + 1:])["boamp"])
    # Which worker pops which window is the queue's race (on a quiet machine one worker may pop them all):
    # the spacing below is what must hold between the workers, whoever did the work.
    assert sum(s.get("soustrace/windows_done", 0) for s in stats) == 8
    arrivals.sort()
    assert len(arrivals) >= 8
    # Grants are 0.5 s apart on Redis's clock; arrivals only add the jitter of the two ends.
    assert arrivals[-1] - arrivals[0] >= 0.5 * (len(arrivals) - 1) - 0.3, arrivals
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert sorted(gaps)[len(gaps) // 2] >= 0.4, gaps  # typically spaced, not bunched then waiting
