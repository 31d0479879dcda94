"""Per-organisation contract totals moved by the contracts a batch created, not re-aggregated from history.

`refresh_summaries` recomputes an organisation's row from all its roles: its cost grows with the
organisation's history, so a store that refreshes every contractor of every batch that way slows down as the
database grows (a large buyer or winner appears in every batch). Here a batch aggregates *its own* new
contracts (the same `aggregate_select`, restricted to them) and adds that to the stored rows: counts and
sums add, dates take min/max, buyer id sets unite. What cannot be added exactly is recomputed as before:
organisations that lost roles (a revised or re-parsed notice), and the rare one whose distinct currencies
the stored row cannot tell (more than two known, and a new one between its min and max).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from soustrace.models import OrgContractSummary
from soustrace.models.summary import aggregate_select, refresh_summaries

SUMMARY = OrgContractSummary.__table__
COLUMNS = [c.name for c in SUMMARY.columns]
CHUNK = 500


def refresh_incrementally(s: Session, new_contracts: list[int], full_orgs: set[int]) -> None:
    """Add the totals of `new_contracts` to their organisations' rows; recompute `full_orgs` from scratch."""
    full = set(full_orgs)
    dialect = s.get_bind().dialect.name
    deltas: dict[int, dict[str, Any] | None] = {}
    for i in range(0, len(new_contracts), CHUNK):
        for row in s.execute(aggregate_select(dialect, contract_ids=new_contracts[i:i + CHUNK])):
            d = _as_dict(row)
            prev = deltas.get(d["org_id"], d)
            deltas[d["org_id"]] = d if prev is d else (None if prev is None else _merge(prev, d))
    for org_id in list(deltas):
        if org_id in full or deltas[org_id] is None:
            full.add(org_id)
            deltas.pop(org_id)
    ids = sorted(deltas)
    merged: list[dict[str, Any]] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        stored = {r.org_id: _as_dict(r) for r in s.execute(select(SUMMARY).where(SUMMARY.c.org_id.in_(chunk)))}
        for org_id in chunk:
            delta = deltas[org_id]
            assert delta is not None
            row = _merge(stored[org_id], delta) if org_id in stored else delta
            if row is None:
                full.add(org_id)
            else:
                merged.append(row)
        s.execute(delete(SUMMARY).where(SUMMARY.c.org_id.in_(chunk)))
    if merged:
        s.execute(SUMMARY.insert(), [{**r, "buyer_ids": _ids_text(r["buyer_ids"])} for r in merged])
    if full:
        refresh_summaries(s, full)


def _as_dict(row: Any) -> dict[str, Any]:
    d = dict(row._mapping)
    d["buyer_ids"] = {int(x) for x in str(d["buyer_ids"]).split(",") if x} if d.get("buyer_ids") else set()
    return d


def _ids_text(ids: set[int]) -> str | None:
    return ",".join(map(str, sorted(ids))) or None


def _currencies(row: dict[str, Any]) -> set[str] | None:
    """The row's distinct currencies when it can tell them (min and max are all of them up to two)."""
    if row["n_currencies"] > 2:
        return None
    return {c for c in (row["currency_min"], row["currency_max"]) if c}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """a + b, or None when the distinct currencies of the sum cannot be told from the two rows."""
    add = _currencies(b)
    if add is None:
        return None
    known = _currencies(a)
    n = a["n_currencies"]
    if known is not None:
        union = known | add
        n, low, high = len(union), min(union, default=None), max(union, default=None)
    else:
        low, high = a["currency_min"], a["currency_max"]
        for c in add:
            if c in (low, high):
                continue
            if c < low:
                low, n = c, n + 1
            elif c > high:
                high, n = c, n + 1
            else:
                return None
    amounts = [x for x in (a["total_amount"], b["total_amount"]) if x is not None]
    firsts = [x for x in (a["first_award"], b["first_award"]) if x is not None]
    lasts = [x for x in (a["last_award"], b["last_award"]) if x is not None]
    return {"org_id": a["org_id"], "contracts_won": a["contracts_won"] + b["contracts_won"],
            "subcontracts": a["subcontracts"] + b["subcontracts"], "total_amount": sum(amounts) if amounts else None,
            "n_currencies": n, "currency_min": low, "currency_max": high,
            "first_award": min(firsts, default=None), "last_award": max(lasts, default=None),
            "buyer_ids": a["buyer_ids"] | b["buyer_ids"]}
