"""Shared fixtures: a database on SQLite and on PostgreSQL, and paths to the shipped fixtures.

The PostgreSQL side runs against SOUSTRACE_TEST_PG_URL (default: the local server), in a schema of its own
per test. Where no server answers it is skipped with the reason, except when SOUSTRACE_REQUIRE_PG=1 (CI),
where a missing server fails the run instead of silently testing half the matrix.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from soustrace.db import make_engine

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("SOUSTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("SOUSTRACE_REQUIRE_PG") == "1"

_pg_problem: str | bool | None = False  # False = not probed yet


def pg_problem() -> str | None:
    """None when PostgreSQL answers, else why not (probed once per session)."""
    global _pg_problem
    if _pg_problem is False:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _pg_problem = None
        except Exception as exc:
            _pg_problem = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"[:300]
    return _pg_problem  # type: ignore[return-value]


def _require_pg() -> None:
    problem = pg_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"SOUSTRACE_REQUIRE_PG=1 but {problem}")
        pytest.skip(problem)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    _require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests of crawl logic at volume, where running the same crawl twice on two backends adds time,
    not coverage (the storage guarantees are asserted on both backends elsewhere)."""
    return f"sqlite:///{tmp_path / 'volume.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
