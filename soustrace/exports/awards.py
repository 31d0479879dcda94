"""A flat awards table: one row per (notice, lot, organisation, role), for spreadsheets and notebooks.

Columns: source, notice_id, lot, buyer, organization, national_id, role, amount, currency, award_date, then
buyer_siren, siren, party_amount, title, cpv, contract_id, notice_url. `amount` is the contract's (lot's)
amount: the members of a group each show the whole amount, so sum it per contract, not per row;
`party_amount` is an amount stated for that party alone (e.g. a subcontract act), when the source gives one.
`national_id` is the identifier exactly as the notice wrote it (a SIRET), `siren` the resolved legal unit.

Rows are streamed from SQL and written as they come (Parquet in row groups), so the export's memory does
not grow with the number of awards.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from soustrace.exports.atomic import atomic_path
from soustrace.models import Contract, Notice, Organization, PartyRole
from soustrace.queries.filters import ContractFilter

AWARD_COLUMNS = ["source", "notice_id", "lot", "buyer", "organization", "national_id", "role", "amount", "currency",
                 "award_date", "buyer_siren", "siren", "party_amount", "title", "cpv", "contract_id", "notice_url"]
AWARD_FORMATS = ("jsonl", "csv", "parquet")
SCHEMA = pa.schema([
    ("source", pa.string()), ("notice_id", pa.string()), ("lot", pa.string()), ("buyer", pa.string()),
    ("organization", pa.string()), ("national_id", pa.string()), ("role", pa.string()),
    ("amount", pa.decimal128(20, 2)), ("currency", pa.string()), ("award_date", pa.date32()),
    ("buyer_siren", pa.string()), ("siren", pa.string()), ("party_amount", pa.decimal128(20, 2)),
    ("title", pa.string()), ("cpv", pa.string()), ("contract_id", pa.int64()), ("notice_url", pa.string()),
])
BATCH = 5000


def iter_awards(engine: Engine, *, date_from: str | dt.date | None = None, date_to: str | dt.date | None = None,
                buyer: str | None = None, cpv: str | None = None, roles: tuple[str, ...] | None = None
                ) -> Iterator[dict[str, Any]]:
    """Award rows in (source, notice, lot, role, organisation) order, streamed."""
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    buyer_org = aliased(Organization, name="buyer_org")
    stmt = flt.apply(
        select(Notice.source, Notice.source_id.label("notice_id"), Contract.lot, buyer_org.name.label("buyer"),
               func.coalesce(PartyRole.name_as_written, Organization.name).label("organization"),
               PartyRole.national_id, PartyRole.role, Contract.amount, Contract.currency,
               Contract.award_date, buyer_org.siren.label("buyer_siren"), Organization.siren,
               PartyRole.amount.label("party_amount"), Contract.title, Contract.cpv,
               Contract.id.label("contract_id"), Notice.url.label("notice_url"))
        .select_from(PartyRole)
        .join(Contract, Contract.id == PartyRole.contract_id)
        .join(Notice, Notice.id == Contract.notice_id)
        .join(Organization, Organization.id == PartyRole.org_id)
        .outerjoin(buyer_org, buyer_org.id == Contract.buyer_id)
    ).order_by(Notice.source, Notice.source_id, Contract.lot, PartyRole.role, PartyRole.id)
    if roles:
        stmt = stmt.where(PartyRole.role.in_(roles))
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt).mappings():
            yield dict(row)


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_awards(rows: Iterator[dict[str, Any]], out: Path, fmt: str | None = None) -> int:
    """Write award rows as jsonl|csv|parquet (from the suffix when `fmt` is None); returns the row count."""
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in AWARD_FORMATS:
        raise ValueError(f"unknown awards format {fmt!r}: use one of {', '.join(AWARD_FORMATS)}")
    with atomic_path(out) as tmp:
        return _write_awards(rows, tmp, fmt)


def _write_awards(rows: Iterator[dict[str, Any]], out: Path, fmt: str) -> int:
    n = 0
    if fmt == "jsonl":
        with out.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({k: json_value(row.get(k)) for k in AWARD_COLUMNS}, ensure_ascii=False) + "\n")
                n += 1
    elif fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(AWARD_COLUMNS)
            for row in rows:
                w.writerow(["" if row.get(k) is None else json_value(row.get(k)) for k in AWARD_COLUMNS])
                n += 1
    else:
        with pq.ParquetWriter(out, SCHEMA) as writer:
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    writer.write_table(pa.Table.from_pylist(batch, schema=SCHEMA))
                    n += len(batch)
                    batch = []
            if batch or n == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=SCHEMA))
                n += len(batch)
    return n
