"""A SQLite copy of any soustrace store (PostgreSQL included), for Datasette or for sending to a colleague.

The copy is a regular soustrace database: created by the same migrations (same schema, same triggers,
stamped at the latest revision), then filled table by table in dependency order, in pages of rows, from
one read transaction of the source (a consistent snapshot on PostgreSQL with REPEATABLE READ). The
generation triggers are dropped during the copy (one trigger per inserted row would double its cost) and
re-created after; the `data_generation` counters are copied as they were, so the stored answer rows
(`hosting_answer`) stay valid in the copy exactly when they were valid in the source. The file is written
under a temporary name and renamed at the end: an interrupted copy never leaves a half database at OUT.
The Datasette views are installed into the copy.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, select

from soustrace.db import make_engine
from soustrace.models import Base
from soustrace.models.answers import drop_generation_ddl, generation_ddl

PAGE = 5000


def _utc(value: object) -> object:
    """Aware datetimes as UTC (SQLite stores them as text without a zone, as the store writes them)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def copy_to_sqlite(source: Engine, out: Path, *, overwrite: bool = False) -> dict[str, int]:
    """Copy every table of `source` into a new SQLite file at `out`; returns the row count per table."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists (pass --force to replace it)")
    tmp = out.with_name(out.name + ".part")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    target = make_engine(f"sqlite:///{tmp}")
    counts: dict[str, int] = {}
    try:
        with target.begin() as dst:
            for sql in drop_generation_ddl("sqlite"):
                dst.exec_driver_sql(sql)
            dst.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in Base.metadata.sorted_tables:
                dst.execute(table.delete())
        src_conn = source.connect()
        if source.dialect.name == "postgresql":
            src_conn = src_conn.execution_options(isolation_level="REPEATABLE READ")
        with src_conn as src, src.begin(), target.begin() as dst:
            dst.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in Base.metadata.sorted_tables:
                n = 0
                result = src.execution_options(stream_results=True, yield_per=PAGE).execute(select(table))
                for rows in result.mappings().partitions(PAGE):
                    dst.execute(table.insert(), [{k: _utc(v) for k, v in row.items()} for row in rows])
                    n += len(rows)
                counts[table.name] = n
            for sql in generation_ddl("sqlite"):
                dst.exec_driver_sql(sql)
        with target.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.dispose()
    conn = sqlite3.connect(tmp)  # one self-contained file, no -wal beside it
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    os.replace(tmp, out)
    from soustrace.exports.datasette_app.views import install_views

    install_views(out)
    return counts
