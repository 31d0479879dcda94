"""Engines and schema upgrades: SQLite (embedded default) and PostgreSQL through psycopg 3.

The schema is created or upgraded with Alembic on first use, so a user never runs a separate setup step,
and the same migrations run in `soustrace db upgrade`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from soustrace.errors import SoustraceError

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


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def read_only_sqlite_uri(url: str) -> str | None:
    """A read-only SQLite URL for a database file this process cannot write, else None.

    Why: opened read-write, a read-only file cannot even be queried (WAL mode needs to create its `-shm`
    and `-wal` beside it). Opened with `mode=ro`, it can; and when not even the `-shm` can be created or
    written (a read-only directory or medium), `immutable=1` tells SQLite not to look for other writers.
    """
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or \
            database.startswith("file:") or parsed.query.get("mode"):
        return None
    path = Path(database)
    if not path.exists() or (os.access(path, os.W_OK) and os.access(path.parent or Path("."), os.W_OK)):
        return None
    shm = path.with_name(path.name + "-shm")
    shm_writable = os.access(shm, os.W_OK) if shm.exists() else os.access(path.parent or Path("."), os.W_OK)
    flags = "mode=ro" if shm_writable else "mode=ro&immutable=1"
    return f"sqlite:///file:{quote(str(path.resolve()))}?{flags}&uri=true"


class ReadOnlySchemaError(SoustraceError):
    """A read-only database whose schema is older than this version of soustrace."""


def make_engine(url: str | None = None, *, upgrade: bool = True, **kwargs: object) -> Engine:
    """An engine whose schema is at the latest migration (unless `upgrade=False`).

    A SQLite file this process cannot write is opened read-only (queries work; writes fail as
    infrastructure errors, never as rejects), and its schema must already be at the latest migration.
    """
    url = resolve_url(url)
    read_only = read_only_sqlite_uri(url)
    engine = create_engine(read_only or url, **kwargs)  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
    if read_only:
        if upgrade and current_revision(engine) != head_revision():
            raise ReadOnlySchemaError(f"{url}: read-only database at schema {current_revision(engine)}, this "
                                      f"soustrace needs {head_revision()}: upgrade it once from a writable copy")
        return engine
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
