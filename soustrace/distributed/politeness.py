"""Per-host politeness across workers: the API hosts' limits held in Redis, not in each worker's memory.

A local crawl keeps a source's quotas (`meta["rate_limits"]`, e.g. TED's 700 requests a minute) and
Scrapy's per-domain slot (CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY) in its own process; N workers
would each keep them, and one API host would see N times the load. In a worker, this middleware replaces
`spiders.politeness.PolitenessMiddleware` for the notice sources' requests (BOAMP, TED, DECP listings: the
spiders built on `WindowedSpider`), and holds every limit in Redis, for all workers together:

- concurrency: at most `SHARED_HOST_CONCURRENCY` requests in flight on one host (default: the
  CONCURRENT_REQUESTS_PER_DOMAIN of one local crawl; TED's web host: TED_PACKAGE_CONCURRENCY, 3 package
  downloads at once). A request holds a leased slot from before it is sent until its answer or failure;
  a worker refreshes its leases every few seconds, so the slots of a SIGKILLed worker are free again after
  `SHARED_SLOT_LEASE` seconds (30);
- spacing: at least `SHARED_HOST_DELAY` seconds between two requests to one host (default: DOWNLOAD_DELAY);
- quotas: each `(name, limit, seconds)` of `meta["rate_limits"]` is one sliding window for all workers.

Time is Redis's clock (`TIME`), so workers on machines whose clocks differ share one timeline. Each
worker's own Scrapy slot and AutoThrottle still apply on top. The disclosure crawl does not go through it:
its units already keep a host's pages in one worker (see `scheduler.py`).
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet.task import LoopingCall

from soustrace.distributed.queue import queue_prefix
from soustrace.spiders.base import WindowedSpider
from soustrace.spiders.middlewares import sleep
from soustrace.spiders.politeness import PolitenessMiddleware

LEASE = "soustrace_shared_lease"

# Times are integer microseconds of Redis's clock (exact in a double), written with %d: Lua's own number to
# string conversion keeps 14 digits, which rounds a time and can make a window's bound miss its own grant.
# Every loop is bounded: a script that never ends blocks Redis for every worker (it cannot be killed once
# it has written).

# KEYS[1]: sorted set of send times granted. ARGV: limit, period (us), unique member. The first time at or
# after now when fewer than `limit` grants fall in (t - period, t]; returns the wait in microseconds.
_RESERVE = """
local key, limit, period = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%d', now - period))
local at = now
for _ = 0, redis.call('ZCARD', key) do
  local inside = redis.call('ZRANGEBYSCORE', key, '(' .. string.format('%d', at - period), string.format('%d', at),
                            'WITHSCORES', 'LIMIT', 0, limit)
  if #inside / 2 < limit then break end
  at = math.max(at + 1, tonumber(inside[2]) + period)
end
redis.call('ZADD', key, string.format('%d', at), ARGV[3])
redis.call('PEXPIRE', key, math.ceil((at - now + period) / 1000) + 1000)
return at - now
"""

# KEYS[1]: sorted set of leases (score = expiry, us). ARGV: limit, lease (us), lease id. 1 when granted.
_ACQUIRE = """
local key, limit, lease = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now))
if redis.call('ZCARD', key) >= limit then return 0 end
redis.call('ZADD', key, string.format('%d', now + lease), ARGV[3])
redis.call('PEXPIRE', key, math.ceil(lease / 1000) + 1000)
return 1
"""

# KEYS: lease sets; ARGV[1]: lease (us), then one lease id per key. Pushes back the expiry of live leases.
_REFRESH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', string.format('%d', now + lease), ARGV[i + 1])
  redis.call('PEXPIRE', key, math.ceil(lease / 1000) + 1000)
end
return #KEYS
"""


def _us(seconds: float) -> int:
    return max(1, round(seconds * 1_000_000))


class SharedLimits:
    """The Redis side: sliding windows and leased slots, each an atomic script (one round trip)."""

    def __init__(self, client: Any, prefix: str | None = None) -> None:
        self.client = client
        self.prefix = f"{prefix or queue_prefix()}:politeness"
        self._reserve = client.register_script(_RESERVE)
        self._acquire = client.register_script(_ACQUIRE)
        self._refresh = client.register_script(_REFRESH)
        self._ids = itertools.count()
        self.me = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def key(self, kind: str, name: str) -> str:
        return f"{self.prefix}:{kind}:{name}"

    def reserve(self, name: str, limit: int, period: float) -> float:
        """Seconds to wait before sending, the slot being granted to this caller now (never given twice)."""
        member = f"{self.me}:{next(self._ids)}"
        return int(self._reserve(keys=[self.key("rate", name)], args=[limit, _us(period), member])) / 1e6

    def acquire(self, name: str, limit: int, lease: float) -> str | None:
        """A lease id when one of `limit` slots was free (release it), else None."""
        member = f"{self.me}:{next(self._ids)}"
        granted = self._acquire(keys=[self.key("slots", name)], args=[limit, _us(lease), member])
        return member if int(granted) else None

    def release(self, name: str, member: str) -> None:
        self.client.zrem(self.key("slots", name), member)

    def refresh(self, leases: dict[str, str], lease: float) -> None:
        if leases:
            members = list(leases)
            self._refresh(keys=[self.key("slots", leases[m]) for m in members], args=[_us(lease), *members])


