"""An infrastructure fault is not a data reject: a full disk or a revoked privilege stops the run (non-zero
exit, one clear line) and files no good record as a reject; only a record's own fault is quarantined; a
later successful store clears a record's stale rejects. On SQLite and PostgreSQL, with the real records of
the BOAMP API page of 2024-03-01."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session

from soustrace.cli import cli
from soustrace.db import make_engine
from soustrace.models import CrawlWindow, Notice, Reject
from soustrace.pipelines.faults import InfrastructureError, is_infrastructure_error
from soustrace.pipelines.ingest import iter_file
from soustrace.pipelines.store import Store
from tests.conftest import PG_URL
from tests.samples import FIXTURES

BOAMP_PAGE = FIXTURES / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
IDS = [r["idweb"] for r in json.loads(BOAMP_PAGE.read_bytes())["results"]]


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.scalar(select(func.count()).select_from(Notice)),
                conn.scalar(select(func.count()).select_from(Reject)))


def _disk_full_after(engine: Engine, notices: int) -> None:
    """From the `notices`+1-th notice insert on, the driver reports a full disk (as the real one would)."""
    seen = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _fail(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO NOTICE ") or "INSERT INTO notice (" in statement:
            seen["n"] += 1
            if seen["n"] > notices:
                if engine.dialect.name == "sqlite":
                    raise sqlite3.OperationalError("database or disk is full")
                import psycopg.errors

                raise psycopg.errors.DiskFull("could not extend file \"base/16384/2619\": No space left on device")


def test_full_disk_stops_the_run_without_false_rejects_and_a_rerun_stores_all(db_url: str, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    faulty = make_engine(db_url)
    _disk_full_after(faulty, 0)  # the bulk store writes these 20 notices in one statement
    monkeypatch.setattr("soustrace.commands.ingest.engine_from_ctx", lambda ctx: faulty)
    result = CliRunner().invoke(cli, ["-q", "--db", db_url, "ingest", str(BOAMP_PAGE)])
    assert result.exit_code == 2, result.output
    assert "stopped" in result.output and "disk is full" in result.output.replace("No space left", "disk is full")
    monkeypatch.undo()
    clean = make_engine(db_url)
    stored, rejects = _counts(clean)
    assert rejects == 0 and stored < len(IDS)
    # The same database once the disk has room again, and a database elsewhere: everything, no reject.
    elsewhere = make_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    for engine in (clean, elsewhere):
        result = CliRunner().invoke(cli, ["-q", "--db", str(engine.url.render_as_string(hide_password=False)),
                                          "ingest", str(BOAMP_PAGE)])
        assert result.exit_code == 0, result.output
        assert _counts(engine) == (len(IDS), 0)
    faulty.dispose()
    clean.dispose()
    elsewhere.dispose()


def test_sqlite_file_that_really_fills_up(tmp_path: Path) -> None:
    """A real SQLITE_FULL (max_page_count), not an injected one: the run stops, no reject is filed."""
    url = f"sqlite:///{tmp_path / 'small.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(engine, "connect")
    def _cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 40}")

    engine.dispose()
    with pytest.raises(InfrastructureError, match="disk is full"):
        Store(engine, batch_size=5).add_all(iter_file(BOAMP_PAGE))
    stored, rejects = _counts(make_engine(url))
    assert rejects == 0 and 0 < stored < len(IDS)


@contextmanager
def _role_without_insert_on_notice(db_url: str) -> Iterator[str]:
    """A database URL whose role may do everything on the test schema but INSERT notices (as if revoked)."""
    role = f"h18_{uuid.uuid4().hex[:8]}"
    schema = db_url.rsplit("%3D", 1)[1]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'REVOKE INSERT ON "{schema}".notice FROM "{role}"'))
    try:
        yield db_url.replace("postgres@", f"{role}@", 1)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("privileges are a PostgreSQL matter")


def test_revoked_insert_privilege_is_not_a_reject(engine: Engine, db_url: str) -> None:
    """The reported case: INSERT on the notice tables revoked mid-run filed 2,300 notices as rejects, exit 0."""
    _postgres_only(engine)
    Store(engine).add_all(r for r in iter_file(BOAMP_PAGE) if r.source_id in IDS[:5])
    with _role_without_insert_on_notice(db_url) as restricted_url:
        result = CliRunner().invoke(cli, ["-q", "--db", restricted_url, "ingest", str(BOAMP_PAGE)])
        assert result.exit_code == 2, result.output
        assert "InsufficientPrivilege" in result.output and "permission denied" in result.output
        assert _counts(engine) == (5, 0)
    result = CliRunner().invoke(cli, ["-q", "--db", db_url, "ingest", str(BOAMP_PAGE)])
    assert result.exit_code == 0, result.output
    assert _counts(engine) == (len(IDS), 0)


def test_crawl_into_a_database_that_refuses_writes_stops_non_zero(engine: Engine, db_url: str) -> None:
    """The same fault through a crawl (spider, item pipeline, ledger): exit 2, one clear line, no reject."""
    _postgres_only(engine)
    from replay import FAST_CRAWL, BoampAPI, ReplayServer, run_soustrace

    records = json.loads(BOAMP_PAGE.read_bytes())["results"]
    dates = sorted({r["dateparution"] for r in records})
    with _role_without_insert_on_notice(db_url) as restricted_url, ReplayServer() as server:
        api = server.mount("/boamp", BoampAPI(records))
        done = run_soustrace(restricted_url, "crawl", "boamp", "--from", dates[0], "--to", dates[-1],
                             "-s", f"BOAMP_API_URL={api}", *FAST_CRAWL)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "crawl boamp STOPPED" in done.stderr and "permission denied" in done.stderr
    assert _counts(engine) == (0, 0)


def test_a_records_own_fault_is_still_quarantined_alone(engine: Engine) -> None:
    """An integrity error of one record is that record's: it becomes a reject, the others are stored."""
    bad = IDS[7]

    @event.listens_for(engine, "before_cursor_execute")
    def _fail(conn, cursor, statement, parameters, context, executemany):
        if bad in str(parameters) and statement.lstrip().upper().startswith("INSERT INTO NOTICE "):
            if engine.dialect.name == "sqlite":
                raise sqlite3.IntegrityError("UNIQUE constraint failed: notice.source, notice.source_id")
            import psycopg.errors

            raise psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")

    stats = Store(engine, batch_size=5).add_all(iter_file(BOAMP_PAGE))
    assert (stats.stored, stats.rejects) == (len(IDS) - 1, 1)
    with engine.connect() as conn:
        assert list(conn.execute(select(Reject.record_id, Reject.stage))) == [(bad, "store")]
    event.remove(engine, "before_cursor_execute", _fail)
    # Stored at last: its stale reject goes.
    stats = Store(engine).add_all(iter_file(BOAMP_PAGE))
    assert stats.stored == 1
    assert _counts(engine) == (len(IDS), 0)


