"""Downloader middleware: retries that honour Retry-After, with capped exponential backoff otherwise."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
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


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, with a wait before each retry: the server's Retry-After, else a capped
    exponential backoff.

    Which responses and exceptions are retried, how often, and the stats and logs stay Scrapy's
    (`RETRY_HTTP_CODES`, `RETRY_EXCEPTIONS`, `RETRY_TIMES`): robots.txt's `IgnoreRequest` or a size cap is
    not a network fault and is dropped at once instead of waiting out a backoff.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def delay_for(self, request: Request, response: Response | None) -> float:
        header = response.headers.get(b"Retry-After") if response is not None else None
        server_says = retry_after_seconds(header)
        if server_says is not None:
            return min(server_says, self.cap)
        attempt = request.meta.get("retry_times", 0)
        return min(self.base * (2**attempt), self.cap)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            delay = self.delay_for(request, response)
            log.info("HTTP %s on %s: retrying in %.1fs", response.status, request.url, delay)
            if delay > 0:
                await sleep(delay)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            delay = self.delay_for(request, None)
            if delay > 0:
                await sleep(delay)
        return result
