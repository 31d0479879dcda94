"""Engines and schema upgrades: SQLite (embedded default) and PostgreSQL through psycopg 3.

The schema is created or upgraded with Alembic on first use, so a user never runs a separate setup step,
and the same migrations run in `soustrace db upgrade`.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///soustrace.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def resolve_url(url: str | None = None) -> str:
    url = url or os.environ.get("SOUSTRACE_DB") or DEFAULT_DB_URL
    if url.startswith("postgresql://"):  # plain URLs go through psycopg 3, not psycopg2
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None, *, upgrade: bool = True, **kwargs: object) -> Engine:
    """An engine whose schema is at the latest migration (unless `upgrade=False`)."""
    url = resolve_url(url)
    engine = create_engine(url, **kwargs)  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if upgrade:
        upgrade_schema(engine)
    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_schema(engine: Engine) -> bool:
    """Bring the schema to head; returns True if anything ran. Cheap when already at head."""
    if current_revision(engine) == head_revision():
        return False
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
