"""TED (EU) notices from the TED Search API v3, each full notice fetched as XML (`crawl ted --via api`).

For narrow queries: TED allows 600 notice downloads per IP per 6 minutes, so this route runs at ~1.7
notices/s at best; date ranges go through the daily packages (`ted.packages`, the default route).

Domain: Tenders Electronic Daily, every above-threshold notice in the EU (eForms since late 2023, TED_EXPORT
R2.0.9 before).
Date field: ``publication-date``, both ends inclusive (YYYYMMDD in the query).
API: ``POST {TED_API_URL}/v3/notices/search`` in ``ITERATION`` mode (``iterationNextToken``): page-number mode
stops at 15,000 results, iteration has no cap; ``limit`` ≤ 250. Each hit's ``links.xml.MUL`` is fetched and
stored raw; its publication number is the natural key.
Settings: `TED_API_PAGE_SIZE` (250, the API's maximum); `TED_REQUESTS_PER_MINUTE` (700) and
`TED_NOTICE_DOWNLOADS_PER_6_MINUTES` (600), TED's documented limits, kept by the politeness middleware.
Caveats:
  An expired or invalid iteration token (HTTP 500/400 on a token request) restarts the window from the
  first page; notices already fetched are not fetched or stored twice. ``winner-name`` in search results
  cannot tell a lead from a subcontractor: roles come from the XML only.
Spider arguments:
  from_date, until_date: YYYY-MM-DD (required). country: FRA (default), ALL, or ISO3 codes "FRA,BEL".
  resume: re-run only the windows not yet proven complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scrapy.http import JsonRequest, Request, Response
from twisted.python.failure import Failure

from soustrace.pipelines.store.ledger import WindowState
from soustrace.spiders.base import SpiderArgumentError, WindowedSpider

RESULT_NOTICE_TYPES = "can-standard can-social can-desg can-tran can-modif veat"


class TedSpider(WindowedSpider):
    name = "ted_api"
    source = "ted"

    def __init__(self, *args: Any, country: str = "FRA", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = (country or "FRA").upper().replace(" ", "")
        codes = [] if country == "ALL" else country.split(",")
        if any(len(code) != 3 or not code.isalpha() for code in codes):
            raise SpiderArgumentError(f"country={country!r}: use FRA, ALL or ISO 3166 alpha-3 codes like FRA,BEL")
        self.countries = codes

    @property
    def params(self) -> str:
        return f"country={','.join(self.countries) or 'ALL'}"

    def query(self, state: WindowState) -> str:
        """The window's own countries (its `params`), so queued windows with other filters can share a spider."""
        parts = [f"publication-date>={state.date_from:%Y%m%d}", f"publication-date<={state.date_until:%Y%m%d}",
                 f"notice-type IN ({RESULT_NOTICE_TYPES})"]
        countries = state.params.removeprefix("country=") if state.params.startswith("country=") else "ALL"
        if countries != "ALL":
            parts.append(f"buyer-country IN ({' '.join(countries.split(','))})")
        return " AND ".join(parts)

    def search_request(self, state: WindowState, token: str | None) -> Request:
        body: dict[str, Any] = {"query": self.query(state), "fields": ["publication-number", "publication-date",
                                                                       "notice-type", "buyer-country", "links"],
                                "limit": self.settings.getint("TED_API_PAGE_SIZE", 250),
                                "paginationMode": "ITERATION", "scope": "ALL", "checkQuerySyntax": False}
        if token:
            body["iterationNextToken"] = token
        state.pending += 1
        api = self.settings.get("TED_API_URL").rstrip("/")
        # A token request is retried once at most: a bad token does not heal, the window restarts instead.
        meta = {"window_id": state.id, "token": token, "pass": state.passes,
                "rate_limits": [("ted-api", self.settings.getint("TED_REQUESTS_PER_MINUTE", 700), 60)]}
        if token:
            meta["max_retry_times"] = 1
        return JsonRequest(f"{api}/v3/notices/search", data=body, callback=self.parse_search,
                           errback=self.search_failed, meta=meta, dont_filter=True)

    def start_window(self, state: WindowState) -> Iterator[Request]:
        yield self.search_request(state, None)

    def parse_search(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        try:
            data = json.loads(response.body)
            notices = data["notices"]
            total = int(data["totalNoticeCount"])
        except RecursionError:  # a hit nested past what the JSON parser walks: the window fails, said so
            self.page_failed(state, f"search page nested too deep to read: {response.url}")
            yield from self.page_done(state)
            return
        except (ValueError, KeyError, TypeError):
            self.page_failed(state, f"search answered an error body with status 200: {response.text[:200]!r}")
            yield from self.page_done(state)
            return
        if data.get("timedOut"):
            self.page_failed(state, "search timed out on the server (timedOut=true): narrow the window")
        if state.expected is None or response.meta["token"] is None:
            state.expected = total
        for hit in notices:
            pubno = str(hit.get("publication-number") or "")
            url = ((hit.get("links") or {}).get("xml") or {}).get("MUL")
            if not pubno or not url:
                yield self.reject(state, pubno or None, "search hit without publication-number or links.xml.MUL",
                                  excerpt=json.dumps(hit)[:300])
                continue
            if pubno in state.ids:
                continue
            state.pending += 1
            yield Request(url, callback=self.parse_notice, errback=self.errback, dont_filter=True,
                          meta={"window_id": state.id, "pubno": pubno, "rate_limits": self.notice_limits})
        token = data.get("iterationNextToken")
        if token and notices:
            yield self.search_request(state, token)
        yield from self.page_done(state)

    def search_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        state = self.windows[request.meta["window_id"]]
        if request.meta.get("token") and state.passes < self.settings.getint("CRAWL_WINDOW_PASSES", 2) + 1:
            state.passes += 1
            self.logger.warning("%s: iteration token rejected (%s); restarting the window", state.label,
                                failure.getErrorMessage())
            yield self.search_request(state, None)
            yield from self.page_done(state)
            return
        yield from self.errback(failure)

    @property
    def notice_limits(self) -> list[tuple[str, int, int]]:
        return [("ted-web", self.settings.getint("TED_REQUESTS_PER_MINUTE", 700), 60),
                ("ted-notice", self.settings.getint("TED_NOTICE_DOWNLOADS_PER_6_MINUTES", 600), 360)]

    def parse_notice(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        item = self.record(state, response.meta["pubno"], response.body, url=response.url,
                           content_type="application/xml")
        if item is not None:
            yield item
        yield from self.page_done(state)
