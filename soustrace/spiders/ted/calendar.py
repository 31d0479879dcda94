"""The OJ S release calendar and the package units it implies: one daily package per published issue.

TED publishes one OJ S issue per working day; the release calendar of a year maps issue numbers to
publication dates (``{TED_WEB_URL}/en/release-calendar/-/download/file/CSV/{year}``, sources.md "Daily and
monthly packages"). Its header wording is not documented, so columns are found by their content: the
issue number is the first cell of a row that is a small integer, the date the first DD/MM/YYYY cell.

`package_units(date_from, date_until, calendar)` is the one function a distributed crawl needs to enqueue
one unit per package (`fetch_package_units` also downloads the calendars, blocking, for seeding outside
Scrapy); the packages spider uses the same functions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

CALENDAR_PATH = "/en/release-calendar/-/download/file/CSV/{year}"
DAILY_PATH = "/packages/daily/{unit}"

_ISSUE = re.compile(r"^\s*(?:S\s*)?0*(\d{1,3})(?:\s*/\s*\d{4})?\s*$")
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


class CalendarError(ValueError):
    """The release calendar could not be read (not a CSV of issues, wrong year, empty)."""


@dataclass(frozen=True, order=True)
class Issue:
    """One OJ S issue: its publication date and its number within the year."""

    date: dt.date
    year: int
    number: int

    @property
    def unit(self) -> str:
        """The package id `yyyynnnnn` (`202400001` = the first issue of 2024), the cache key and URL part."""
        return f"{self.year}{self.number:05d}"

    def url(self, web_url: str) -> str:
        return web_url.rstrip("/") + DAILY_PATH.format(unit=self.unit)


def calendar_url(web_url: str, year: int) -> str:
    return web_url.rstrip("/") + CALENDAR_PATH.format(year=year)


def parse_release_calendar(body: bytes, year: int) -> list[Issue]:
    """The issues of one year's calendar CSV; CalendarError when the body holds none of that year."""
    text = body.decode("utf-8-sig", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    issues: dict[int, Issue] = {}
    for row in csv.reader(io.StringIO(text), dialect):
        number = next((int(m.group(1)) for cell in row if (m := _ISSUE.match(cell))), None)
        when = next((m for cell in row if (m := _DATE.match(cell))), None)
        if number is None or when is None:
            continue  # the header, blank or note rows
        try:
            date = dt.date(int(when.group(3)), int(when.group(2)), int(when.group(1)))
        except ValueError:
            continue
        if date.year == year and number > 0:
            issues[number] = Issue(date, year, number)
    if not issues:
        raise CalendarError(f"release calendar {year}: no row with an issue number and a DD/MM/{year} date "
                            f"(starts {text[:120]!r})")
    return sorted(issues.values())


def package_units(date_from: dt.date, date_until: dt.date, calendar: Iterable[Issue]) -> list[Issue]:
    """The issues published between two dates (both inclusive), in order: one daily package each."""
    return sorted(issue for issue in calendar if date_from <= issue.date <= date_until)


def fetch_package_units(date_from: dt.date, date_until: dt.date, web_url: str = "https://ted.europa.eu",
                        user_agent: str = "soustrace", timeout: float = 60) -> list[Issue]:
    """`package_units` over the calendars of every year in the range, downloaded here (blocking).

    For seeding a distributed crawl; the spider fetches calendars through Scrapy instead.
    """
    calendar: list[Issue] = []
    for year in range(date_from.year, date_until.year + 1):
        request = urllib.request.Request(calendar_url(web_url, year), headers={"User-Agent": user_agent})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status = getattr(answer, "status", 200)
            body = answer.read()
        if status != 200 or not body:
            raise CalendarError(f"release calendar {year}: HTTP {status} with {len(body)} bytes (WAF challenge?)")
        calendar += parse_release_calendar(body, year)
    return package_units(date_from, date_until, calendar)
