"""TED's daily packages as units of the shared queue: one unit per OJ S issue (a package is the unit).

`crawl ted --from --to --queue` reads the release calendars of the range (`fetch_package_units`), settles
the days without an issue at once (complete, 0 expected, as the local route does), marks each issue's day
`pending` in the crawl-window ledger (the same one-window-per-day rows as the local packages route, so a
local `--resume` and a queued one see the same evidence) and pushes one unit per daily package.

A worker's `QueuedTedPackagesSpider` is the local packages spider (download in Range chunks to the on-disk
cache, archive check, retries, streaming the members, filters) fed by Redis: it pops a unit only when one
of its TED_PACKAGE_CONCURRENCY (3) download slots is free, so a worker holds no more packages than it
downloads, and a SIGKILL loses at most those. The download and the reading are the parent's; this module
adds the claim, the per-unit filter and the `WindowDone` item that settles a day once its package is read.
Monthly packages are not used here: daily units spread over workers, a monthly one would be one worker's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Request, Response
from sqlalchemy import Engine
from twisted.python.failure import Failure

from soustrace.distributed.disclosures import worker_name
from soustrace.distributed.idle import QueuedSpiderMixin
from soustrace.distributed.queue import push_units, read_unit
from soustrace.distributed.scheduler import CAMPAIGN
from soustrace.parsers.ted.package import NoticeFilter
from soustrace.pipelines.store.ledger import WindowLedger, WindowState
from soustrace.pipelines.visits import new_campaign
from soustrace.spiders.items import WindowDone
from soustrace.spiders.ted.calendar import Issue, fetch_package_units
from soustrace.spiders.ted.download import Package
from soustrace.spiders.ted.packages import TedPackagesSpider, days

QUEUE = "ted_packages"  # the queue's name: TED's API windows have the `ted` one
UNIT_FIELDS = ("date", "year", "number", "country", "kinds", "params", "campaign")


def enqueue_packages(engine: Engine, queue: str, date_from: dt.date, date_until: dt.date, *, country: str,
                     kinds: str, params: str, web_url: str, user_agent: str, resume: bool) -> dict[str, Any]:
    """Read the calendars, then write the ledger rows, then push the units (nothing written if a calendar fails).

    `params` is the packages spider's own (`TedPackagesSpider(...).params`), the key of the ledger rows.
    """
    ledger = WindowLedger(engine)
    plan = ledger.plan("ted", date_from, date_until, params, 1, resume)
    todo = sorted({day for start, stop in plan for day in days(start, stop)})
    issues = {i.date: i for i in fetch_package_units(todo[0], todo[-1], web_url, user_agent)} if todo else {}
    for start, stop in plan:  # a window over several days (a failed calendar of a local run): now its days
        if start != stop:
            ledger.mark_split(ledger.open("ted", start, stop, params))
    campaign = new_campaign()
    units, empty = [], 0
    for day in todo:
        issue = issues.get(day)
        if issue is None:  # no issue that day: nothing to fetch, proven by the calendar
            state = ledger.open("ted", day, day, params)
            state.expected = 0
            ledger.finish(state, set())
            empty += 1
            continue
        ledger.queue("ted", day, day, params)
        units.append({"date": str(day), "year": issue.year, "number": issue.number, "country": country,
                      "kinds": kinds, "params": params, "campaign": campaign})
    pushed = push_units(queue, QUEUE, units)
    return {"enqueued": pushed, "unit": "package", "source": "ted", "params": params, "campaign": campaign,
            "packages": [f"{u['year']}{u['number']:05d} ({u['date']})" for u in units], "days_without_issue": empty}


class _PerUnitFilter:
    """The queued spider has no filter of its own: every notice must be read with its unit's (`notice_filter`)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"queued TED packages are filtered per unit: use notice_filter(state), not .{name}")


