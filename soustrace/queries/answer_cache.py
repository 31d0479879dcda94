"""Keeping and reading the stored `uses` rows (`models.answers.HostingAnswer`).

The rows are rebuilt whole, from `answer_rows.answer_records` over every hosting edge, when the data
generation has moved since they were built (see `models.answers`): after a crawl, `refresh` is called by
the command that wrote, so the first question asked does not pay for it; any other writer's change is
caught by the generation check and rebuilt on the next read. A rebuild costs about what answering for
every provider at once costs (seconds on a million contracts), a read one indexed SELECT.

Only unfiltered answers read the stored rows: --from/--to/--buyer/--cpv change the contract columns, so
those answers are computed live.
"""

from __future__ import annotations

import datetime as dt
import logging
from operator import itemgetter

from sqlalchemy import Connection, Engine, Select, delete, insert, null, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from soustrace.models.answers import DATA, HOSTING_ANSWER, DataGeneration, HostingAnswer
from soustrace.queries.answer_rows import ANSWER_COLUMNS, CONTRACT_COLUMNS, REPORTED_COLUMNS, answer_records
from soustrace.queries.catalog import ProviderMatch
from soustrace.queries.filters import ContractFilter
from soustrace.queries.hosting import all_hosting_edges, provider_ids

MATCH_KEYS = ("dst_provider_id", "provider_name_lc")
INSERT_CHUNK = 5000
TIME_COLUMNS = ("first_seen", "last_seen", "evidence_seen_at")
TIME_INDEXES = tuple(ANSWER_COLUMNS.index(c) for c in TIME_COLUMNS)
DATE_COLUMNS = ("first_award", "last_award")
DATE_INDEXES = tuple(ANSWER_COLUMNS.index(c) for c in DATE_COLUMNS)
TOTAL_AMOUNT, CONTRACTOR, RELATION_ID, PROVIDER_ID = (
    ANSWER_COLUMNS.index(c) for c in ("total_amount", "contractor", "relation_id", "provider_id"))
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
log = logging.getLogger(__name__)


def generations(conn: Connection) -> tuple[int | None, int | None]:
    """(data generation, generation the stored rows were built from); None where the row is missing."""
    found = dict(conn.execute(select(DataGeneration.name, DataGeneration.generation)).all())
    return found.get(DATA), found.get(HOSTING_ANSWER)


def is_fresh(conn: Connection) -> bool:
    data, built = generations(conn)
    return data is not None and data == built


def refresh(engine: Engine, *, force: bool = False) -> bool:
    """Rebuild the stored rows if the data changed since they were built; True when they are fresh after.

    False (the caller then answers live) when the rows cannot be rebuilt now: another process holds the
    write lock, the database is read-only, or the generation rows are missing (a schema not made by the
    migrations).
    """
    try:
        with engine.begin() as conn:
            # Lock the row first (PostgreSQL): two readers finding the rows stale rebuild them once.
            lock = select(DataGeneration.generation).where(DataGeneration.name == HOSTING_ANSWER)
            if conn.dialect.name == "postgresql":
                lock = lock.with_for_update()
            if conn.scalar(lock) is None:
                return False
            data, built = generations(conn)
            if data is None:
                return False
            if data == built and not force:
                return True
            rows = answer_records(conn, all_hosting_edges(), ContractFilter(), include_without_contracts=True,
                                  keep=MATCH_KEYS)
            conn.execute(delete(HostingAnswer))
            names = [*ANSWER_COLUMNS, *MATCH_KEYS, "answer_rank", "name_rank", "position"]
            rows.sort(key=answer_order)  # a row's index is now its answer rank
            name_ranks = [0] * len(rows)
            for rank, i in enumerate(sorted(range(len(rows)), key=lambda i: name_order(rows[i]))):
                name_ranks[i] = rank
            ranked = sorted((_stored(r, i, name_ranks[i]) for i, r in enumerate(rows)), key=_storage_order)
            for start in range(0, len(ranked), INSERT_CHUNK):
                chunk = ranked[start:start + INSERT_CHUNK]
                conn.execute(insert(HostingAnswer), [dict(zip(names, (*r, pos), strict=True))
                                                     for pos, r in enumerate(chunk, start)])
            conn.execute(update(DataGeneration).where(DataGeneration.name == HOSTING_ANSWER).values(generation=data))
    except DBAPIError as exc:  # locked by a writer, a deadlock, a read-only database: answer live this time
        log.warning("stored answer rows not rebuilt, answering live: %s", exc.orig)
        return False
    if engine.dialect.name == "postgresql":
        # The old rows are dead tuples the reads would step over until autovacuum comes, and the planner
        # needs the new statistics; VACUUM runs outside a transaction, so after the commit.
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) hosting_answer")
        except DBAPIError as exc:  # not the table's owner: autovacuum will do it
            log.warning("VACUUM hosting_answer skipped: %s", exc.orig)
    return True


