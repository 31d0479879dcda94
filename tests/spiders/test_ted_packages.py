"""`crawl ted` through the daily packages, against the local fake of TED (tests/ted_packages_server.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from replay import FAST_CRAWL, Fault, ReplayServer, Reply, crawl_summary, run_soustrace
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from ted_packages_server import FRENCH_RESULTS, TedPackages, month_of_issues, waf_challenge

from soustrace.models import CrawlWindow, Notice, Reject
from soustrace.queries.stats import db_stats


def crawl(db_url: str, server: ReplayServer, cache: Path, start: str, end: str, *extra: str):
    return run_soustrace(db_url, "crawl", "ted", "--from", start, "--to", end, "-s", f"TED_WEB_URL={server.url}",
                         "-s", f"TED_PACKAGE_CACHE_DIR={cache}", *FAST_CRAWL, *extra)


def package_requests(server: ReplayServer) -> list[tuple[str, int]]:
    return [(path, status) for _, path, status in server.log if path.startswith("/packages/")]


def stored_ids(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(Notice.source_id).where(Notice.source == "ted")))


def test_a_month_with_waf_cuts_corruption_429_503_stores_every_notice_twice_without_duplicates(
        engine, db_url, tmp_path) -> None:
    issues = month_of_issues(2024, 1, 12)
    every = {no for issue in issues for no in issue.publication_numbers()}
    units = [issue.unit for issue in issues]
    fake = TedPackages(issues)
    with ReplayServer() as server:
        server.mount("", fake)
        fake.cut[units[3]] = 2  # cut twice: resumed with Range requests
        fake.corrupt[units[5]] = 1  # a complete answer of a gzip that ends early
        server.faults += [
            Fault(waf_challenge(), times=2, path_contains=units[0]),
            Fault(Reply(429, b"slow down", {"Retry-After": "0"}), times=2, path_contains=units[1]),
            Fault(Reply(503, b"busy", {"Content-Type": "text/plain"}), times=3, path_contains=units[2]),
            Fault(waf_challenge(), times=1, path_contains="/release-calendar/"),
        ]
        proc = crawl(db_url, server, tmp_path / "cache", "2024-01-01", "2024-01-31", "--country", "ALL",
                     "--kinds", "ALL")
        assert proc.returncode == 0, proc.stderr[-3000:]
        summary = crawl_summary(proc)
        assert summary["expected"] == summary["stored"] == len(every) == 12 * 23
        assert summary["windows"] == 31 and summary["incomplete"] == []
        assert sorted(stored_ids(engine)) == sorted(every)
        requests = package_requests(server)
        assert any(status == 206 for _, status in requests), "a cut download is resumed with a Range request"
        assert all(f.times == 0 for f in server.faults) and not any(fake.cut.values())
        assert not any(fake.corrupt.values())
        assert "/packages/monthly/2024-1" in {path for path, _ in requests}  # tried first: 404, so the dailies
        # Again, from an empty cache, now that the monthly package is out: the month in one archive, fetched
        # in 64 KiB Range chunks, with a WAF challenge and a cut transfer; nothing stored twice.
        fake.monthly = True
        server.faults.append(Fault(waf_challenge(), times=1, path_contains="/monthly/"))
        fake.cut["2024-1"] = 1
        again = crawl(db_url, server, tmp_path / "cache2", "2024-01-01", "2024-01-31", "--country", "ALL",
                      "--kinds", "ALL", "-s", f"TED_PACKAGE_CHUNK={64 * 1024}")
        assert again.returncode == 0, again.stderr[-3000:]
        assert crawl_summary(again)["stored"] == len(every)
        second = package_requests(server)[len(requests):]
        assert {path for path, _ in second} == {"/packages/monthly/2024-1"}
        assert len(second) > 10 and fake.cut["2024-1"] == 0
    assert db_stats(engine)["notices"] == {"ted": len(every)}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Reject)) == 0


def test_default_crawl_keeps_french_result_notices_and_the_cache_answers_a_rerun(engine, db_url, tmp_path) -> None:
    issues = month_of_issues(2024, 2, 21)[:3]
    french = {no for issue in issues for no in issue.publication_numbers(FRENCH_RESULTS)}
    with ReplayServer() as server:
        server.mount("", TedPackages(issues))
        proc = crawl(db_url, server, tmp_path / "cache", "2024-02-01", "2024-02-05")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert crawl_summary(proc)["expected"] == len(french) > 0
        assert sorted(stored_ids(engine)) == sorted(french)
        downloads = len(package_requests(server))
        again = crawl(db_url, server, tmp_path / "cache", "2024-02-01", "2024-02-05")
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(package_requests(server)) == downloads  # final cached packages are not fetched again
    assert sorted(stored_ids(engine)) == sorted(french)


def test_a_package_that_keeps_failing_is_incomplete_never_zero_and_resume_fetches_only_it(
        engine, db_url, tmp_path) -> None:
    issues = month_of_issues(2024, 3, 5)[:4]  # 1, 4, 5, 6 March
    missing = issues.pop(2)  # announced by the calendar, but 404 at first
    fake = TedPackages(issues, announced=[(missing.number, missing.date)])
    with ReplayServer() as server:
        server.mount("", fake)
        server.faults.append(Fault(waf_challenge(), times=100, path_contains=issues[0].unit))
        proc = crawl(db_url, server, tmp_path / "cache", "2024-03-01", "2024-03-06", "--country", "ALL",
                     "--kinds", "ALL", "-s", "TED_PACKAGE_ATTEMPTS=3")
        assert proc.returncode == 1
        assert "INCOMPLETE" in proc.stderr and "2024-03-05..2024-03-05: failed" in proc.stderr
        assert "HTTP 404 although the release calendar announces issue" in proc.stderr
        assert "2024-03-01..2024-03-01: failed" in proc.stderr and "WAF challenge" in proc.stderr
        with Session(engine) as s:
            failed = s.scalars(select(CrawlWindow).where(CrawlWindow.status == "failed")).all()
            assert {w.date_from for w in failed} == {dt.date(2024, 3, 1), dt.date(2024, 3, 5)}
            assert all(w.expected is None for w in failed)  # a failed package is not "0 notices"
        assert len(stored_ids(engine)) == 10
        server.faults.clear()
        fake.issues[missing.unit] = missing
        before = len(package_requests(server))
        resumed = crawl(db_url, server, tmp_path / "cache", "2024-03-01", "2024-03-06", "--country", "ALL",
                        "--kinds", "ALL", "--resume")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        fetched = {path.rsplit("/", 1)[1] for path, _ in package_requests(server)[before:]}
        assert fetched == {issues[0].unit, missing.unit}
    assert len(stored_ids(engine)) == 20


def test_no_calendar_fails_the_range_and_resume_splits_it_into_packages(engine, db_url, tmp_path) -> None:
    issues = month_of_issues(2024, 4, 3)[:2]
    with ReplayServer() as server:
        server.mount("", TedPackages(issues))
        server.faults.append(Fault(waf_challenge(), times=3, path_contains="/release-calendar/"))
        proc = crawl(db_url, server, tmp_path / "cache", "2024-04-01", "2024-04-02", "--country", "ALL",
                     "--kinds", "ALL", "-s", "TED_PACKAGE_ATTEMPTS=3")
        assert proc.returncode == 1 and "release calendar 2024 unavailable" in proc.stderr
        assert package_requests(server) == []
        resumed = crawl(db_url, server, tmp_path / "cache", "2024-04-01", "2024-04-02", "--country", "ALL",
                        "--kinds", "ALL", "--resume")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert crawl_summary(resumed)["windows"] == 2
    assert len(stored_ids(engine)) == 6


def test_an_issue_missing_from_the_monthly_package_fails_its_day_and_resume_takes_the_daily(
        engine, db_url, tmp_path) -> None:
    issues = month_of_issues(2024, 5, 2)
    fake = TedPackages(issues, monthly=True)
    fake.left_out_of_monthly.add(issues[4].unit)
    with ReplayServer() as server:
        server.mount("", fake)
        proc = crawl(db_url, server, tmp_path / "cache", "2024-05-01", "2024-05-31", "--country", "ALL",
                     "--kinds", "ALL")
        assert proc.returncode == 1
        assert f"{issues[4].date}..{issues[4].date}: failed" in proc.stderr and "holds no daily package" in proc.stderr
        assert len(stored_ids(engine)) == 2 * (len(issues) - 1)
        before = len(package_requests(server))
        resumed = crawl(db_url, server, tmp_path / "cache", "2024-05-01", "2024-05-31", "--country", "ALL",
                        "--kinds", "ALL", "--resume")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert package_requests(server)[before:] == [(f"/packages/daily/{issues[4].unit}", 206)]
    assert len(stored_ids(engine)) == 2 * len(issues)


def test_unreadable_members_are_stored_raw_with_their_reason_and_the_package_still_completes(
        engine, db_url, tmp_path) -> None:
    issue = month_of_issues(2024, 6, 3)[2]  # 5 June
    odd = tmp_path / "odd.xml"
    odd.write_bytes(b"<FORM_R208_LIKE><NOTICE/></FORM_R208_LIKE>")  # no TED root: the parser says why
    readme = tmp_path / "readme.txt"
    readme.write_bytes(b"not a notice")
    issue.members += [("00999999_2024.xml", odd), ("readme.txt", readme)]
    with ReplayServer() as server:
        server.mount("", TedPackages([issue]))
        proc = crawl(db_url, server, tmp_path / "cache", "2024-06-05", "2024-06-05", "--country", "ALL",
                     "--kinds", "ALL")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert crawl_summary(proc)["expected"] == 4
    with Session(engine) as s:
        odd_notice = s.scalar(select(Notice).where(Notice.source_id == "999999-2024"))
        assert odd_notice is not None and odd_notice.parse_status == "error"
        reasons = {r.record_id: r.reason for r in s.scalars(select(Reject))}
    assert "not a TED notice" in reasons["999999-2024"]
    readme_id = f"{issue.unit}/{issue.date:%Y%m%d}_{issue.number:03d}/readme.txt"
    assert reasons[readme_id].startswith("package member is not")
