"""The BOAMP spider against the replay server: real records, the 10,000 cap, faults, resume, re-runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from replay import FAST_CRAWL, BoampAPI, Fault, ReplayServer, Reply, clone_records, crawl_summary, run_soustrace
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.models import CrawlWindow, Notice, Reject
from soustrace.queries.stats import db_stats

PAGE = Path(__file__).parents[1] / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
REAL = json.loads(PAGE.read_text())["results"]  # 20 real records, published 2006-07-04 (see SOURCES.md)


def crawl(db_url: str, api: str, start: str, end: str, *extra: str):
    return run_soustrace(
        db_url, "crawl", "boamp", "--from", start, "--to", end, "-s", f"BOAMP_API_URL={api}", *FAST_CRAWL, *extra
    )


def test_real_records_are_stored_once_and_rerun_adds_nothing(engine, db_url) -> None:
    dates = {r["dateparution"] for r in REAL}
    with ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(REAL))
        first = crawl(db_url, api, min(dates), max(dates))
        assert first.returncode == 0, first.stderr[-3000:]
        assert crawl_summary(first)["expected"] == 20 and crawl_summary(first)["stored"] == 20
        before = db_stats(engine)
        assert before["notices"] == {"boamp": 20}
        again = crawl(db_url, api, min(dates), max(dates))
        assert again.returncode == 0, again.stderr[-3000:]
        assert db_stats(engine) == before
    with Session(engine) as s:
        notice = s.scalars(select(Notice).where(Notice.source_id == REAL[0]["idweb"])).one()
        assert notice.kind == "call" and notice.publication_date == dt.date.fromisoformat(REAL[0]["dateparution"])
        assert json.loads(notice.revisions[0].raw)["donnees"] == REAL[0]["donnees"]  # raw as received


@pytest.mark.slow
def test_more_than_10000_records_with_faults_every_record_once(sqlite_engine, sqlite_url) -> None:
    """10,100 records (clones of the 20 real ones with new ids — volume only) in a two-day range.

    The range exceeds the API's 10,000 cap, so it is split; its first day alone still exceeds it and is
    read through the exports endpoint. 429s (with and without Retry-After), 503s and an error body sent with
    status 200 are injected along the way.
    """
    records = clone_records(REAL, 10_010, dt.date(2024, 3, 1), 1) + clone_records(REAL, 90, dt.date(2024, 3, 2), 1)
    for i, rec in enumerate(records[10_010:]):
        rec["idweb"] = rec["id"] = f"U{i:07d}"
    with ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(records))
        server.faults += [
            Fault(Reply(429, b"{}", {"Retry-After": "0"}), times=2, path_contains="/records"),
            Fault(Reply(429, b"{}"), times=1, path_contains="/exports"),
            Fault(Reply(503, b"<html>maintenance</html>", {"Content-Type": "text/html"}), times=3, every=2),
            Fault(
                Reply.json({"error_code": "ODSQLError", "message": "temporarily unavailable"}),
                times=1,
                path_contains="offset=0",
            ),
        ]
        proc = crawl(sqlite_url, api, "2024-03-01", "2024-03-02")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert not any(
            "offset" in path and int(path.split("offset=")[1].split("&")[0]) + 100 > 10_000
            for _, path, _ in server.log
            if "/records" in path
        )
        statuses = [status for _, _, status in server.log]
        assert statuses.count(429) == 3 and statuses.count(503) == 3
        assert any("/exports/jsonl" in path for _, path, _ in server.log)
        result = crawl_summary(proc)
        assert result["expected"] == 10_100 and result["stored"] == 10_100 and result["incomplete"] == []
        assert db_stats(sqlite_engine)["notices"] == {"boamp": 10_100}
        again = crawl(sqlite_url, api, "2024-03-01", "2024-03-02", "--resume")
        assert again.returncode == 0
        assert db_stats(sqlite_engine)["notices"] == {"boamp": 10_100}
    with Session(sqlite_engine) as s:
        statuses = dict(s.execute(select(CrawlWindow.status, func.count()).group_by(CrawlWindow.status)).all())
        assert statuses == {"split": 1, "complete": 2}


def test_short_window_fails_loudly_then_resume_completes(engine, db_url) -> None:
    """An API that announces more records than it serves: the crawl exits non-zero naming the window."""
    records = clone_records(REAL, 40, dt.date(2024, 3, 1), 2)
    api_impl = BoampAPI(records)
    hidden = {records[3]["idweb"], records[5]["idweb"]}
    real_call = api_impl.__call__

    def lossy(req):
        reply = real_call(req)
        data = json.loads(reply.body)
        if "results" in data:
            data["results"] = [r for r in data["results"] if r["idweb"] not in hidden]
            return Reply.json(data)
        return reply

    with ReplayServer() as server:
        api = server.mount("/boamp", lossy)
        proc = crawl(db_url, api, "2024-03-01", "2024-03-02", "-s", "CRAWL_WINDOW_DAYS=1")
        assert proc.returncode == 1
        assert "INCOMPLETE" in proc.stderr and "2024-03-02..2024-03-02: short (18 of 20 stored)" in proc.stderr
        server.mounts["/boamp"] = api_impl  # the API serves everything again
        seen_before = len(server.log)
        resumed = crawl(db_url, api, "2024-03-01", "2024-03-02", "--resume", "-s", "CRAWL_WINDOW_DAYS=1")
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        paths = [unquote_plus(p) for _, p, _ in server.log[seen_before:]]
        requested_days = {p.split("date'")[1][:10] for p in paths if "date'" in p}
        assert requested_days == {"2024-03-02"}  # only the short window was crawled again
    assert db_stats(engine)["notices"] == {"boamp": 40}


def test_records_shifting_between_pages_never_duplicate(engine, db_url) -> None:
    """New records published while the crawl pages through a window are inserted before later pages."""
    records = clone_records(REAL, 250, dt.date(2024, 3, 1), 1)
    api_impl = BoampAPI(records)
    late = clone_records(REAL, 30, dt.date(2024, 3, 1), 1)
    for i, rec in enumerate(late):
        rec["idweb"] = rec["id"] = f"A{i:07d}"  # sorts before every T… id: shifts every later page

    def shift(req):
        if req.query.get("offset") == "100" and late:
            api_impl.records.extend(late)
            late.clear()

    api_impl.on_request = shift
    with ReplayServer() as server:
        api = server.mount("/boamp", api_impl)
        proc = crawl(db_url, api, "2024-03-01", "2024-03-01", "-s", "CONCURRENT_REQUESTS=1")
        assert proc.returncode == 0, proc.stderr[-3000:]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 280
        assert s.scalar(select(func.count(func.distinct(Notice.source_id)))) == 280


def test_unparseable_donnees_is_rejected_and_the_crawl_goes_on(engine, db_url) -> None:
    records = [dict(r) for r in REAL]
    records[0]["donnees"] = '{"ATTRIBUTION": '  # truncated JSON string
    dates = {r["dateparution"] for r in REAL}
    with ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(records))
        proc = crawl(db_url, api, min(dates), max(dates))
        assert proc.returncode == 0, proc.stderr[-3000:]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 20
        reject = s.scalars(select(Reject)).one()
        assert reject.record_id == records[0]["idweb"] and reject.stage == "parse" and "donnees" in reject.reason
        bad = s.scalars(select(Notice).where(Notice.source_id == records[0]["idweb"])).one()
        assert bad.parse_status == "error" and bad.revisions[0].raw  # raw kept


def test_bad_dates_are_a_usage_error(db_url) -> None:
    proc = run_soustrace(db_url, "crawl", "boamp", "--from", "2024-13-01", "--to", "2024-03-01")
    assert proc.returncode == 2 and "--from" in proc.stderr


def test_hostile_records_in_a_page_cost_only_themselves(engine, db_url) -> None:
    """One record nested 100 deep and one without idweb whose excerpt cuts an 'é' at byte 300: before, the
    excerpt's `decode()` raised and the page's records were lost; now each is a reject, the rest stored."""
    day = REAL[0]["dateparution"]
    nested: object = "fond"
    for _ in range(100):
        nested = [nested]
    deep = {"idweb": "24-DEEP", "dateparution": day, "x": nested}
    no_id = {"dateparution": day, "objet": "é" * 400}
    records = [*REAL[:5], deep, no_id, *REAL[5:]]
    dates = {r["dateparution"] for r in records}
    with ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(records))
        done = crawl(db_url, api, min(dates), max(dates))
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == len(REAL)
        rejects = {r.record_id: r.reason for r in s.scalars(select(Reject))}
    assert rejects.keys() == {"24-DEEP", None}
    assert "nested deeper than 64 levels" in rejects["24-DEEP"]
    assert rejects[None] == "record without idweb"
