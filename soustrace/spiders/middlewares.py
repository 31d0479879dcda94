"""Downloader middleware: retries that honour Retry-After, with capped exponential backoff otherwise."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

log = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


async def sleep(seconds: float) -> None:
    """Wait without blocking the reactor (imported late: importing it early would install the wrong one)."""
    from twisted.internet import reactor

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.codes = set(settings.getlist("RETRY_HTTP_CODES", [429, 500, 502, 503, 504]))
        self.codes = {int(c) for c in self.codes}
        self.max_times = settings.getint("RETRY_TIMES", 6)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)
        self.enabled = settings.getbool("RETRY_ENABLED", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def delay_for(self, request: Request, response: Response | None) -> float:
        header = response.headers.get(b"Retry-After") if response is not None else None
        server_says = retry_after_seconds(header)
        if server_says is not None:
            return min(server_says, self.cap)
        attempt = request.meta.get("retry_times", 0)
        return min(self.base * (2**attempt), self.cap)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if not self.enabled or request.meta.get("dont_retry") or response.status not in self.codes:
            return response
        retry = get_retry_request(
            request,
            spider=spider or self.crawler.spider,
            reason=f"HTTP {response.status}",
            max_retry_times=request.meta.get("max_retry_times", self.max_times),
        )
        if retry is None:  # exhausted: the spider's errback records the failure on its window
            return response
        delay = self.delay_for(request, response)
        log.info("HTTP %s on %s: retrying in %.1fs", response.status, request.url, delay)
        if delay > 0:
            await sleep(delay)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | None:
        if not self.enabled or request.meta.get("dont_retry"):
            return None
        retry = get_retry_request(
            request,
            spider=spider or self.crawler.spider,
            reason=type(exception).__name__,
            max_retry_times=request.meta.get("max_retry_times", self.max_times),
        )
        if retry is None:
            return None
        delay = self.delay_for(request, None)
        if delay > 0:
            await sleep(delay)
        return retry
