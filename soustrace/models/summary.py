"""Per-organisation contract totals, kept up to date by the store.

`query uses aws` lists, for every contractor on a provider, how many contracts it won, for how much, for
which buyers and when. On a million contracts that aggregation is the slow part of the answer; this table
holds it per organisation, refreshed by the storage pipeline for exactly the organisations a batch touched
(same transaction), so unfiltered answers read one row per contractor. Filtered answers (dates, buyer,
CPV) still aggregate live. The rows are derived data: `refresh_summaries(session, None)` rebuilds them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, Select, String, Text, case, cast, delete, distinct, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from soustrace.models.base import Base
from soustrace.models.contract import Contract, PartyRole

WON_ROLES = ("winner", "lead", "member")
CONTRACTOR_ROLES = (*WON_ROLES, "subcontractor")


class OrgContractSummary(Base):
    __tablename__ = "org_contract_summary"

    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    contracts_won: Mapped[int]
    subcontracts: Mapped[int]
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))  # over won contracts with an amount
    n_currencies: Mapped[int]
    currency_min: Mapped[str | None] = mapped_column(String(3))
    currency_max: Mapped[str | None] = mapped_column(String(3))
    first_award: Mapped[dt.date | None]
    last_award: Mapped[dt.date | None]
    buyer_ids: Mapped[str | None] = mapped_column(Text)  # distinct buyer ids, comma-separated


def role_pairs(org_ids: Iterable[int] | None = None, contract_ids: Iterable[int] | None = None) -> Any:
    """Distinct (org, contract, won?) so an organisation that is both winner and lead is counted once."""
    won = case((PartyRole.role == "subcontractor", 0), else_=1).label("won")
    stmt = select(PartyRole.org_id, PartyRole.contract_id, won).where(PartyRole.role.in_(CONTRACTOR_ROLES))
    if org_ids is not None:
        stmt = stmt.where(PartyRole.org_id.in_(list(org_ids)))
    if contract_ids is not None:  # the totals of these contracts only (the store's increments)
        stmt = stmt.where(PartyRole.contract_id.in_(list(contract_ids)))
    return stmt.distinct().subquery()


def distinct_ids_text(dialect: str, column: Any) -> Any:
    """Distinct ids of a group as one comma-separated string (group_concat / string_agg per dialect)."""
    if dialect == "postgresql":
        return func.string_agg(distinct(cast(column, Text)), ",")
    return func.group_concat(distinct(column))


def aggregate_select(dialect: str, org_ids: Iterable[int] | None = None,
                     contract_ids: Iterable[int] | None = None) -> Select:
    """One row per organisation: the columns of OrgContractSummary (filters are added by callers)."""
    pairs = role_pairs(org_ids, contract_ids)
    is_won = pairs.c.won == 1
    won_currency = case((is_won & Contract.amount.is_not(None), Contract.currency))
    return select(
        pairs.c.org_id,
        func.count(case((is_won, 1))).label("contracts_won"),
        func.count(case((pairs.c.won == 0, 1))).label("subcontracts"),
        func.sum(case((is_won, Contract.amount))).label("total_amount"),
        func.count(distinct(won_currency)).label("n_currencies"),
        func.min(won_currency).label("currency_min"),
        func.max(won_currency).label("currency_max"),
        func.min(Contract.award_date).label("first_award"),
        func.max(Contract.award_date).label("last_award"),
        distinct_ids_text(dialect, Contract.buyer_id).label("buyer_ids"),
    ).join(Contract, Contract.id == pairs.c.contract_id).group_by(pairs.c.org_id)


def refresh_summaries(session: Session, org_ids: Iterable[int] | None) -> None:
    """Recompute the rows of these organisations (all of them with None) inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    ids = None if org_ids is None else sorted(set(org_ids))
    if ids == []:
        return
    chunks = [None] if ids is None else [ids[i:i + 5000] for i in range(0, len(ids), 5000)]
    for chunk in chunks:
        table = OrgContractSummary.__table__
        gone = delete(table) if chunk is None else delete(table).where(table.c.org_id.in_(chunk))
        session.execute(gone)
        source = aggregate_select(dialect, chunk)
        session.execute(insert(table).from_select([c.name for c in source.selected_columns], source))
