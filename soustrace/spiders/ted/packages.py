"""TED by packages: release calendar -> OJ S issues -> daily (or monthly) tar.gz -> every notice in it.

Domain: every TED notice (all countries, all types) of a publication day is in that day's package; the
`country` and `kinds` arguments filter after a cheap look at each notice (`parsers.ted.package.peek`).
Date field: the OJ S publication date of the issue, both ends inclusive.
Route (sources.md "Daily and monthly packages"): `{TED_WEB_URL}/en/release-calendar/-/download/file/CSV/{year}`
gives the issues; `{TED_WEB_URL}/packages/daily/{yyyynnnnn}` each package, downloaded to an on-disk cache
keyed by issue (`TED_PACKAGE_CACHE_DIR`) in Range chunks (`download`), re-fetched when the cached copy
predates the package's final upload (09:30 CET on its day). A whole month of the range that is over (its
monthly package is out by the 5th working day after it) comes as one `/packages/monthly/{yyyy}-{m}`
(a tar.gz of the daily ones; `TED_MONTHLY_PACKAGES`), its daily packages if the monthly one is not there.
Completeness: one ledger window per issue (its date); `expected` is the number of notices of the issue
that pass the filters, so the window is complete only when each of them is stored (a notice that cannot
be parsed is stored raw with its reason in the reject table). A day the calendar announces no issue for
gets a window expecting 0. A WAF challenge (202, empty body, `x-amzn-waf-action`), a cut or corrupt
download, a 404 for an announced issue are retried with backoff (`TED_PACKAGE_ATTEMPTS`), 429/5xx by the
retry middleware; then the window is failed (never "0 notices") and `--resume` fetches it again.
Politeness: at most `TED_PACKAGE_CONCURRENCY` (3) packages in flight, `TED_REQUESTS_PER_MINUTE` (700).
Memory: Scrapy holds one chunk (`TED_PACKAGE_CHUNK`) of a package at a time; the notices are then streamed
from the file on disk, one at a time.
Spider arguments: from_date, until_date (YYYY-MM-DD); country: FRA (default), ALL or "FRA,BEL";
kinds: award,modification (default, the result notices the API route asks for) or ALL; resume.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from soustrace.parsers.eforms.values import ISO3_TO_ISO2
from soustrace.parsers.ted.package import ArchiveError, Member, NoticeFilter, iter_members, iter_monthly_members, peek
from soustrace.pipelines.store.ledger import WindowState
from soustrace.spiders.base import SpiderArgumentError, WindowedSpider
from soustrace.spiders.ted.calendar import CalendarError, Issue, calendar_url, package_units, parse_release_calendar
from soustrace.spiders.ted.download import Package, answer_problem, save_answer

RESULT_KINDS = "award,modification"
KNOWN_KINDS = {"award", "modification", "call", "planning", "rectification", "other"}


def country_codes(country: str) -> list[str]:
    country = (country or "FRA").upper().replace(" ", "")
    codes = [] if country == "ALL" else country.split(",")
    if any(len(code) != 3 or code not in ISO3_TO_ISO2 for code in codes):
        raise SpiderArgumentError(f"country={country!r}: use FRA, ALL or ISO 3166 alpha-3 codes like FRA,BEL")
    return codes


def days(start: dt.date, stop: dt.date) -> Iterator[dt.date]:
    while start <= stop:
        yield start
        start += dt.timedelta(days=1)


class TedPackagesSpider(WindowedSpider):
    name = "ted"
    source = "ted"

    def __init__(self, *args: Any, country: str = "FRA", kinds: str = RESULT_KINDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.countries = country_codes(country)
        wanted = (kinds or RESULT_KINDS).lower().replace(" ", "")
        self.kinds = [] if wanted == "all" else sorted(set(wanted.split(",")))
        if set(self.kinds) - KNOWN_KINDS:
            raise SpiderArgumentError(f"kinds={kinds!r}: use ALL or a list of {', '.join(sorted(KNOWN_KINDS))}")
        self.filter = NoticeFilter(frozenset(ISO3_TO_ISO2[c] for c in self.countries), frozenset(self.kinds))
        self.queue: deque[Package] = deque()
        self.active = 0
        self.todo: list[tuple[dt.date, dt.date]] = []
        self.day_states: dict[dt.date, WindowState] = {}

    @property
    def params(self) -> str:
        return f"packages;country={','.join(self.countries) or 'ALL'};kinds={','.join(self.kinds) or 'ALL'}"

    # -- settings -------------------------------------------------------------------------------------------

    @property
    def web_url(self) -> str:
        return str(self.settings.get("TED_WEB_URL")).rstrip("/")

    @property
    def cache_dir(self) -> Path:
        configured = self.settings.get("TED_PACKAGE_CACHE_DIR")
        return Path(configured) if configured else Path.home() / ".cache" / "soustrace" / "ted" / "packages"

    def meta(self, **values: Any) -> dict[str, Any]:
        limits = [("ted-web", self.settings.getint("TED_REQUESTS_PER_MINUTE", 700), 60)]
        return {"rate_limits": limits, "handle_httpstatus_list": [404], **values}

    def backoff(self, attempt: int) -> float:
        base = self.settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        return min(base * 2**attempt, self.settings.getfloat("RETRY_BACKOFF_MAX", 120.0))

    # -- calendar -------------------------------------------------------------------------------------------

    async def start(self) -> Any:
        self.todo = self.ledger.plan(self.source, self.from_date, self.until_date, self.params, 1, self.resume)
        years = sorted({year for a, b in self.todo for year in range(a.year, b.year + 1)})
        for year in years:
            yield self.calendar_request(year, 0)

    def calendar_request(self, year: int, attempt: int) -> Request:
        return Request(calendar_url(self.web_url, year), callback=self.parse_calendar, errback=self.calendar_errback,
                       meta=self.meta(year=year, attempt=attempt, backoff_delay=self.backoff(attempt - 1)
                                      if attempt else 0), dont_filter=True)

    def parse_calendar(self, response: Response) -> Iterator[Any]:
        year, attempt = response.meta["year"], response.meta["attempt"]
        problem = answer_problem(response)
        if problem is None:
            try:
                issues = parse_release_calendar(response.body, year)
            except CalendarError as exc:
                problem = str(exc)
            else:
                self.plan_year(year, issues)
                yield from self.next_packages()
                return
        if attempt + 1 < self.settings.getint("TED_PACKAGE_ATTEMPTS", 6):
            self.logger.warning("release calendar %s: %s; retrying", year, problem)
            yield self.calendar_request(year, attempt + 1)
        else:
            self.calendar_failed(year, problem)

    def calendar_errback(self, failure: Failure) -> Iterator[Any]:
        self.calendar_failed(failure.request.meta["year"], self.failure_text(failure))  # type: ignore[attr-defined]
        return iter(())

    def year_spans(self, year: int) -> Iterator[tuple[dt.date, dt.date]]:
        for a, b in self.todo:
            lo, hi = max(a, dt.date(year, 1, 1)), min(b, dt.date(year, 12, 31))
            if lo <= hi:
                yield lo, hi

    def calendar_failed(self, year: int, why: str) -> None:
        """No calendar, no packages: one failed window over this year's part of the range (split on resume)."""
        spans = list(self.year_spans(year))
        state = self.ledger.open(self.source, min(a for a, _ in spans), max(b for _, b in spans), self.params)
        self.windows[state.id] = state
        self.page_failed(state, f"release calendar {year} unavailable: {why}")

    def plan_year(self, year: int, issues: list[Issue]) -> None:
        """One window per day of the range in this year (an issue's, or expecting 0), then their packages."""
        wanted: list[Issue] = []
        for lo, hi in self.year_spans(year):
            if lo != hi:  # a window left by a failed calendar: now split into its packages
                state = self.ledger.open(self.source, lo, hi, self.params)
                self.ledger.mark_split(state)
                self.windows[state.id] = state
            by_date = {issue.date: issue for issue in package_units(lo, hi, issues)}
            for day in days(lo, hi):
                if day in self.day_states:
                    continue
                state = self.day_states[day] = self.ledger.open(self.source, day, day, self.params)
                self.windows[state.id] = state
                if day in by_date:
                    wanted.append(by_date[day])
                else:
                    state.expected = 0
        self.queue.extend(self.packages(year, wanted, issues))

    def packages(self, year: int, wanted: list[Issue], calendar: list[Issue]) -> Iterator[Package]:
        """Monthly packages for the whole, published months (backfill), daily ones for the rest."""
        for month in sorted({issue.date.month for issue in wanted}):
            mine = [i for i in wanted if i.date.month == month]
            if self.whole_month(year, month, mine, calendar):
                yield Package.month(year, month, mine, self.web_url, self.cache_dir)
            else:
                yield from (Package.daily(issue, self.web_url, self.cache_dir) for issue in mine)

    def whole_month(self, year: int, month: int, mine: list[Issue], calendar: list[Issue]) -> bool:
        """Every day of the month planned in this run, its monthly package out (by the 5th working day)."""
        if not self.settings.getbool("TED_MONTHLY_PACKAGES", True) or len(mine) < 2:
            return False
        first = dt.date(year, month, 1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        if dt.datetime.now(dt.UTC).date() < following + dt.timedelta(days=10):
            return False
        all_days = set(days(first, following - dt.timedelta(days=1)))
        return all_days <= set(self.day_states) and len(mine) == sum(1 for i in calendar if i.date in all_days)

    # -- packages -------------------------------------------------------------------------------------------

    def next_packages(self) -> Iterator[Request]:
        limit = max(1, self.settings.getint("TED_PACKAGE_CONCURRENCY", 3))
        while self.queue and self.active < limit:
            package = self.queue.popleft()
            self.active += 1
            yield self.package_request(package, 0)

    def package_done(self) -> Iterator[Request]:
        self.active -= 1
        yield from self.next_packages()

    def states_of(self, package: Package) -> list[WindowState]:
        return [self.day_states[issue.date] for issue in package.issues]

    def package_request(self, package: Package, attempt: int, *, backoff: bool = True) -> Request:
        if package.is_final():  # no network: no quota either
            return Request("data:,cached", callback=self.parse_cached, dont_filter=True,
                           meta={"package": package, "attempt": attempt})
        meta = self.meta(package=package, attempt=attempt)
        offset, headers = package.range_header(self.settings.getint("TED_PACKAGE_CHUNK", 0))
        meta.update(offset=offset, download_fail_on_dataloss=False,
                    backoff_delay=self.backoff(attempt - 1) if attempt and backoff else 0)
        return Request(package.url, headers=headers, callback=self.parse_package, errback=self.package_errback,
                       meta=meta, dont_filter=True)

    def parse_package(self, response: Response) -> Iterator[Any]:
        package, attempt = response.meta["package"], response.meta["attempt"]
        problem = answer_problem(response)
        if problem == "HTTP 404" and package.monthly:
            yield from self.fall_back_to_daily(package, "not published (404)")
            return
        if problem == "HTTP 404":
            issue = package.issues[0]
            problem = f"HTTP 404 although the release calendar announces issue {issue.number} on {issue.date}"
        if response.status == 416 and package.part.exists():
            problem, whole = None, True  # the part already holds every byte: the archive check decides
        elif problem is None:
            problem, whole = save_answer(package, response, response.meta.get("offset", 0),
                                         self.settings.getint("TED_PACKAGE_CHUNK", 0))
        if problem:
            yield from self.retry_package(package, attempt, problem)
            return
        if not whole:  # the next chunk: progress, not a retry
            yield self.package_request(package, attempt, backoff=False)
            return
        package.part.replace(package.path)
        yield from self.read_package(package, attempt)

    def parse_cached(self, response: Response) -> Iterator[Any]:
        yield from self.read_package(response.meta["package"], response.meta["attempt"])

    def read_package(self, package: Package, attempt: int) -> Iterator[Any]:
        """Hand every kept notice to the pipelines; the expected count of each issue once the archive is whole."""
        kept: dict[dt.date, set[str]] = {issue.date: set() for issue in package.issues}
        seen: set[dt.date | None] = set()
        files = 0
        members = iter_monthly_members(package.path) if package.monthly else iter_members(package.path)
        try:
            for member in members:
                files += 1
                day = member.issue_date if package.monthly else package.issues[0].date
                seen.add(day)
                if day in kept:  # else: an issue of the monthly package this crawl does not need
                    yield from self.read_member(self.day_states[day], package, member, kept[day])
        except ArchiveError as exc:
            package.path.unlink(missing_ok=True)
            yield from self.retry_package(package, attempt, str(exc))
            return
        if files == 0:
            package.path.unlink(missing_ok=True)
            yield from self.retry_package(package, attempt, "the package holds no file at all")
            return
        for issue in package.issues:
            state = self.day_states[issue.date]
            if issue.date in seen:
                state.expected = len(kept[issue.date])
            else:  # on resume this day is no whole month any more: its daily package is fetched
                self.page_failed(state, f"{package.label} holds no daily package for issue {issue.number}")
        self.logger.info("%s: %d files, %d kept by the filters", package.label, files,
                         sum(len(v) for v in kept.values()))
        yield from self.package_done()

    def read_member(self, state: WindowState, package: Package, member: Member, kept: set[str]) -> Iterator[Any]:
        if not member.name.lower().endswith(".xml"):
            yield self.reject(state, f"{package.unit}/{member.name}", "package member is not an XML notice")
            return
        pubno = member.publication_number
        keep = self.notice_filter(state)
        if keep.countries or keep.kinds or pubno is None:  # no filter: no look needed
            found = peek(member.raw)
            if not keep.keeps(found):
                return
            pubno = pubno or (found.publication_number if found else None)
        if pubno is None:
            yield self.reject(state, f"{package.unit}/{member.name}",
                              "member name is not a publication number and the XML gives none",
                              excerpt=member.raw[:300].decode("utf-8", "replace"))
            return
        kept.add(pubno)
        if pubno in state.ids:
            return  # read again after a corrupt copy: already handed to the store
        item = self.record(state, pubno, member.raw, url=f"{self.web_url}/en/notice/{pubno}/xml",
                           content_type="application/xml")
        if item is not None:
            yield item

    def notice_filter(self, state: WindowState) -> NoticeFilter:
        """The filter this day's notices pass: the spider's (a queued unit brings its own, distributed.packages)."""
        return self.filter

    def fall_back_to_daily(self, package: Package, why: str) -> Iterator[Request]:
        self.logger.info("%s %s: its daily packages instead", package.label, why)
        self.queue.extendleft(reversed([Package.daily(i, self.web_url, self.cache_dir) for i in package.issues]))
        yield from self.package_done()

    def retry_package(self, package: Package, attempt: int, why: str) -> Iterator[Request]:
        attempts = self.settings.getint("TED_PACKAGE_ATTEMPTS", 6)
        if attempt + 1 < attempts:
            self.logger.warning("%s: %s; retrying", package.label, why)
            yield self.package_request(package, attempt + 1)
            return
        self.fail_package(package, f"{why} (after {attempts} attempts)")
        yield from self.package_done()

    def fail_package(self, package: Package, why: str) -> None:
        for state in self.states_of(package):
            self.page_failed(state, f"{package.label}: {why}")

    def package_errback(self, failure: Failure) -> Iterator[Request]:
        package = failure.request.meta["package"]  # type: ignore[attr-defined]
        self.fail_package(package, f"{self.failure_text(failure)} (after retries)")
        yield from self.package_done()

    @staticmethod
    def failure_text(failure: Failure) -> str:
        response: Response | None = getattr(failure.value, "response", None)
        return f"HTTP {response.status}" if response is not None else failure.getErrorMessage()

