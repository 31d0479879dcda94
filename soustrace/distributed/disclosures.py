"""The disclosure spider as a worker of the shared queue: a unit is one host's stored sites.

`units_for(targets, campaign)` groups the targets `select_targets` returns by host; `crawl disclosures
--queue` pushes them. A worker pops a unit's first request from the shared scrapy-redis queue (that claims
the unit), then fetches every page of that host itself (see `scheduler.py`). The spider counts the requests
each unit has outstanding; when the last one is answered it yields a `UnitEvent`, which the pipeline
turns into the sites' `last_crawled`, the demotion of hosts no longer stated, and a `complete` site_visit
row, after the unit's pages are stored (items go through the pipeline in order).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from soustrace.distributed.idle import QueuedSpiderMixin
from soustrace.distributed.queue import read_unit
from soustrace.distributed.scheduler import CAMPAIGN, CLAIM
from soustrace.pipelines.visits import host_of
from soustrace.spiders.disclosures import NOT_FOUND, DisclosuresSpider, map_url, parse_url_map, site_root
from soustrace.spiders.items import DisclosurePage, UnitEvent


def units_for(targets: Iterable[dict[str, Any]], campaign: str) -> list[dict[str, Any]]:
    """One unit per host, its targets in stored order; `visit_url` keeps the stored URL (the ledger key)."""
    units: dict[str, dict[str, Any]] = {}
    for target in targets:
        host = host_of(target["url"])
        unit = units.setdefault(host, {"host": host, "campaign": campaign, "targets": []})
        unit["targets"].append({**target, "visit_url": target["url"]})
    return list(units.values())


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class UnitState:
    unit: dict[str, Any]
    pending: int = 0
    pages: int = 0
    errors: int = 0
    unreached: list[str] = field(default_factory=list)  # pages lost to a network fault or a 5xx


class QueuedDisclosuresSpider(QueuedSpiderMixin, DisclosuresSpider):
    """DisclosuresSpider fed by Redis; everything it parses is the parent's, only the bookkeeping is new."""

    name = "disclosures"
    finish_on_close = False  # a unit not finished when the worker stops stays resumable, not "crawled"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units: dict[str, UnitState] = {}
        self.worker = worker_name()


    # ---- units in, first request out ----------------------------------------------------------------------

    def make_request_from_data(self, data: bytes) -> scrapy.Request | None:
        unit = read_unit(data, ("host", "campaign", "targets"), self.logger)
        if unit is None or not unit["targets"]:
            self.crawler.stats.inc_value("disclosures/units_rejected")
            return None
        url_map = parse_url_map(self.settings.get("DISCLOSURES_URL_MAP"))
        for target in unit["targets"]:
            target["url"] = map_url(target["url"], url_map)
        first = unit["targets"][0]
        # Not dont_filter: the same unit enqueued twice in one campaign is fetched once.
        return scrapy.Request(site_root(first["url"]), callback=self.unit_home, errback=self.unit_home_failed,
                              meta={"unit": unit, "target": first, CAMPAIGN: unit["campaign"], CLAIM: True})

    def _key(self, meta: dict[str, Any]) -> str:
        return f"{meta['unit']['host']}#{meta['unit']['campaign']}"

    def _open_unit(self, meta: dict[str, Any]) -> Iterator[Any]:
        unit = meta["unit"]
        state = self.units[self._key(meta)] = UnitState(unit, pending=1)
        self.crawler.stats.inc_value("disclosures/units_started")
        yield UnitEvent("started", [t["visit_url"] for t in unit["targets"]], self.worker)
        for target in unit["targets"][1:]:
            state.pending += 1
            yield self._local(scrapy.Request(site_root(target["url"]), callback=self.parse_home,
                                             errback=self.home_failed, meta={"target": target}, dont_filter=True),
                              meta)

    def unit_home(self, response: Response) -> Iterator[Any]:
        yield from self._open_unit(response.meta)
        yield from self.parse_home(response)

    def unit_home_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._open_unit(failure.request.meta)
        yield from self.home_failed(failure)

    # ---- every callback is counted against its unit ----------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Any]:
        return self._track(response.meta, super().parse_home(response))

    def parse_page(self, response: Response) -> Iterator[Any]:
        return self._track(response.meta, super().parse_page(response))

    def home_failed(self, failure: Failure) -> Iterator[Any]:
        self._note_fault(failure)
        return self._track(failure.request.meta, super().home_failed(failure))

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        self._note_fault(failure)
        return self._track(failure.request.meta, super().page_failed(failure))

    def _note_fault(self, failure: Failure) -> None:
        """A 404 or robots.txt is the site's answer; a timeout, a reset or a 5xx is not: the visit will be
        `failed` (resumable) instead of `complete`."""
        answered = failure.check(IgnoreRequest) and not (
            failure.check(HttpError) and failure.value.response.status not in NOT_FOUND)
        state = self.units.get(self._key(failure.request.meta))
        if not answered and state is not None:
            why = (f"HTTP {failure.value.response.status}" if failure.check(HttpError)
                   else f"{failure.type.__name__}: {failure.getErrorMessage()}")
            state.unreached.append(f"{failure.request.url}: {why}"[:300])

    def _local(self, request: scrapy.Request, meta: dict[str, Any]) -> scrapy.Request:
        local = {k: v for k, v in request.meta.items() if k != CLAIM}
        return request.replace(meta={**local, "unit": meta["unit"], CAMPAIGN: meta["unit"]["campaign"]})

    def _track(self, meta: dict[str, Any], outputs: Iterable[Any]) -> Iterator[Any]:
        """Pass outputs through; requests stay local and are counted; the unit ends with its last answer.

        A follow-up is checked against the shared duplicate filter here, then sent with dont_filter, so
        every counted request is sure to come back through a callback or an errback.
        """
        self.busy()
        state = self.units.get(self._key(meta))
        df = self.crawler.engine.scheduler.df  # the shared scrapy-redis filter
        try:
            for out in outputs:
                if isinstance(out, scrapy.Request):
                    out = self._local(out, meta)
                    if not out.dont_filter and df.request_seen(out):
                        self.crawler.stats.inc_value("disclosures/shared_duplicates")
                        continue
                    out = out.replace(dont_filter=True)
                    if state is not None:
                        state.pending += 1
                elif isinstance(out, DisclosurePage) and state is not None:
                    state.pages += 1
                yield out
        except Exception:  # a parsing bug must not leave the unit open forever in this worker
            self.logger.exception("callback failed for %s", meta.get("target", {}).get("url"))
            if state is not None:
                state.errors += 1
        if state is None:
            return
        state.pending -= 1
        if state.pending <= 0:
            del self.units[self._key(meta)]
            self.crawler.stats.inc_value("disclosures/units_done")
            targets = state.unit["targets"]
            problems = state.unreached + ([f"{state.errors} callback errors"] if state.errors else [])
            yield UnitEvent("failed" if state.unreached else "complete", [t["visit_url"] for t in targets],
                            self.worker, site_ids=[s["site_id"] for t in targets for s in t["sites"]],
                            pages=state.pages, error="; ".join(problems) or None)
            if self.server is not None and self.count_size(self.redis_key) > 0:
                self.schedule_next_requests()  # do not wait for the whole batch to drain
