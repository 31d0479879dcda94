"""Where the shared queue lives and what its keys are called; pushing units of work into it.

The keys are scrapy-redis's own (`<prefix>:<spider>:requests`, `:dupefilter`) plus the list the
RedisSpider reads its start data from (`<prefix>:<spider>:units`). The prefix (SOUSTRACE_QUEUE_PREFIX,
default `soustrace`) lets several campaigns or test runs share one Redis without seeing each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

DEFAULT_PREFIX = "soustrace"
SOURCES = ("disclosures", "boamp", "ted", "ted_packages", "decp")  # queues (TED: API windows, packages)


class QueueError(RuntimeError):
    """The queue URL is malformed or Redis does not answer: an infrastructure fault, the run stops."""


def queue_prefix() -> str:
    return os.environ.get("SOUSTRACE_QUEUE_PREFIX") or DEFAULT_PREFIX


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise QueueError(f"{url!r} is not a Redis URL (redis://HOST:6379/0)")
    return url


def units_key(spider: str, prefix: str | None = None) -> str:
    return f"{prefix or queue_prefix()}:{spider}:units"


def keys(spider: str, prefix: str | None = None) -> dict[str, str]:
    base = f"{prefix or queue_prefix()}:{spider}"
    return {"units": f"{base}:units", "requests": f"{base}:requests", "dupefilter": f"{base}:dupefilter"}


def connect(url: str) -> Any:
    """A Redis client that has answered a PING (a dead Redis is an error here, not an empty queue)."""
    import redis

    client = redis.Redis.from_url(check_url(url), socket_connect_timeout=5, socket_timeout=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise QueueError(f"Redis at {url} does not answer: {exc}") from exc
    return client


def push_units(url: str, spider: str, units: Iterable[dict[str, Any]]) -> int:
    """Append units (JSON) to the spider's list, in one round trip; returns how many were pushed."""
    payloads = [json.dumps(unit, sort_keys=True, default=str) for unit in units]
    if payloads:
        client = connect(url)
        client.rpush(units_key(spider), *payloads)
        client.close()
    return len(payloads)


def queue_lengths(url: str) -> dict[str, dict[str, int]]:
    """Units waiting, requests queued and fingerprints seen, per source (what `worker --status` prints)."""
    client = connect(url)
    out = {}
    for spider in SOURCES:
        k = keys(spider)
        out[spider] = {"units": int(client.llen(k["units"])), "requests": int(client.zcard(k["requests"])),
                       "seen": int(client.scard(k["dupefilter"]))}
    client.close()
    return out


def read_unit(data: bytes | str, required: tuple[str, ...], log: Any) -> dict[str, Any] | None:
    """A unit from Redis, or None after an error naming it and why (bad input: the worker goes on)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        unit = json.loads(text)
        if not isinstance(unit, dict):
            raise ValueError("not a JSON object")
        missing = [key for key in required if key not in unit]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return unit
    except ValueError as exc:
        log.error("unit %r rejected: %s", text[:200], exc)
        return None


def worker_settings(url: str) -> dict[str, Any]:
    """The Scrapy settings that make a crawler a worker of the shared queue.

    SCHEDULER_PERSIST is essential: without it, the first worker to stop would flush the shared queue
    and duplicate filter under the feet of the others. The politeness middleware is the shared one: N
    workers together keep one API host's limits, not N times them.
    """
    from soustrace import settings

    prefix = queue_prefix()
    middlewares = {**settings.DOWNLOADER_MIDDLEWARES, "soustrace.spiders.politeness.PolitenessMiddleware": None,
                   "soustrace.distributed.politeness.SharedPolitenessMiddleware": 560}
    return {
        "DOWNLOADER_MIDDLEWARES": middlewares,  # the API hosts' limits held for all workers (politeness.py)
        "REDIS_URL": check_url(url),
        "SCHEDULER": "soustrace.distributed.scheduler.UnitScheduler",
        "DUPEFILTER_CLASS": "soustrace.distributed.scheduler.CampaignDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "REDIS_START_URLS_KEY": f"{prefix}:%(name)s:units",
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
    }
