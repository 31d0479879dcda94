"""The notice sources (BOAMP, TED, DECP) as workers of the shared queue: a unit is one crawl window.

`crawl boamp|ted|decp --from --to --queue` plans the windows exactly as a local crawl would (the ledger's
`plan`, `--resume` included), marks them `pending` in the crawl-window ledger and pushes one unit per
window. A worker claims a unit through the shared queue with a `data:` request (nothing is fetched for
it), opens the window in the ledger and pages it itself; when the window's last page is in, a
`WindowDone` item makes the store pipeline flush and settle that window (complete / short / failed).
DECP: the unit is the window (one per range by default, CRAWL_WINDOW_DAYS=36600), its files are
downloaded by the worker that claimed it. TED here is the Search API's date window (`--via api`); TED's
daily packages, the default route, are queued one unit per package (`packages.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scrapy import signals
from scrapy.http import Request, Response
from sqlalchemy import Engine

from soustrace.distributed.disclosures import worker_name
from soustrace.distributed.idle import QueuedSpiderMixin
from soustrace.distributed.queue import push_units, read_unit
from soustrace.distributed.scheduler import CAMPAIGN, CLAIM
from soustrace.pipelines.store.ledger import WindowLedger, WindowState
from soustrace.pipelines.visits import new_campaign
from soustrace.spiders.boamp import BoampSpider
from soustrace.spiders.decp import DecpSpider
from soustrace.spiders.items import DecpResource, WindowDone
from soustrace.spiders.ted.api import TedSpider


def enqueue_windows(engine: Engine, queue: str, source: str, date_from: dt.date, date_until: dt.date, params: str,
                    days: int, *, resume: bool) -> dict[str, Any]:
    """Ledger rows (`pending`) first, then one Redis push of one unit per window."""
    ledger = WindowLedger(engine)
    plan = ledger.plan(source, date_from, date_until, params, days, resume)
    campaign = new_campaign()
    for start, stop in plan:
        ledger.queue(source, start, stop, params)
    units = [{"from": str(a), "until": str(b), "params": params, "campaign": campaign} for a, b in plan]
    pushed = push_units(queue, source, units)
    return {"enqueued": pushed, "unit": "window", "source": source, "params": params, "campaign": campaign,
            "windows": [f"{a}..{b}" for a, b in plan]}


class QueuedWindowMixin(QueuedSpiderMixin):
    """Put before a WindowedSpider subclass; dates and filters come with each unit, not as arguments."""

    windows: dict[int, WindowState]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("from_date", "1970-01-01")  # placeholders: every unit brings its window
        super().__init__(*args, **kwargs)
        self.worker = worker_name()
        self._settled: set[int] = set()


    def make_request_from_data(self, data: bytes) -> Request | None:
        unit = read_unit(data, ("from", "until", "params", "campaign"), self.logger)
        try:
            for key in ("from", "until") if unit is not None else ():
                dt.date.fromisoformat(unit[key])
        except (TypeError, ValueError) as exc:
            self.logger.error("unit %r rejected: %s", unit, exc)
            unit = None
        if unit is None:
            self.crawler.stats.inc_value("soustrace/units_rejected")
            return None
        label = f"{self.name} {unit['from']}..{unit['until']} {unit['params']}".strip()
        return Request("data:text/plain," + quote(label), callback=self.claim_window,
                       meta={"unit": unit, CAMPAIGN: unit["campaign"], CLAIM: True})

    def claim_window(self, response: Response) -> Iterator[Request]:
        unit = response.meta["unit"]
        self.busy()
        self.crawler.stats.inc_value("soustrace/windows_claimed")
        yield from self.open_window(dt.date.fromisoformat(unit["from"]), dt.date.fromisoformat(unit["until"]),
                                    unit["params"])

    def page_done(self, state: WindowState) -> Iterator[Any]:
        self.busy()
        yield from super().page_done(state)  # type: ignore[misc]
        if state.pending <= 0 and not state.split and state.id not in self._settled:
            self._settled.add(state.id)
            self.crawler.stats.inc_value("soustrace/windows_done")
            yield WindowDone(state.id, self.name)



class QueuedBoampSpider(QueuedWindowMixin, BoampSpider):
    pass


class QueuedTedSpider(QueuedWindowMixin, TedSpider):
    name = "ted"  # the queue's keys are per source (the API spider itself is `ted_api` on the command line)


class QueuedDecpSpider(QueuedWindowMixin, DecpSpider):
    """A DECP window ends when its files are stored, in the file pipeline's thread, not with its listing."""

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._file_done, signal=signals.item_dropped)
        crawler.signals.connect(spider._file_done, signal=signals.item_error)
        return spider

    def parse_dataset(self, response: Response) -> Iterator[Any]:
        state = self.windows[response.meta["window_id"]]
        for out in super().parse_dataset(response):
            if isinstance(out, DecpResource):
                state.pending += 1  # settled by _file_done, once the file is stored or has failed
            yield out

    def _file_done(self, item: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(item, DecpResource) or item.window_id not in self.windows:
            return
        # Back into the spider through a local request, so the WindowDone item follows the usual path.
        self.crawler.engine.crawl(Request(f"data:,file-done-{item.window_id}", callback=self._after_file,
                                          meta={"window_id": item.window_id}, dont_filter=True))

    def _after_file(self, response: Response) -> Iterator[Any]:
        yield from self.page_done(self.windows[response.meta["window_id"]])
