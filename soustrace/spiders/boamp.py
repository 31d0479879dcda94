"""BOAMP award notices from DILA's OpenDataSoft Explore v2.1 API.

Domain: BOAMP (Bulletin officiel des annonces des marchés publics), French public procurement notices.
Date field: ``dateparution`` (publication date), both ends inclusive, dates as the API gives them.
API: ``{BOAMP_API_URL}/records`` (paged) and ``{BOAMP_API_URL}/exports/jsonl`` (streamed, uncapped).
Caveats:
  The records endpoint caps ``offset + limit`` at 10,000 and ``limit`` at 100 (HTTP 400 beyond): a window
  whose total exceeds the cap is split in halves down to one day, and a single day over the cap is read
  through the exports endpoint. Records are ordered by ``idweb`` so pages are stable; records that shift
  between pages while the crawl runs are deduplicated on ``idweb`` and the window is paged again when
  it comes up short. An error body sent with status 200 is retried like an HTTP error.
Spider arguments:
  from_date, until_date: YYYY-MM-DD (required). nature: restrict to one ``nature`` (e.g. ATTRIBUTION).
  resume: re-run only the windows not yet proven complete.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response

from soustrace.parsers.json_records import Refusal, loads_record, read_results_page, safe_excerpt
from soustrace.pipelines.store.ledger import WindowState
from soustrace.spiders.base import WindowedSpider


class BoampSpider(WindowedSpider):
    name = "boamp"
    source = "boamp"
    page_size = 100  # the API's maximum `limit`
    paging_cap = 10_000  # offset + limit must stay at or under this

    def __init__(self, *args: Any, nature: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nature = nature.upper() if nature else None

    @property
    def params(self) -> str:
        return f"nature={self.nature}" if self.nature else ""

    @property
    def api(self) -> str:
        return self.settings.get("BOAMP_API_URL").rstrip("/")

    def where(self, state: WindowState) -> str:
        """The window's own filter (its `params`), so windows queued with different natures can share a spider."""
        clause = (f"dateparution >= date'{state.date_from.isoformat()}' AND "
                  f"dateparution <= date'{state.date_until.isoformat()}'")
        nature = state.params.removeprefix("nature=") if state.params.startswith("nature=") else None
        if nature:
            clause += f" AND nature='{nature}'"
        return clause

    def page_request(self, state: WindowState, offset: int) -> Request:
        query = {"where": self.where(state), "order_by": "idweb", "limit": self.page_size, "offset": offset}
        state.pending += 1
        return Request(f"{self.api}/records?{urlencode(query)}", callback=self.parse_page, errback=self.errback,
                       meta={"window_id": state.id, "offset": offset, "pass": state.passes}, dont_filter=True)

    def start_window(self, state: WindowState) -> Iterator[Request]:
        yield self.page_request(state, 0)

    def parse_page(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        payload = self.payload(response)
        if payload is None:
            retry = get_retry_request(response.request, spider=self, reason="error body with status 200")
            if retry is not None:  # the page stays pending until its retry answers
                yield retry
                return
            self.page_failed(state, f"error body with status 200 on {response.url}: {response.text[:200]!r}")
            yield from self.page_done(state)
            return
        total = int(payload["total_count"])
        if response.meta["offset"] == 0 and response.meta["pass"] == state.passes:
            if state.expected is None:
                state.expected = total
            if total > self.paging_cap:
                state.pending -= 1
                yield from self.beyond_cap(state)
                return
            if response.meta["pass"] == 1:
                for offset in range(self.page_size, total, self.page_size):
                    yield self.page_request(state, offset)
        for index, record in enumerate(payload["results"]):  # type: ignore[arg-type]
            yield from self.item_for(state, record, f"offset {response.meta['offset'] + index}")
        yield from self.page_done(state)

    def item_for(self, state: WindowState, record: object, where: str = "") -> Iterator[Any]:
        if isinstance(record, Refusal):  # too deep or too large: rejected alone, the page goes on
            yield self.reject(state, record.record_id, f"{where}: {record.reason}".lstrip(": "),
                              excerpt=record.excerpt)
            return
        if not isinstance(record, dict):
            yield self.reject(state, None, f"{where}: record is not an object".lstrip(": "),
                              excerpt=safe_excerpt(json.dumps(record)))
            return
        idweb = record.get("idweb")
        raw = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        if not idweb:
            yield self.reject(state, None, "record without idweb", excerpt=safe_excerpt(raw))
            return
        item = self.record(state, str(idweb), raw, url=record.get("url_avis"), record=record)
        if item is not None:
            yield item

    @staticmethod
    def payload(response: Response) -> dict[str, Any] | None:
        """The JSON page, or None when the body is an error (HTML page, `error_code` object...).

        Read under the record limits: one record nested too deep or too large is a Refusal among the
        results (rejected alone), not a page lost to a RecursionError.
        """
        page = read_results_page(response.body)
        if page is None or "error_code" in page[0]:
            return None
        return {**page[0], "results": page[1]}

    def beyond_cap(self, state: WindowState) -> Iterator[Request]:
        """Too many records for paging: split the window, or read a single day through the exports."""
        days = (state.date_until - state.date_from).days + 1
        if days > 1:
            self.ledger.mark_split(state)
            middle = state.date_from + dt.timedelta(days=days // 2 - 1)
            yield from self.open_window(state.date_from, middle, state.params)
            yield from self.open_window(middle + dt.timedelta(days=1), state.date_until, state.params)
            return
        query = {"where": self.where(state), "order_by": "idweb"}
        state.pending += 1
        yield Request(f"{self.api}/exports/jsonl?{urlencode(query)}", callback=self.parse_export,
                      errback=self.errback, meta={"window_id": state.id}, dont_filter=True)

    def parse_export(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        for number, line in enumerate(response.body.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = loads_record(line)
            except (ValueError, UnicodeDecodeError) as exc:
                yield self.reject(state, None, f"exports line {number}: invalid JSON ({exc})", url=response.url,
                                  excerpt=safe_excerpt(line))
                continue
            yield from self.item_for(state, record, f"exports line {number}")
        yield from self.page_done(state)

    def page_done(self, state: WindowState) -> Iterator[Request]:
        """When the window's last page is in: page it again if records shifted and it came up short."""
        state.pending -= 1
        if state.pending > 0 or state.split or state.errors or state.expected is None:
            return
        if len(state.ids) < state.expected and state.passes < self.settings.getint("CRAWL_WINDOW_PASSES", 2):
            state.passes += 1
            self.logger.warning("%s: %d of %d after pass %d; paging again", state.label, len(state.ids),
                                state.expected, state.passes - 1)
            for offset in range(0, min(state.expected, self.paging_cap), self.page_size):
                yield self.page_request(state, offset)
