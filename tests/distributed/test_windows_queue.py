"""BOAMP and TED windows as queued units: one worker process serves both, the ledger proves completeness,
and `--resume --queue` re-enqueues only the windows a dead worker left unfinished."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from replay import FAST_CRAWL, BoampAPI, DataGouvAPI, ReplayServer, TedAPI
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "spiders"))
from test_ted_spider import real_notices
from workers import REPO, cli, env

from soustrace.db import make_engine
from soustrace.distributed.queue import connect, read_unit, units_key
from soustrace.models import CrawlWindow, Notice

BOAMP = Path(__file__).parents[1] / "fixtures" / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"
REAL = json.loads(BOAMP.read_text())["results"]  # 20 real records (see SOURCES.md)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_boamp_and_ted_windows_through_the_queue(db_url: str, engine: Engine, redis_url: str, tmp_path: Path) -> None:
    day = dt.date.fromisoformat(min(r["dateparution"] for r in REAL))
    first, last = str(day - dt.timedelta(days=1)), str(day + dt.timedelta(days=1))
    with ReplayServer() as server:
        boamp = server.mount("/boamp", BoampAPI(REAL))
        ted = server.mount("/ted", TedAPI(real_notices(), server.url + "/ted"))
        out = cli(db_url, "crawl", "boamp", "--from", first, "--to", last, "--queue", redis_url,
                  "-s", "CRAWL_WINDOW_DAYS=1")
        assert out["enqueued"] == 3 and out["unit"] == "window"
        assert cli(db_url, "crawl", "ted", "--from", "2025-01-10", "--to", "2025-01-10", "--via", "api", "--queue",
                   redis_url)["enqueued"] == 1
        with Session(engine) as s:
            assert {w.status for w in s.scalars(select(CrawlWindow))} == {"pending"}
        queue = cli(db_url, "worker", "--queue", redis_url, "--status")["queue"]
        assert (queue["boamp"]["units"], queue["ted"]["units"], queue["disclosures"]["units"]) == (3, 1, 0)
        # A malformed unit (bad input) is rejected with its reason; the worker goes on with the others.
        client = connect(redis_url)
        client.rpush(units_key("boamp"), '{"from": "2024-13-01", "until": "x", "params": "", "campaign": "c"}')
        client.close()
        cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", redis_url, "--source", "boamp",
               "--source", "ted", "--idle-exit", "2", "-s", f"BOAMP_API_URL={boamp}", "-s", f"TED_API_URL={ted}",
               *FAST_CRAWL]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=300, cwd=REPO)
        assert proc.returncode == 0, proc.stderr[-4000:]
        stats = json.loads(proc.stdout[proc.stdout.index("{"):])
        assert stats["boamp"]["soustrace/windows_done"] == 3 and stats["ted"]["soustrace/windows_done"] == 1
        assert stats["boamp"]["soustrace/units_rejected"] == 1 and "2024-13-01" in proc.stderr
    with Session(engine) as s:
        windows = {(w.source, str(w.date_from)): w for w in s.scalars(select(CrawlWindow))}
        assert {w.status for w in windows.values()} == {"complete"}, [(w.status, w.error) for w in windows.values()]
        assert sum(w.stored for (source, _), w in windows.items() if source == "boamp") == 20  # 9 + 11 + 0
        assert windows[("ted", "2025-01-10")].stored == 1
        sources = sorted(n.source for n in s.scalars(select(Notice)))
        assert sources == ["boamp"] * 20 + ["ted"]
        # A worker killed inside a window leaves it running: --resume re-enqueues that one only.
        s.execute(update(CrawlWindow).where(CrawlWindow.source == "boamp", CrawlWindow.date_from == day)
                  .values(status="running"))
        s.commit()
    again = cli(db_url, "crawl", "boamp", "--from", first, "--to", last, "--resume", "--queue", redis_url,
                "-s", "CRAWL_WINDOW_DAYS=1")
    assert again["windows"] == [f"{day}..{day}"]


def test_enqueue_without_redis_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from soustrace.cli import cli as soustrace_cli

    res = CliRunner().invoke(soustrace_cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "crawl", "boamp", "--from",
                                             "2024-01-01", "--to", "2024-01-02", "--queue", "redis://127.0.0.1:1/0"])
    assert res.exit_code == 1 and "does not answer" in res.output
    with Session(make_engine(f"sqlite:///{tmp_path / 'x.db'}")) as s:
        assert s.scalars(select(CrawlWindow)).all() == []  # nothing marked queued


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_decp_window_settles_after_its_file_is_stored(db_url: str, engine: Engine, redis_url: str,
                                                      tmp_path: Path) -> None:
    """The window ends when the file pipeline has stored the file (in its thread), not with the listing."""
    from test_decp_spider import DATASET, REAL, expected_uids

    body = REAL.read_bytes()
    with ReplayServer() as server:
        api = server.mount("/dg", DataGouvAPI(DATASET, [("r2019", "decp-2019", body)], server.url + "/dg"))
        assert cli(db_url, "crawl", "decp", "--from", "2019-01-01", "--to", "2019-06-30", "--queue",
                   redis_url)["enqueued"] == 1
        cmd = [sys.executable, "-m", "soustrace", "--db", db_url, "worker", "--queue", redis_url, "--source", "decp",
               "--idle-exit", "2", "-s", f"DECP_API_URL={api}", "-s", f"DECP_CACHE_DIR={tmp_path}", *FAST_CRAWL]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=300, cwd=REPO)
        assert proc.returncode == 0, proc.stderr[-4000:]
    wanted = expected_uids(body, "2019-01-01", "2019-06-30")
    with Session(engine) as s:
        window = s.scalars(select(CrawlWindow)).one()
        assert window.status == "complete" and window.stored == window.expected >= len(wanted)  # + modifications
        assert {sid.rsplit("~", 1)[0] for sid in s.scalars(select(Notice.source_id))} == wanted


def test_read_unit_names_the_record_and_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    log = logging.getLogger("t")
    assert read_unit(b'{"host": "a", "campaign": "c", "targets": []}', ("host", "targets"), log)["host"] == "a"
    assert read_unit(b"not json", ("host",), log) is None
    assert read_unit(b'{"host": "a"}', ("host", "targets"), log) is None
    assert read_unit(b"[1]", ("host",), log) is None
    assert "missing targets" in caplog.text and "'not json'" in caplog.text and "not a JSON object" in caplog.text
