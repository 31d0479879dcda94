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
