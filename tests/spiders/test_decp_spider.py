"""The DECP spider against a replay of data.gouv.fr: resource choice by period, streaming load, truncation."""

from __future__ import annotations

import json
from pathlib import Path

from replay import DataGouvAPI, ReplayServer, run_soustrace
from samples import DECP_REAL
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.models import Contract, Notice

REAL = DECP_REAL / "decp-json_v1_e-marchespublics.json"
DATASET = "5cd57bf68b4c4179299eb0e9"


def expected_uids(body: bytes, start: str, end: str) -> set[str]:
    """Computed independently of the loader: contracts notified inside [start, end] (dates as strings)."""
    out = set()
    for rec in json.loads(body)["marches"]:
        date = str(rec.get("dateNotification") or "")[:10]
        if start <= date <= end:
            out.add(rec.get("uid") or f"{rec['acheteur']['id']}{rec['id']}")
    return out


def crawl(db_url: str, api: str, cache: Path, start: str, end: str, *extra: str):
    return run_soustrace(
        db_url,
        "crawl",
        "decp",
        "--from",
        start,
        "--to",
        end,
        "-s",
        f"DECP_API_URL={api}",
        "-s",
        f"DECP_CACHE_DIR={cache}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        *extra,
    )


def test_chosen_by_period_and_filtered_by_notification_date(engine, db_url, tmp_path) -> None:
    """The real 470-record file served as `decp-2019` (the title is replay metadata); a `decp-2017`
    resource outside the period must not even be downloaded."""
    body = REAL.read_bytes()
    with ReplayServer() as server:
        api_impl = DataGouvAPI(
            DATASET, [("r2019", "decp-2019", body), ("r2017", "decp-2017", b"{}")], server.url + "/dg"
        )
        api = server.mount("/dg", api_impl)
        proc = crawl(db_url, api, tmp_path, "2019-01-01", "2019-06-30")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert not any("r2017" in path for _, path, _ in server.log)
        again = crawl(db_url, api, tmp_path, "2019-01-01", "2019-06-30")
        assert again.returncode == 0
    wanted = expected_uids(body, "2019-01-01", "2019-06-30")
    with Session(engine) as s:
        assert {sid.rsplit("~", 1)[0] for sid in s.scalars(select(Notice.source_id))} == wanted
        assert s.scalar(select(func.count()).select_from(Contract)) >= len(wanted)


def test_truncated_download_fails_the_window(engine, db_url, tmp_path) -> None:
    body = REAL.read_bytes()
    with ReplayServer() as server:
        api_impl = DataGouvAPI(DATASET, [("r2019", "decp-2019", body)], server.url + "/dg")
        api_impl.truncate.add("r2019")
        api = server.mount("/dg", api_impl)
        proc = crawl(db_url, api, tmp_path, "2019-01-01", "2019-12-31")
    assert proc.returncode == 1
    assert "truncated download" in proc.stderr
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 0
