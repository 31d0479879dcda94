"""TED by daily packages: release calendar -> OJ S issues -> one tar.gz per issue -> every notice in it.

Domain: every TED notice (all countries, all types) of a publication day is in that day's package; the
`country` and `kinds` arguments filter after a cheap look at each notice (`parsers.ted.package.peek`).
Date field: the OJ S publication date of the issue, both ends inclusive.
Route (sources.md "Daily and monthly packages"): `{TED_WEB_URL}/en/release-calendar/-/download/file/CSV/{year}`
gives the issues; `{TED_WEB_URL}/packages/daily/{yyyynnnnn}` each package, downloaded to an on-disk cache
keyed by issue (`TED_PACKAGE_CACHE_DIR`), resumed with a Range request after a cut transfer, re-fetched
when the cached copy predates the package's final upload (09:30 CET on its day).
Completeness: one ledger window per issue (its date); `expected` is the number of notices of the package
that pass the filters, so the window is complete only when each of them is stored (a notice that cannot
be parsed is stored raw with its reason in the reject table). A day the calendar announces no issue for
gets a window expecting 0. A WAF challenge (202, empty body, `x-amzn-waf-action`), a cut or corrupt
download, a 404 for an announced issue are retried with backoff (`TED_PACKAGE_ATTEMPTS`), 429/5xx by the
retry middleware; then the window is failed (never "0 notices") and `--resume` fetches it again.
Politeness: at most `TED_PACKAGE_CONCURRENCY` (3) packages in flight, `TED_REQUESTS_PER_MINUTE` (700).
Memory: Scrapy holds one package's compressed bytes while it arrives; the notices are then streamed from
the file on disk, one at a time.
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
from soustrace.parsers.ted.package import ArchiveError, NoticeFilter, iter_members, peek
from soustrace.pipelines.windows import WindowState
from soustrace.spiders.base import SpiderArgumentError, WindowedSpider
from soustrace.spiders.ted.calendar import CalendarError, Issue, calendar_url, package_units, parse_release_calendar

RESULT_KINDS = "award,modification"
KNOWN_KINDS = {"award", "modification", "call", "planning", "rectification", "other"}
FINAL_UTC = dt.time(8, 30)  # 09:30 CET: a package fetched before that on its day may still grow


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
        self.queue: deque[tuple[WindowState, Issue]] = deque()
        self.active = 0
        self.todo: list[tuple[dt.date, dt.date]] = []
        self.planned: set[dt.date] = set()

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
        problem = self.answer_problem(response)
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
        """One window per issue of the range in this year; days without an issue get one expecting 0."""
        for lo, hi in self.year_spans(year):
            if lo != hi:  # a window left by a failed calendar: now split into its packages
                state = self.ledger.open(self.source, lo, hi, self.params)
                self.ledger.mark_split(state)
                self.windows[state.id] = state
            by_date = {issue.date: issue for issue in package_units(lo, hi, issues)}
            for day in days(lo, hi):
                if day in self.planned:
                    continue
                self.planned.add(day)
                state = self.open_day(day)
                if day in by_date:
                    self.queue.append((state, by_date[day]))
                else:
                    state.expected = 0

    def open_day(self, day: dt.date) -> WindowState:
        state = self.ledger.open(self.source, day, day, self.params)
        self.windows[state.id] = state
        return state

    # -- packages -------------------------------------------------------------------------------------------

    def next_packages(self) -> Iterator[Request]:
        limit = max(1, self.settings.getint("TED_PACKAGE_CONCURRENCY", 3))
        while self.queue and self.active < limit:
            state, issue = self.queue.popleft()
            self.active += 1
            yield self.package_request(state, issue, 0)

    def package_done(self) -> Iterator[Request]:
        self.active -= 1
        yield from self.next_packages()

    def cache_path(self, issue: Issue) -> Path:
        return self.cache_dir / str(issue.year) / f"{issue.unit}.tar.gz"

    def is_final(self, path: Path, issue: Issue) -> bool:
        """A cached package is final unless it was fetched before 09:30 CET on its publication day."""
        if not path.exists():
            return False
        fetched = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        return fetched >= dt.datetime.combine(issue.date, FINAL_UTC, dt.UTC)

    def package_request(self, state: WindowState, issue: Issue, attempt: int) -> Request:
        path = self.cache_path(issue)
        meta = self.meta(window_id=state.id, issue=issue, attempt=attempt)
        if self.is_final(path, issue):
            return Request("data:,cached", callback=self.parse_cached, meta=meta, dont_filter=True)
        part = path.with_name(path.name + ".part")
        offset = part.stat().st_size if part.exists() else 0
        meta.update(offset=offset, download_fail_on_dataloss=False,
                    backoff_delay=self.backoff(attempt - 1) if attempt else 0)
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        return Request(issue.url(self.web_url), headers=headers, callback=self.parse_package,
                       errback=self.package_errback, meta=meta, dont_filter=True)

    def answer_problem(self, response: Response) -> str | None:
        """Why an answer is not the file asked for (the WAF challenge is a 202 with an empty body)."""
        if response.headers.get(b"x-amzn-waf-action"):
            return f"WAF {response.headers.get(b'x-amzn-waf-action', b'').decode()} (HTTP {response.status})"
        if response.status == 404:
            return "HTTP 404"
        if response.status not in (200, 206):
            return f"HTTP {response.status} instead of the file"
        if not response.body:
            return f"HTTP {response.status} with an empty body (WAF challenge?)"
        return None

    def parse_package(self, response: Response) -> Iterator[Any]:
        state, issue = self.windows[response.meta["window_id"]], response.meta["issue"]
        attempt = response.meta["attempt"]
        problem = self.answer_problem(response)
        if problem == "HTTP 404":
            problem = f"HTTP 404 although the release calendar announces issue {issue.number} on {issue.date}"
        if problem:
            yield from self.retry_package(state, issue, attempt, problem)
            return
        path = self.cache_path(issue)
        part = path.with_name(path.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        offset = response.meta.get("offset", 0)
        if response.status == 206:
            start = _range_start(response.headers.get(b"Content-Range"))
            if start != offset:
                part.unlink(missing_ok=True)
                yield from self.retry_package(state, issue, attempt, f"range answer starts at {start}, not {offset}")
                return
            with part.open("ab") as out:
                out.write(response.body)
        else:  # 200: the whole file (also the answer of a server that ignores Range)
            part.write_bytes(response.body)
        if "dataloss" in response.flags:
            got = part.stat().st_size
            yield from self.retry_package(state, issue, attempt, f"download cut after {got} bytes; resuming from there")
            return
        part.replace(path)
        yield from self.read_package(state, issue, path, attempt)

    def parse_cached(self, response: Response) -> Iterator[Any]:
        state, issue = self.windows[response.meta["window_id"]], response.meta["issue"]
        yield from self.read_package(state, issue, self.cache_path(issue), response.meta["attempt"])

    def read_package(self, state: WindowState, issue: Issue, path: Path, attempt: int) -> Iterator[Any]:
        kept: set[str] = set()
        members = 0
        try:
            for member in iter_members(path):
                members += 1
                if not member.name.lower().endswith(".xml"):
                    yield self.reject(state, f"{issue.unit}/{member.name}", "package member is not an XML notice")
                    continue
                found = peek(member.raw)
                if not self.filter.keeps(found):
                    continue
                pubno = member.publication_number or (found.publication_number if found else None)
                if pubno is None:
                    yield self.reject(state, f"{issue.unit}/{member.name}",
                                      "member name is not a publication number and the XML gives none",
                                      excerpt=member.raw[:300].decode("utf-8", "replace"))
                    continue
                kept.add(pubno)
                if pubno in state.ids:
                    continue  # read again after a corrupt copy: already handed to the store
                item = self.record(state, pubno, member.raw, url=f"{self.web_url}/en/notice/{pubno}/xml",
                                   content_type="application/xml")
                if item is not None:
                    yield item
        except ArchiveError as exc:
            path.unlink(missing_ok=True)
            yield from self.retry_package(state, issue, attempt, str(exc))
            return
        if members == 0:
            path.unlink(missing_ok=True)
            yield from self.retry_package(state, issue, attempt, "the package holds no file at all")
            return
        state.expected = len(kept)
        self.logger.info("%s: issue %s, %d files, %d kept by the filters", state.label, issue.unit, members,
                         len(kept))
        yield from self.package_done()

    def retry_package(self, state: WindowState, issue: Issue, attempt: int, why: str) -> Iterator[Request]:
        attempts = self.settings.getint("TED_PACKAGE_ATTEMPTS", 6)
        if attempt + 1 < attempts:
            self.logger.warning("%s: package %s: %s; retrying", state.label, issue.unit, why)
            yield self.package_request(state, issue, attempt + 1)
            return
        self.page_failed(state, f"package {issue.unit} ({issue.date}): {why} (after {attempts} attempts)")
        yield from self.package_done()

    def package_errback(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        state = self.windows[request.meta["window_id"]]
        self.page_failed(state, f"package {request.meta['issue'].unit}: {self.failure_text(failure)} "
                                "(after retries)")
        yield from self.package_done()

    @staticmethod
    def failure_text(failure: Failure) -> str:
        response: Response | None = getattr(failure.value, "response", None)
        return f"HTTP {response.status}" if response is not None else failure.getErrorMessage()


def _range_start(header: bytes | None) -> int | None:
    """The first byte of a `Content-Range: bytes 100-199/200` answer."""
    if not header:
        return None
    text = header.decode("latin-1").strip()
    try:
        return int(text.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None