def read(conn: Connection, match: ProviderMatch, upper: list[str], *, role: str | None = None,
         current_only: bool = False, min_confidence: float = 0.0, listed_only: bool = True,
         with_contracts: bool = True) -> list[tuple]:
    """The stored rows (ANSWER_COLUMNS, then the two ranks; times in microseconds and award dates in days
    since 1970) of the edges pointing at the provider, in the answer's order (`answer_order`); with
    `with_contracts=False`, with the contract columns empty and in `name_order`. Either order comes from
    the stored ranks: no sort in the database.

    Fetched from the driver's cursor, as plain tuples: the columns are plain integers, floats and strings
    with nothing to convert, and skipping SQLAlchemy's row objects saves a tenth of the answer.
    """
    result = conn.execute(_select(match, upper, role=role, current_only=current_only,
                                  min_confidence=min_confidence, listed_only=listed_only,
                                  with_contracts=with_contracts))
    try:
        rows = result.cursor.fetchall()  # the driver's tuples, as they come
    finally:
        result.close()
    rows.sort(key=itemgetter(-2 if with_contracts else -1))
    return rows


def answer_order(row: tuple) -> tuple:
    """The order of an answer (ANSWER_COLUMNS row): largest total amount first, amounts unknown last, then
    contractor name (code points, as Python and pandas compare), unnamed last, then relation id."""
    amount, name = row[TOTAL_AMOUNT], row[CONTRACTOR]
    return (amount is None, -(amount or 0.0), name is None, name or "", row[RELATION_ID])


def name_order(row: tuple) -> tuple:
    """The order of an answer without its contract columns: contractor name (unnamed last), relation id."""
    name = row[CONTRACTOR]
    return (name is None, name or "", row[RELATION_ID])


def _stored(row: tuple, rank: int, name_rank: int) -> tuple:
    """A row of `answer_records` as it is stored: times in microseconds, dates in days, then its ranks."""
    out = list(row)
    for i in TIME_INDEXES:
        out[i] = micros(out[i])
    for i in DATE_INDEXES:
        out[i] = out[i].toordinal() - EPOCH_DAY if out[i] is not None else None
    return (*out, rank, name_rank)


def _storage_order(row: tuple) -> tuple:
    """Grouped by the keys a read selects on, in answer order within a group (see HostingAnswer.position)."""
    return (*(k or "" for k in row[-2 - len(MATCH_KEYS):-2]), row[PROVIDER_ID] or "", row[-2])


def micros(value: dt.datetime | None) -> int | None:
    """Microseconds since 1970-01-01 UTC; a naive time (SQLite drops the zone) is UTC, as the store wrote it."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - EPOCH) // dt.timedelta(microseconds=1)


def _select(match: ProviderMatch, upper: list[str], *, role: str | None, current_only: bool, min_confidence: float,
            listed_only: bool, with_contracts: bool = True) -> Select:
    """The stored rows matched as `hosting.matched_relation_ids` matches edges, under the same conditions."""
    t = HostingAnswer.__table__.c
    ids = provider_ids(match, upper)
    keys = []
    if ids:
        keys += [t.provider_id.in_(ids), t.dst_provider_id.in_(ids)]
    if match.names:
        keys.append(t.provider_name_lc.in_(sorted(match.names)))
    if not keys:
        keys.append(t.relation_id.is_(None))
    conds = [or_(*keys)]
    if current_only:
        conds.append(t.status == "current")
    if role:
        conds.append(t.role == role)
    if min_confidence:
        conds.append(t.confidence >= min_confidence)
    if listed_only:  # the organisations holding a contract role (a summary row has at least one) or a reported one
        conds.append((t.contracts_won + t.subcontracts + t.reported_contracts) > 0)
    # Without the contract columns, NULLs travel instead (the buyers' names are a third of a row's bytes).
    hidden = {*CONTRACT_COLUMNS, *REPORTED_COLUMNS}
    cols = [t[c] if with_contracts or c not in hidden else null().label(c) for c in ANSWER_COLUMNS]
    return select(*cols, t.answer_rank, t.name_rank).where(*conds)


def ensure_fresh(engine: Engine) -> bool:
    """True when the stored rows reflect the data, rebuilding them first if they do not (and can be)."""
    try:
        with engine.connect() as conn:
            if is_fresh(conn):
                return True
    except (OperationalError, ProgrammingError):  # a schema before migration 0004 (opened without upgrade)
        return False
    return refresh(engine)