class QueuedTedPackagesSpider(QueuedSpiderMixin, TedPackagesSpider):
    name = QUEUE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("from_date", "1970-01-01")  # a placeholder: every unit brings its day
        super().__init__(*args, **kwargs)
        self.filter = _PerUnitFilter()  # type: ignore[assignment]
        self.worker = worker_name()
        self.claiming = 0  # units popped whose claim request has not run yet
        self.claimed_days: set[dt.date] = set()
        self.filters: dict[int, NoticeFilter] = {}  # window id -> its unit's filter
        self._spiders: dict[tuple[str, str], TedPackagesSpider] = {}


    # ---- units in: only as many as there are free download slots --------------------------------------

    def free_slots(self) -> int:
        limit = max(1, self.settings.getint("TED_PACKAGE_CONCURRENCY", 3))
        return limit - self.active - len(self.queue) - self.claiming

    def next_requests(self) -> Iterator[Request]:
        free = self.free_slots()
        if free <= 0 or self.server is None:
            return iter(())
        self.redis_batch_size = free
        return super().next_requests()

    def unit_filter(self, unit: dict[str, Any]) -> TedPackagesSpider:
        """A packages spider built from the unit's --country/--kinds (its checks, its filter, its params)."""
        key = (str(unit["country"]), str(unit["kinds"]))
        if key not in self._spiders:
            self._spiders[key] = TedPackagesSpider(from_date="1970-01-01", country=key[0], kinds=key[1])
        return self._spiders[key]

    def make_request_from_data(self, data: bytes) -> Request | None:
        unit = read_unit(data, UNIT_FIELDS, self.logger)
        try:
            if unit is not None:
                day = dt.date.fromisoformat(unit["date"])
                unit["year"], unit["number"] = int(unit["year"]), int(unit["number"])
                if unit["year"] != day.year or not 0 < unit["number"] < 100000:
                    raise ValueError(f"issue {unit['number']} of {unit['year']} cannot be published on {day}")
                if self.unit_filter(unit).params != unit["params"]:
                    raise ValueError(f"params {unit['params']!r} do not follow from its country and kinds")
        except Exception as exc:  # bad input: named, counted, the worker goes on
            self.logger.error("unit %r rejected: %s", unit, exc)
            unit = None
        if unit is None:
            self.crawler.stats.inc_value("soustrace/units_rejected")
            return None
        if day in self.claimed_days:  # this worker reads that day already (another campaign or filter)
            self.server.rpush(self.redis_key, data)  # type: ignore[attr-defined]
            self.crawler.stats.inc_value("soustrace/units_put_back")
            return None
        label = f"ted package {unit['year']}{unit['number']:05d} {unit['date']} {unit['params']}"
        request = Request("data:text/plain," + quote(label), callback=self.claim_package,
                          meta={"unit": unit, CAMPAIGN: unit["campaign"]})
        if self.crawler.engine.scheduler.df.request_seen(request):  # enqueued twice in one campaign
            self.crawler.stats.inc_value("soustrace/shared_duplicates")
            return None
        self.claiming += 1
        self.claimed_days.add(day)
        return request.replace(dont_filter=True)  # checked above; stays in this worker (no claim flag)

    def claim_package(self, response: Response) -> Iterator[Request]:
        unit = response.meta["unit"]
        self.claiming -= 1
        self.busy()
        day = dt.date.fromisoformat(unit["date"])
        state = self.ledger.open(self.source, day, day, unit["params"])
        self.windows[state.id] = self.day_states[day] = state
        self.filters[state.id] = self.unit_filter(unit).filter
        self.queue.append(Package.daily(Issue(day, unit["year"], unit["number"]), self.web_url, self.cache_dir))
        self.crawler.stats.inc_value("soustrace/packages_claimed")
        yield from self.next_packages()

    def notice_filter(self, state: WindowState) -> NoticeFilter:
        return self.filters[state.id]

    # ---- a package read (or given up): its day is settled, a slot is free -----------------------------

    def parse_package(self, response: Response) -> Iterator[Any]:
        return self._settle(response.meta["package"], super().parse_package(response))

    def parse_cached(self, response: Response) -> Iterator[Any]:
        return self._settle(response.meta["package"], super().parse_cached(response))

    def package_errback(self, failure: Failure) -> Iterator[Any]:
        package = failure.request.meta["package"]  # type: ignore[attr-defined]
        return self._settle(package, super().package_errback(failure))

    def _settle(self, package: Package, outputs: Iterable[Any]) -> Iterator[Any]:
        """Pass the parent's outputs on; unless one is the same package's next request, its day is done."""
        again = False
        self.busy()
        try:
            for out in outputs:
                if isinstance(out, Request) and out.meta.get("package") is package:
                    again = True
                yield out
        except Exception as exc:  # a bug must not hold a download slot forever: the day fails, resumable
            self.logger.exception("%s: reading failed", package.label)
            self.fail_package(package, f"reading failed: {type(exc).__name__}: {exc}")
            again = False
            yield from self.package_done()
            self.active = max(0, self.active)
        if again:
            return
        for state in self.states_of(package):
            self.day_states.pop(state.date_from, None)
            self.claimed_days.discard(state.date_from)
            self.filters.pop(state.id, None)
            self.crawler.stats.inc_value("soustrace/windows_done")
            yield WindowDone(state.id, self.source)
        yield from self.next_requests()
