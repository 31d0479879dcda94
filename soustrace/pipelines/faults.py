"""Is a failed write the record's fault or the infrastructure's? Only the first may become a reject.

Why: the store retries a failed batch record by record and quarantines the record that fails. When the
failure is not the record's — INSERT privilege revoked, a full disk, a dropped connection, a read-only
file — every record fails the same way, and a run filed 2,300 good notices as "permission denied"
rejects and exited 0. `is_infrastructure_error` tells the two apart (by SQLSTATE class on PostgreSQL, by
SQLite's result code or message, by errno); the store raises `InfrastructureError` for the first kind,
which stops the run with a non-zero exit and one clear line, and quarantines only the second.

Kept in its own module, free of the store's internals, so any store (record by record or bulk) asks the
same question.
"""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy import exc as sa_exc

from soustrace.errors import SoustraceError

# PostgreSQL SQLSTATE classes that never describe the record being written.
_PG_INFRA_CLASSES = {
    "08",  # connection exception
    "25",  # invalid transaction state (read-only transaction: 25006)
    "28",  # invalid authorization
    "3D",  # invalid catalog (database gone)
    "3F",  # invalid schema
    "40",  # transaction rollback: serialization failure, deadlock (retrying the record would hide it)
    "53",  # insufficient resources: disk full (53100), out of memory (53200), too many connections
    "54",  # program limit exceeded (statement too complex)
    "55",  # object not in prerequisite state (lock not available)
    "57",  # operator intervention: admin shutdown, query canceled, cannot connect now
    "58",  # system error: I/O error, undefined file
    "F0",  # configuration file error
    "HV",  # foreign data wrapper error
    "P0",  # PL/pgSQL raise (triggers of the schema itself)
    "XX",  # internal error, data corrupted
}
_PG_INFRA_CODES = {
    "42501",  # insufficient_privilege
    "42P01",  # undefined_table: the schema is not there (not migrated, dropped mid-run)
    "42703",  # undefined_column: the schema is older than the code
}
# SQLite primary result codes that never describe the record (sqlite3 ≥ 3.11 exposes them).
_SQLITE_INFRA_CODES = {
    3,  # SQLITE_PERM
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    26,  # SQLITE_NOTADB
}
_SQLITE_INFRA_MESSAGES = ("disk is full", "disk i/o error", "readonly database", "database is locked",
                          "unable to open database", "no such table", "no such column", "file is not a database",
                          "database disk image is malformed", "out of memory")
_OS_INFRA_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM,
                    errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.ECONNREFUSED, errno.ECONNRESET,
                    errno.EPIPE, errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH}


class InfrastructureError(SoustraceError):
    """The database, the disk or the network failed: the run stops, nothing is filed as a reject."""

    exit_code = 2


def is_infrastructure_error(exc: BaseException) -> bool:
    """True when `exc` says nothing about the record being written (so retrying another would fail alike)."""
    if isinstance(exc, InfrastructureError | MemoryError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError | sa_exc.OperationalError |
                                                             sa_exc.InternalError):
            return not _is_record_data_error(exc.orig)
        return _driver_says_infra(exc.orig)
    if isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError | sa_exc.ResourceClosedError):
        return True
    if isinstance(exc, sqlite3.Error):
        return _driver_says_infra(exc)
    if isinstance(exc, OSError):
        return exc.errno in _OS_INFRA_ERRNOS or isinstance(exc, ConnectionError | TimeoutError)
    return False


def describe(exc: BaseException) -> str:
    """One line for the user: what failed, without the SQL statement and its parameters."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"{type(orig).__name__}: {text}"[:500]


def _sqlstate(orig: object) -> str | None:
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


def _driver_says_infra(orig: object) -> bool:
    code = _sqlstate(orig)
    if code is not None:
        return code in _PG_INFRA_CODES or code[:2] in _PG_INFRA_CLASSES
    if isinstance(orig, sqlite3.Error):
        sqlite_code = getattr(orig, "sqlite_errorcode", None)
        if sqlite_code is not None and (sqlite_code & 0xFF) in _SQLITE_INFRA_CODES:
            return True
        message = str(orig).lower()
        return isinstance(orig, sqlite3.OperationalError) and any(m in message for m in _SQLITE_INFRA_MESSAGES)
    if isinstance(orig, OSError):
        return is_infrastructure_error(orig)
    return False


def _is_record_data_error(orig: object) -> bool:
    """An OperationalError that is still the record's own (PostgreSQL data exception, SQLite TOOBIG)."""
    code = _sqlstate(orig)
    if code is not None:
        return code[:2] in ("22", "23")
    if isinstance(orig, sqlite3.Error):
        return getattr(orig, "sqlite_errorcode", 0) & 0xFF == 18  # SQLITE_TOOBIG: the record's size
    return False
