"""The pieces of the packages route without a crawl: calendar, package units, members, filters, quotas."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from replay import Fault, ReplayServer
from samples import EFORMS_REAL, TED_R209
from scrapy import Request
from ted_packages_server import SAMPLES, TedPackages, build_package, month_of_issues, waf_challenge

from soustrace.parsers.ted.package import ArchiveError, Member, NoticeFilter, iter_members, peek
from soustrace.spiders.politeness import PolitenessMiddleware, SlidingWindow
from soustrace.spiders.ted.calendar import (
    CalendarError,
    Issue,
    fetch_package_units,
    package_units,
    parse_release_calendar,
)


def test_calendar_columns_are_found_by_content_whatever_the_header_and_separator() -> None:
    semicolons = "Numéro du JO S;Date de publication\r\n1;02/01/2024\r\n2;03/01/2024\r\n".encode()
    quoted = b'"Issue","Date","Note"\n"S 3","04/01/2024",""\n"4/2024","05/01/2024","late"\n'
    assert [(i.number, i.date) for i in parse_release_calendar(semicolons, 2024)] == [
        (1, dt.date(2024, 1, 2)), (2, dt.date(2024, 1, 3))]
    assert [i.unit for i in parse_release_calendar(quoted, 2024)] == ["202400003", "202400004"]


def test_a_calendar_without_issues_of_that_year_is_an_error_not_an_empty_year() -> None:
    with pytest.raises(CalendarError, match="no row"):
        parse_release_calendar(b"<html>challenge</html>", 2024)
    with pytest.raises(CalendarError):
        parse_release_calendar(b"Issue;Date\n1;02/01/2023\n", 2024)


def test_package_units_are_the_issues_of_the_range_in_order() -> None:
    calendar = [Issue(dt.date(2024, 1, d), 2024, n) for n, d in ((3, 4), (1, 2), (2, 3), (4, 5))]
    units = package_units(dt.date(2024, 1, 3), dt.date(2024, 1, 4), calendar)
    assert [u.unit for u in units] == ["202400002", "202400003"]
    assert units[0].url("https://ted.europa.eu/") == "https://ted.europa.eu/packages/daily/202400002"


def test_fetch_package_units_reads_the_calendars_of_the_range_and_refuses_a_waf_answer() -> None:
    """What a distributed crawl seeds its queue with: one unit per daily package of the range."""
    with ReplayServer() as server:
        server.mount("", TedPackages(month_of_issues(2023, 12, 1) + month_of_issues(2024, 1, 1)))
        units = fetch_package_units(dt.date(2023, 12, 28), dt.date(2024, 1, 2), server.url)
        assert [(u.unit, u.date) for u in units] == [
            ("202300020", dt.date(2023, 12, 28)), ("202300021", dt.date(2023, 12, 29)),
            ("202400001", dt.date(2024, 1, 1)), ("202400002", dt.date(2024, 1, 2))]
        server.faults.append(Fault(waf_challenge(), path_contains="/release-calendar/"))
        with pytest.raises(CalendarError, match="HTTP 202"):
            fetch_package_units(dt.date(2024, 1, 1), dt.date(2024, 1, 2), server.url)


def test_members_are_streamed_and_a_truncated_gzip_is_an_error(tmp_path) -> None:
    raws = [(f"{n:08d}_2024.xml", SAMPLES[n].read_bytes()) for n in range(3)]
    body = build_package(dt.date(2024, 1, 2), 1, raws)
    good = tmp_path / "good.tar.gz"
    good.write_bytes(body)
    members = list(iter_members(good))
    assert [m.publication_number for m in members] == ["0-2024", "1-2024", "2-2024"]
    assert [m.raw for m in members] == [raw for _, raw in raws]
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(body[: len(body) // 2])
    with pytest.raises(ArchiveError, match=r"not a complete tar\.gz"):
        list(iter_members(cut))
    not_tar = tmp_path / "page.tar.gz"
    not_tar.write_bytes(gzip.compress(b"<html>challenge</html>"))
    with pytest.raises(ArchiveError):
        list(iter_members(not_tar))


def test_member_names_give_the_api_spelling_of_publication_numbers() -> None:
    assert Member("20260103_002/00497150_2026.xml", b"").publication_number == "497150-2026"
    assert Member("20190103_002/008298_2019.xml", b"").publication_number == "8298-2019"
    assert Member("20190103_002/readme.txt", b"").publication_number is None


def test_filters_read_both_formats_and_keep_what_they_cannot_read() -> None:
    french_award = peek((EFORMS_REAL / "eforms_can_156-2025_FRA_transcribed.xml").read_bytes())
    french_call = peek((EFORMS_REAL / "eforms_cn_2024-OJS044-00129266_FRA.xml").read_bytes())
    uk_legacy = peek((TED_R209 / "21-000061-001-EXP.xml").read_bytes())  # ISO_COUNTRY "UK"
    assert (french_award.kind, french_award.countries, french_award.publication_number) == (
        "award", {"FR"}, "156-2025")
    assert (uk_legacy.kind, uk_legacy.countries, uk_legacy.root) == ("award", {"GB"}, "TED_EXPORT")
    default = NoticeFilter(frozenset({"FR"}), frozenset({"award", "modification"}))
    assert default.keeps(french_award) and not default.keeps(french_call) and not default.keeps(uk_legacy)
    assert NoticeFilter().keeps(french_call)
    assert peek(b"not xml") is None and default.keeps(None)


def test_sliding_window_grants_at_most_limit_per_period() -> None:
    now = [100.0]
    window = SlidingWindow(3, 60, clock=lambda: now[0])
    assert [window.reserve() for _ in range(3)] == [0, 0, 0]
    assert window.reserve() == 60  # the 4th waits for the 1st to leave the window
    now[0] = 130.0
    assert window.reserve() == 30  # the 5th: the 2nd leaves at 160
    assert window.reserve(after=100) == 100  # a backoff longer than the quota's wait


def test_requests_wait_for_every_quota_they_count_against_and_for_their_backoff() -> None:
    middleware = PolitenessMiddleware(crawler=None)  # type: ignore[arg-type]
    notice = {"rate_limits": [("ted-web", 700, 60), ("ted-notice", 2, 360)]}
    assert middleware.delay_for(Request("https://ted.example/1", meta=dict(notice))) == 0
    assert middleware.delay_for(Request("https://ted.example/2", meta=dict(notice))) == 0
    third = middleware.delay_for(Request("https://ted.example/3", meta=dict(notice)))
    assert 359 < third <= 360  # the 6-minute quota, not the per-minute one, holds it
    assert middleware.delay_for(Request("https://ted.example/p", meta={"backoff_delay": 4})) == 4
    unlimited = {"rate_limits": [("ted-notice", 0, 360)]}  # 0 lifts a quota (tests, local fakes)
    assert middleware.delay_for(Request("https://ted.example/4", meta=unlimited)) == 0
