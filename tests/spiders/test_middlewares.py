"""Retry-After parsing and backoff: the server's word wins, capped; exponential backoff otherwise."""

from __future__ import annotations

import datetime as dt

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from soustrace.spiders.middlewares import RetryAfterMiddleware, retry_after_seconds

NOW = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)


def test_retry_after_delta_seconds_and_http_date() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:30 GMT", now=NOW) == 30.0
    assert retry_after_seconds("Sat, 28 Nov 2026 11:59:00 GMT", now=NOW) == 0.0  # a date in the past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def middleware(**settings) -> RetryAfterMiddleware:
    return RetryAfterMiddleware.from_crawler(get_crawler(settings_dict=settings))


def test_backoff_doubles_and_is_capped_and_header_is_capped() -> None:
    mw = middleware(RETRY_BACKOFF_BASE=2.0, RETRY_BACKOFF_MAX=10.0)
    request = Request("http://127.0.0.1/x")
    assert mw.delay_for(request, None) == 2.0
    request.meta["retry_times"] = 2
    assert mw.delay_for(request, None) == 8.0
    request.meta["retry_times"] = 5
    assert mw.delay_for(request, None) == 10.0
    told = Response("http://127.0.0.1/x", status=429, headers={"Retry-After": "3600"})
    assert mw.delay_for(request, told) == 10.0
    told = Response("http://127.0.0.1/x", status=429, headers={"Retry-After": "4"})
    assert mw.delay_for(request, told) == 4.0


def test_only_network_faults_are_retried_a_robots_refusal_is_dropped_at_once() -> None:
    """Built on Scrapy's RetryMiddleware: RETRY_EXCEPTIONS decides; robots.txt's IgnoreRequest waits no backoff."""
    import asyncio

    from scrapy.exceptions import IgnoreRequest
    from twisted.internet.error import TCPTimedOutError

    crawler = get_crawler(settings_dict={"RETRY_BACKOFF_BASE": 0.0, "RETRY_TIMES": 2})
    crawler.spider = crawler._create_spider("t")
    mw = RetryAfterMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1/legal")
    assert asyncio.run(mw.process_exception(request, IgnoreRequest("Forbidden by robots.txt"))) is None
    retried = asyncio.run(mw.process_exception(request, TCPTimedOutError()))
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1
    again = asyncio.run(mw.process_exception(retried, TCPTimedOutError()))
    assert asyncio.run(mw.process_exception(again, TCPTimedOutError())) is None  # RETRY_TIMES spent
    gone = Response("http://127.0.0.1/legal", status=404)
    assert asyncio.run(mw.process_response(request, gone)) is gone
    busy = Response("http://127.0.0.1/legal", status=503)
    assert isinstance(asyncio.run(mw.process_response(request, busy)), Request)
