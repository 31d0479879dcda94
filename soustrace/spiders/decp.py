"""DECP consolidated files on data.gouv.fr, chosen by period, streamed to disk and parsed in a stream.

Domain: "Données essentielles de la commande publique – fichiers consolidés" (MEF/DAJ), data.gouv.fr
dataset ``5cd57bf68b4c4179299eb0e9``: one JSON file per year or month (66–970 MB).
Date field: ``dateNotification`` of each contract, both ends inclusive; files are chosen by the year or
month in their title (``decp-2024``, ``decp-2025-01``), records filtered by their own date.
API: ``GET {DECP_API_URL}/api/1/datasets/{DECP_DATASET}/`` lists the resources (udata API).
Caveats:
  Files are far too large for Scrapy's in-memory response bodies, so the spider only lists resources;
  ``DecpFilePipeline`` downloads each one in chunks to ``DECP_CACHE_DIR`` (in a worker thread, so the
  reactor keeps running) and feeds it to the streaming parser. A truncated download (fewer bytes than
  announced) fails its window instead of being parsed as if complete.
Spider arguments:
  from_date, until_date: YYYY-MM-DD (required). resume: re-run only windows not proven complete.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from soustrace.pipelines.store.ledger import WindowState
from soustrace.spiders.base import WindowedSpider
from soustrace.spiders.items import DecpResource

DATASET = "5cd57bf68b4c4179299eb0e9"
PERIOD = re.compile(r"decp[-_ ]?(\d{4})(?:[-_](\d{2}))?(?![\d])", re.IGNORECASE)


def resource_period(title: str) -> tuple[dt.date, dt.date] | None:
    """`decp-2024` → the year 2024; `decp-2025-01` → January 2025; anything else → None."""
    match = PERIOD.search(title or "")
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        start = dt.date(year, month, 1)
        end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        return start, end
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


class DecpSpider(WindowedSpider):
    name = "decp"
    source = "decp"
    # One window for the whole range: files, not dates, are the unit here; several windows would read
    # the same yearly file once each.
    custom_settings = {"CRAWL_WINDOW_DAYS": 36600}

    def start_window(self, state: WindowState) -> Iterator[Request]:
        api = self.settings.get("DECP_API_URL").rstrip("/")
        dataset = self.settings.get("DECP_DATASET", DATASET)
        state.pending += 1
        yield Request(
            f"{api}/api/1/datasets/{dataset}/",
            callback=self.parse_dataset,
            errback=self.errback,
            meta={"window_id": state.id},
            dont_filter=True,
        )

    def parse_dataset(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        try:
            resources = json.loads(response.body)["resources"]
        except (ValueError, KeyError, TypeError):
            self.page_failed(state, f"dataset listing is not udata JSON: {response.text[:200]!r}")
            yield from self.page_done(state)
            return
        chosen = []
        for res in resources:
            period = resource_period(res.get("title", ""))
            fmt = (res.get("format") or "").lower()
            if period and fmt in ("json", "") and period[0] <= state.date_until and state.date_from <= period[1]:
                chosen.append(res)
        if not chosen:
            self.page_failed(state, f"no DECP resource covers {state.date_from}..{state.date_until}")
        for res in chosen:
            yield DecpResource(resource=res, window_id=state.id, source=self.source,
                               date_from=state.date_from, date_until=state.date_until)
        yield from self.page_done(state)
