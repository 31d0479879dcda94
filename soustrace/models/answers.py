"""The stored rows of the unfiltered `uses` answer, and the data generation that says when they are stale.

`query uses aws` on a million contracts cannot join edges, best evidence, other findings, contract totals
and buyer names in under a tenth of a second; reading 12k ready rows by one index can. `hosting_answer`
holds one ready row per hosting edge (whatever its provider), rebuilt from the source tables.

A cache is only worth its speed if it is never stale, whoever wrote: the store, a migration, a hand-run SQL
statement. So the database itself counts changes: a trigger on every table an answer reads bumps the
`data` row of `data_generation` inside the writer's transaction, and the rebuild records, in the
`hosting_answer` row, the generation it was built from. A reader uses the rows only when both are equal.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from soustrace.models.base import Base

DATA = "data"  # the data_generation row bumped by the triggers
HOSTING_ANSWER = "hosting_answer"  # the row recording the generation `hosting_answer` was built from
# Every table whose rows a `uses` row is computed from (organisation summaries derive from contract and
# party_role, so they are covered by those).
ROW_EVENTS = ("INSERT", "UPDATE", "DELETE")  # SQLite: one trigger per table and event
WATCHED_TABLES = ("notice", "document", "organization", "contract", "party_role", "site", "relation", "evidence")


class DataGeneration(Base):
    __tablename__ = "data_generation"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class HostingAnswer(Base):
    """One row per hosting edge that is not negated, as `uses` shows it before it knows the provider asked.

    The provider columns are there to find the rows of one provider the three ways `queries.hosting`
    matches edges: `provider_id` (the edge's, else its destination organisation's), `dst_provider_id`,
    and `provider_name_lc` (the name as written, lower-cased, when the edge has no catalog id).
    `other_findings` is a JSON list of [provider, method] found for the same organisation and role by
    other methods (the query drops the provider asked about). Contract columns are the organisation's
    totals over all its contracts (unfiltered answers only).
    """

    __tablename__ = "hosting_answer"
    __table_args__ = (
        Index("ix_hosting_answer_provider", "provider_id"),
        Index("ix_hosting_answer_dst_provider", "dst_provider_id"),
        Index("ix_hosting_answer_provider_name", "provider_name_lc"),
    )

    # Rows are stored grouped by provider, so the rows of one answer lie together on disk (SQLite stores a
    # table in primary key order, PostgreSQL in insertion order): a read touches few pages.
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    relation_id: Mapped[int]
    provider_id: Mapped[str | None] = mapped_column(String(64))
    dst_provider_id: Mapped[str | None] = mapped_column(String(64))
    provider_name_lc: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[int | None]
    contractor: Mapped[str | None] = mapped_column(Text)
    siren: Mapped[str | None] = mapped_column(String(9))
    role: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(12))
    confidence: Mapped[float] = mapped_column(Float)
    # Times as microseconds since 1970-01-01 UTC: read as plain integers (no per-value time zone objects),
    # turned into one UTC column by pandas at once. Likewise award dates, in days.
    first_seen: Mapped[int | None] = mapped_column(BigInteger)
    last_seen: Mapped[int | None] = mapped_column(BigInteger)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    evidence_ref: Mapped[str | None] = mapped_column(Text)
    evidence_text: Mapped[str | None] = mapped_column(Text)
    evidence_seen_at: Mapped[int | None] = mapped_column(BigInteger)
    evidence_count: Mapped[int]
    other_findings: Mapped[str | None] = mapped_column(Text)
    contracts_won: Mapped[int]
    subcontracts: Mapped[int]
    total_amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(Text)
    n_buyers: Mapped[int]
    buyers: Mapped[str | None] = mapped_column(Text)
    first_award: Mapped[int | None]  # days since 1970-01-01 (as plain integers on both backends)
    last_award: Mapped[int | None]
    # Awards stated in prose (contracts of kind `reported`), never added to the columns above: how many,
    # their buyers, and the quote and URL of the most confident one.
    reported_contracts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reported_buyers: Mapped[str | None] = mapped_column(Text)
    reported_url: Mapped[str | None] = mapped_column(Text)
    reported_quote: Mapped[str | None] = mapped_column(Text)
    # The row's place in the answer's order (largest total amount first, then contractor name in code-point
    # order, then relation id), so a read needs no sort.
    answer_rank: Mapped[int]
    name_rank: Mapped[int]  # its place by contractor name then relation id (the order without amounts)


def generation_ddl(dialect: str) -> list[str]:
    """The statements that make every write to a watched table bump the `data` generation.

    PostgreSQL fires once per statement and bumps once per transaction; SQLite only has row triggers (an
    UPDATE in place of one row: cheap).
    """
    bump = f"UPDATE data_generation SET generation = generation + 1 WHERE name = '{DATA}';"
    if dialect == "postgresql":
        # Once per transaction: each UPDATE of a row inside one transaction adds a row version the next one
        # walks through, so a bump per statement would make a batch of n statements cost n^2. The flag is
        # transaction-local (set_config(..., true)): it goes with a commit, a rollback or a rolled-back savepoint.
        out = ["CREATE OR REPLACE FUNCTION soustrace_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "IF coalesce(current_setting('soustrace.generation_bumped', true), '') <> 'on' THEN "
               f"{bump} PERFORM set_config('soustrace.generation_bumped', 'on', true); END IF; "
               "RETURN NULL; END $$"]
        out += [f"CREATE TRIGGER bump_generation_{t} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION soustrace_bump_generation()" for t in WATCHED_TABLES]
        return out
    return [f"CREATE TRIGGER bump_generation_{t}_{op.lower()} AFTER {op} ON {t} BEGIN {bump} END"
            for t in WATCHED_TABLES for op in ROW_EVENTS]


def drop_generation_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS bump_generation_{t} ON {t}" for t in WATCHED_TABLES),
                "DROP FUNCTION IF EXISTS soustrace_bump_generation()"]
    return [f"DROP TRIGGER IF EXISTS bump_generation_{t}_{op.lower()}" for t in WATCHED_TABLES for op in ROW_EVENTS]


SEED_ROWS = (f"INSERT INTO data_generation (name, generation) VALUES ('{DATA}', 1)",
             f"INSERT INTO data_generation (name, generation) VALUES ('{HOSTING_ANSWER}', 0)")


def _install_after_create(target, connection, tables=(), **_kw) -> None:  # type: ignore[no-untyped-def]
    """`Base.metadata.create_all` (used outside migrations) gets the same rows and triggers as migration 0004."""
    if DataGeneration.__table__ not in tables:  # the schema existed already: so do its rows and triggers
        return
    for sql in (*SEED_ROWS, *generation_ddl(connection.dialect.name)):
        connection.exec_driver_sql(sql)


event.listen(Base.metadata, "after_create", _install_after_create)
