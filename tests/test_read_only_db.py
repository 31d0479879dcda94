"""A read-only SQLite file can be queried: it is opened read-only (before: WAL needed its -shm, nothing worked).

The file and its directory are made immutable (`chattr +i`: even root cannot write them), with the real
records of the BOAMP API page of 2024-03-01 in them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from soustrace.db import make_engine, read_only_sqlite_uri
from soustrace.pipelines.ingest import iter_file
from soustrace.pipelines.store import Store
from soustrace.pipelines.store.providers import ensure_providers_in
from tests.samples import FIXTURES, ROOT

BOAMP_PAGE = FIXTURES / "boamp" / "ods_api_v2.1_records_response_2024-03-01.json"


def _chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@pytest.fixture
def frozen_db(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "frozen"
    folder.mkdir()
    path = folder / "soustrace.db"
    engine = make_engine(f"sqlite:///{path}")
    Store(engine).add_all(iter_file(BOAMP_PAGE))
    with Session(engine) as session, session.begin():
        ensure_providers_in(session)  # the catalog, as any crawl loads it
    engine.dispose()
    assert sorted(p.name for p in folder.iterdir()) == ["soustrace.db"]  # -wal and -shm gone with the last close
    if not _chattr("+i", path, folder):
        pytest.skip("chattr +i is not available here (needs ext4-like filesystem and CAP_LINUX_IMMUTABLE)")
    try:
        yield path
    finally:
        _chattr("-i", folder, path)


def _soustrace(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soustrace", "-q", "--db", f"sqlite:///{db}", *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_read_only_database_is_queried_read_only(frozen_db: Path) -> None:
    assert read_only_sqlite_uri(f"sqlite:///{frozen_db}").endswith("?mode=ro&immutable=1&uri=true")
    stats = _soustrace(frozen_db, "db", "stats", "--format", "json")
    assert stats.returncode == 0, stats.stderr[-2000:]
    assert json.loads(stats.stdout)["notices"] == {"boamp": 20}
    chain = _soustrace(frozen_db, "query", "uses", "aws", "--all-orgs", "--format", "json")
    assert chain.returncode == 0, chain.stderr[-2000:]
    # Writing to it is an infrastructure fault: a clear line, exit 2, nothing half-done.
    ingest = _soustrace(frozen_db, "ingest", str(FIXTURES / "decp" / "official_examples_fictitious" / "Marche.xml"))
    assert ingest.returncode == 2, ingest.stderr[-2000:]
    assert "readonly database" in ingest.stderr and "Traceback" not in ingest.stderr
    assert sorted(p.name for p in frozen_db.parent.iterdir()) == ["soustrace.db"]


def test_writable_database_is_not_opened_read_only(tmp_path: Path) -> None:
    assert read_only_sqlite_uri(f"sqlite:///{tmp_path / 'new.db'}") is None  # does not exist yet
    assert read_only_sqlite_uri("sqlite://") is None
    assert read_only_sqlite_uri("postgresql+psycopg://u@h/db") is None
