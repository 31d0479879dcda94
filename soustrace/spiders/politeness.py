"""Downloader middleware that keeps a source's documented request quotas and a spider's own backoffs.

Scrapy's AutoThrottle adapts to latency but knows nothing of quotas such as TED's "700 HTTP requests per
minute" and "600 notice downloads per IP per 6 minutes" (sources.md). A request names the quotas it
counts against in `meta["rate_limits"]` as `(name, limit, seconds)` triples; it is held back until it fits
in every one of them (a sliding window over the send times already granted, so concurrent requests queue
in order). `meta["backoff_delay"]` holds a request back that many seconds first: spiders use it to retry
answers Scrapy's retry middleware does not know are failures (TED's WAF challenge is a 202).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from scrapy import Request, Spider
from scrapy.crawler import Crawler

from soustrace.spiders.middlewares import sleep


class SlidingWindow:
    """At most `limit` grants in any `period` seconds; `reserve()` says how long to wait for the next one."""

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self.clock = clock
        self.granted: list[float] = []  # send times granted, sorted

    def reserve(self, after: float = 0.0) -> float:
        """Grant the next slot no sooner than `after` seconds from now; the wait until it, in seconds."""
        now = self.clock()
        granted = self.granted
        del granted[: bisect.bisect_left(granted, now - self.period)]
        at = now + after
        while True:
            first = bisect.bisect_right(granted, at - self.period)
            if bisect.bisect_right(granted, at) - first < self.limit:
                break
            at = granted[first] + self.period
        bisect.insort(granted, at)
        return at - now


class PolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.windows: dict[str, SlidingWindow] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler)

    def window(self, name: str, limit: int, period: float) -> SlidingWindow:
        found = self.windows.get(name)
        if found is None or (found.limit, found.period) != (limit, period):
            found = self.windows[name] = SlidingWindow(limit, period)
        return found

    def delay_for(self, request: Request) -> float:
        """Seconds to hold this request: its backoff, then the longest wait among its quotas."""
        delay = float(request.meta.pop("backoff_delay", 0) or 0)
        waits = [self.window(name, int(limit), float(period)).reserve(delay)
                 for name, limit, period in request.meta.get("rate_limits", ()) if int(limit) > 0]
        return max(waits, default=delay)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        delay = self.delay_for(request)
        if delay > 0:
            await sleep(delay)
