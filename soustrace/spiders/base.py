"""The windowed base spider: date-range arguments, crawl windows in the ledger, per-window accounting.

How to write a source spider on it:

1. set `name`, `source` and the API root setting; document the date field and caveats in the docstring;
2. implement `start_window(state)` to yield the first request(s) of a window;
3. in callbacks, call `self.record(state, source_id, raw, ...)` for each notice, `self.expect(state, n)`
   when the API announces a total, and `self.page_failed(state, why)` when a page cannot be had.

Windows are checkpoints in the database (not Scrapy's JOBDIR, which does not survive crashes): a
window whose stored count does not reach the API's total is `short`, and `--resume` re-runs only those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from soustrace.errors import InputError
from soustrace.pipelines.store.ledger import WindowLedger, WindowState
from soustrace.records import RejectRecord
from soustrace.spiders.items import FetchReject, RawNotice


class SpiderArgumentError(InputError):
    """Raised in a spider's constructor when an argument is malformed."""


def parse_date_arg(name: str, value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise SpiderArgumentError(f"{name}={value!r} is not a date (YYYY-MM-DD)") from exc


class WindowedSpider(scrapy.Spider):
    source: str = ""
    default_window_days = 7

    def __init__(self, from_date: str | None = None, until_date: str | None = None, resume: str | bool = False,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = parse_date_arg("from_date", from_date)
        end = parse_date_arg("until_date", until_date) or start
        if start is None or end is None:
            raise SpiderArgumentError("from_date and until_date are required (YYYY-MM-DD, both inclusive)")
        if end < start:
            raise SpiderArgumentError(f"until_date {end} is before from_date {start}")
        self.from_date, self.until_date = start, end
        self.resume = resume in (True, "1", "true", "yes")
        self.windows: dict[int, WindowState] = {}

    # -- to implement -------------------------------------------------------------------------------------

    @property
    def params(self) -> str:
        """Filters that make a window different (e.g. nature, country); part of the window's key."""
        return ""

    def start_window(self, state: WindowState) -> Iterator[Request]:
        raise NotImplementedError

    # -- shared machinery ---------------------------------------------------------------------------------

    @property
    def ledger(self) -> WindowLedger:
        return self._ledger

    @ledger.setter
    def ledger(self, value: WindowLedger) -> None:
        self._ledger = value

    async def start(self) -> Any:
        days = self.settings.getint("CRAWL_WINDOW_DAYS", self.default_window_days)
        for start, stop in self.ledger.plan(self.source, self.from_date, self.until_date, self.params, days,
                                            self.resume):
            for request in self.open_window(start, stop):
                yield request

    def open_window(self, start: dt.date, stop: dt.date, params: str | None = None) -> Iterator[Request]:
        """`params`: the window's filters when they are not this spider's (a queued unit brings its own)."""
        state = self.ledger.open(self.source, start, stop, self.params if params is None else params)
        self.windows[state.id] = state
        yield from self.start_window(state)

    def record(self, state: WindowState, source_id: str, raw: bytes, *, url: str | None = None,
               record: dict[str, Any] | None = None, content_type: str = "application/json") -> RawNotice | None:
        """An item for one notice, or None when this window already has it (pages shifted under us)."""
        state.fetched += 1
        if source_id in state.ids:
            return None
        state.ids.add(source_id)
        return RawNotice(source=self.source, source_id=source_id, raw=raw, url=url, record=record,
                         content_type=content_type, window_id=state.id)

    def reject(self, state: WindowState | None, record_id: str | None, reason: str, *, url: str | None = None,
               excerpt: str = "") -> FetchReject:
        if state is not None:
            state.fetched += 1
        return FetchReject(RejectRecord(source=self.source, record_id=record_id, stage="fetch", reason=reason,
                                        excerpt=excerpt[:300], url=url), source=self.source)

    def page_failed(self, state: WindowState, why: str) -> None:
        self.logger.error("%s: %s", state.label, why)
        state.errors.append(why)

    def errback(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        state = self.windows.get(request.meta.get("window_id"))
        response: Response | None = getattr(failure.value, "response", None)
        what = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        if state is not None:
            self.page_failed(state, f"{what} on {request.url} (after retries)")
            yield from self.page_done(state)

    def page_done(self, state: WindowState) -> Iterator[Request]:
        """Called when a page of the window is finished; subclasses may re-page a short window."""
        state.pending -= 1
        return iter(())