def test_classifier() -> None:
    import psycopg.errors
    from sqlalchemy import exc as sa_exc

    def wrapped(orig: Exception, cls: type = sa_exc.OperationalError) -> Exception:
        return cls("INSERT ...", {}, orig)

    assert is_infrastructure_error(wrapped(sqlite3.OperationalError("database or disk is full")))
    assert is_infrastructure_error(wrapped(sqlite3.OperationalError("attempt to write a readonly database")))
    assert is_infrastructure_error(wrapped(psycopg.errors.InsufficientPrivilege("permission denied"),
                                           sa_exc.ProgrammingError))
    assert is_infrastructure_error(wrapped(psycopg.errors.DiskFull("no space"), sa_exc.OperationalError))
    assert is_infrastructure_error(OSError(28, "No space left on device"))
    assert not is_infrastructure_error(wrapped(sqlite3.IntegrityError("UNIQUE"), sa_exc.IntegrityError))
    assert not is_infrastructure_error(wrapped(psycopg.errors.StringDataRightTruncation("value too long"),
                                               sa_exc.DataError))
    assert not is_infrastructure_error(ValueError("bad amount"))


def test_a_window_ending_in_a_failed_batch_is_not_settled(sqlite_url, monkeypatch) -> None:
    """A queued window's last batch fails on the disk: the window stays `running` (resumable), never `complete`."""
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from soustrace.pipelines.items import StorePipeline
    from soustrace.pipelines.store import Store
    from soustrace.pipelines.store.ledger import WindowLedger
    from soustrace.records import NoticeRecord

    crawler = get_crawler(settings_dict={"SOUSTRACE_DB": sqlite_url})
    pipeline = StorePipeline(crawler)
    ledger = WindowLedger(pipeline.engine)
    state = ledger.open("boamp", dt.date(2024, 3, 1), dt.date(2024, 3, 1))
    state.expected, state.ids = 1, {"24-1"}
    spider = SimpleNamespace(windows={state.id: state}, ledger=ledger)
    closed: list[str] = []
    crawler.engine = SimpleNamespace(close_spider=lambda _spider, reason: closed.append(reason))
    crawler.spider = spider

    def full_disk(self, batch):  # type: ignore[no-untyped-def]
        raise InfrastructureError("database or disk is full")

    monkeypatch.setattr(Store, "store_batch", full_disk)
    pipeline.batch.append(NoticeRecord(source="boamp", source_id="24-1", raw=b"<x/>"))
    assert pipeline.finish_window(spider, state.id) == "stopped" and closed == ["infrastructure_error"]
    with Session(pipeline.engine) as s:
        assert s.get(CrawlWindow, state.id).status == "running"
