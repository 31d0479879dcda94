"""A load killed with SIGKILL in the middle leaves a consistent database, and re-running completes it.

Real records: the 4,530-record AIFE DECP file. The ingest runs in a subprocess that is killed as soon as its
first batch is visible, i.e. while later batches are being written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from samples import DECP_REAL
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.models import Contract, Evidence, Notice, NoticeRevision, PartyRole
from soustrace.parsers.decp.stream import iter_decp
from soustrace.records import NoticeRecord

AIFE = DECP_REAL / "decp-json_v1_data.gouv.fr_aife.json"


def invariants(engine) -> dict[str, int]:
    """Nothing half-written: every notice has its revision and its contract, every role its evidence."""
    with Session(engine) as s:
        notices = s.scalar(select(func.count()).select_from(Notice)) or 0
        no_revision = s.scalar(select(func.count()).select_from(Notice).where(
            ~Notice.id.in_(select(NoticeRevision.notice_id)))) or 0
        no_contract = s.scalar(select(func.count()).select_from(Notice).where(
            Notice.parse_status == "ok", ~Notice.id.in_(select(Contract.notice_id)))) or 0
        no_evidence = s.scalar(select(func.count()).select_from(PartyRole).where(
            ~PartyRole.id.in_(select(Evidence.party_role_id).where(Evidence.party_role_id.is_not(None))))) or 0
    assert (no_revision, no_contract, no_evidence) == (0, 0, 0)
    return {"notices": notices}


def ingest(db_url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "soustrace", "--db", db_url, "-q", "ingest", str(AIFE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})


def test_killed_ingest_leaves_consistent_data_and_rerun_completes(engine, db_url) -> None:
    expected = {r.source_id for r in iter_decp(AIFE) if isinstance(r, NoticeRecord)}
    proc = ingest(db_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        with Session(engine) as s:
            if (s.scalar(select(func.count()).select_from(Notice)) or 0) > 0:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = invariants(engine)["notices"]
    assert 0 < partial < len(expected)  # killed mid-way, with whole batches only
    rerun = ingest(db_url)
    assert rerun.wait(timeout=600) == 0, rerun.stderr.read()[-2000:] if rerun.stderr else ""
    assert invariants(engine)["notices"] == len(expected)
    with Session(engine) as s:
        assert set(s.scalars(select(Notice.source_id))) == expected