def host_key(url: str) -> str | None:
    """`host:port` of an http(s) URL (the unit of politeness), None for `data:` and the like."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


class SharedPolitenessMiddleware(PolitenessMiddleware):
    """PolitenessMiddleware whose limits are shared by every worker of the queue (see the module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        import redis

        settings = crawler.settings
        self.limits = SharedLimits(redis.Redis.from_url(settings.get("REDIS_URL"), socket_connect_timeout=5,
                                                        socket_timeout=30))
        per_domain = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self.concurrency = settings.getint("SHARED_HOST_CONCURRENCY", 0) or per_domain
        self.spacing = settings.getfloat("SHARED_HOST_DELAY", settings.getfloat("DOWNLOAD_DELAY", 0.0))
        self.lease = settings.getfloat("SHARED_SLOT_LEASE", 30.0)
        ted = host_key(settings.get("TED_WEB_URL") or "")
        self.host_concurrency = {ted: min(self.concurrency, settings.getint("TED_PACKAGE_CONCURRENCY", 3))} if ted \
            else {}
        self.held: dict[str, str] = {}  # lease id -> slot name, refreshed while held
        self._last_refresh = time.monotonic()
        self.refresher = LoopingCall(self._refresh)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        return cls(crawler)

    def shared(self, request: Request) -> str | None:
        """The host whose shared limits this request counts against, or None (kept local)."""
        if not isinstance(self.crawler.spider, WindowedSpider):
            return None
        return host_key(request.url)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = self.shared(request)
        if host is None:
            return await super().process_request(request, spider)
        import redis

        try:
            await self._wait_turn(request, host)
        except redis.RedisError as exc:  # the shared limits are gone: an infrastructure fault, the worker stops
            self._stop(f"Redis does not answer for the shared politeness limits: {exc}")
            raise

    def _stop(self, why: str) -> None:
        from soustrace.pipelines.items import INFRASTRUCTURE_ERROR_STAT

        if self.crawler.stats:
            self.crawler.stats.set_value(INFRASTRUCTURE_ERROR_STAT, why)
        try:
            engine, spider = self.crawler.engine, self.crawler.spider
        except RuntimeError:  # not crawling yet
            return
        if engine is not None and spider is not None:
            engine.close_spider(spider, "infrastructure_error")

    async def _wait_turn(self, request: Request, host: str) -> None:
        self._release(request)  # a redirect or a meta refresh carries its first request's lease: not twice
        backoff = float(request.meta.pop("backoff_delay", 0) or 0)
        if backoff > 0:  # a retry's own wait is this request's, not a slot others could use
            await sleep(backoff)
        limit = self.host_concurrency.get(host, self.concurrency)
        waited = 0.0
        while (lease := self.limits.acquire(host, limit, self.lease)) is None:
            pause = random.uniform(0.05, 0.15)  # workers waiting for one host do not poll in step
            await sleep(pause)
            waited += pause
        self.held[lease] = host
        request.meta[LEASE] = lease
        quotas = [(f"host:{host}", 1, self.spacing)] if self.spacing > 0 else []
        quotas += [(str(name), int(limit), float(period)) for name, limit, period in
                   request.meta.get("rate_limits", ()) if int(limit) > 0]
        delay = max((self.limits.reserve(name, limit, period) for name, limit, period in quotas), default=0.0)
        if self.crawler.stats:
            self.crawler.stats.inc_value("soustrace/shared_politeness/requests")
            self.crawler.stats.max_value("soustrace/shared_politeness/max_wait", round(waited + delay, 3))
        if delay > 0:
            await sleep(delay)

    def _release(self, request: Request) -> None:
        lease = request.meta.pop(LEASE, None)
        if lease is not None and (host := self.held.pop(lease, None)) is not None:
            self.limits.release(host, lease)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        self._release(request)

    def _refresh(self) -> None:
        now = time.monotonic()
        if self.held and now - self._last_refresh > self.lease:  # the reactor was stuck longer than a lease
            self.crawler.spider.logger.warning("shared politeness: leases renewed %.1f s apart (lease %.0f s): "
                                               "other workers may have used their slots", now - self._last_refresh,
                                               self.lease)
            if self.crawler.stats:
                self.crawler.stats.inc_value("soustrace/shared_politeness/lease_lapses")
        self._last_refresh = now
        try:
            self.limits.refresh(dict(self.held), self.lease)
        except Exception as exc:  # a Redis hiccup: the next tick tries again; expiry is the safety net
            self.crawler.spider.logger.warning("shared politeness: leases not refreshed: %s", exc)

    def _opened(self, spider: Spider | None = None) -> None:
        self._last_refresh = time.monotonic()
        self.refresher.start(max(1.0, self.lease / 3), now=False)

    def _closed(self, spider: Spider | None = None) -> None:
        if self.refresher.running:
            self.refresher.stop()
        for lease, host in list(self.held.items()):  # requests cut by the close: free their slots now
            self.limits.release(host, lease)
        self.held.clear()

