"""`uses`: which contractors are hosted by a provider, with the evidence and the public money involved.

One row per hosting edge (not per evidence row, not per contract): the edge is the claim a journalist
makes ("X hosts on AWS, says its legal notice"), so it is the unit of the table. Each row carries:

* the edge: role, status, method, confidence, first/last seen;
* its best evidence (URL or notice id, quoted text, when seen) and `evidence_count`, the number of
  evidence rows behind it (see `soustrace.queries.evidence`);
* `disagreement`: providers that *other methods* found for the same organisation and role (NLP says
  OVH, DNS says AWS), so a conflicting signal is never hidden by the query that asked for one provider;
* `via`: the runs-on hop when the edge points at a provider that runs on the one asked for;
* `reported_contracts`: awards stated in prose (press, court, official; contracts of kind `reported`),
  counted apart and never added to the notice-backed ones, with their buyers and the quote and URL of
  the most confident one (`reported_buyers`, `reported_quote`, `reported_url`);
* the contracts of the organisation, filtered by --from/--to/--buyer/--cpv: `contracts_won` (roles
  winner, lead, member) with their `total_amount` (the contract's amount, so a group's members each show
  the whole amount; amounts in different currencies are never added: `total_amount` is empty and
  `currency` lists them), `subcontracts` (declared subcontractor), and buyers and first/last award
  dates over both.

Only organisations with at least one contract role (winner, lead, member, subcontractor) or reported award
matching the filters are listed, unless `include_without_contracts`: the question is about public
contractors.

Unfiltered answers read rows kept ready for every provider (`answer_cache`, one indexed SELECT); filtered
ones compute the same rows live (`answer_rows`). Both give the same frame, which a test checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine

from soustrace.queries import answer_cache
from soustrace.queries.answer_cache import DATE_COLUMNS, EPOCH_DAY, TIME_COLUMNS
from soustrace.queries.answer_rows import ANSWER_COLUMNS, CONTRACT_COLUMNS, REPORTED_COLUMNS, answer_records
from soustrace.queries.catalog import ProviderMatch, RunsOn, resolve_provider, runs_on_sources
from soustrace.queries.evidence import best_evidence
from soustrace.queries.filters import ContractFilter
from soustrace.queries.hosting import hosting_edges

USES_COLUMNS = [
    "contractor", "siren", "org_id", "provider_id", "provider", "via", "relation_id", "role", "status", "method",
    "confidence", "first_seen", "last_seen", "evidence_url", "evidence_ref", "evidence_text", "evidence_seen_at",
    "evidence_count", "disagreement", "contracts_won", "subcontracts", "total_amount", "currency", "n_buyers",
    "buyers", "first_award", "last_award", "reported_contracts", "reported_buyers", "reported_url", "reported_quote",
]
ORDER = (["total_amount", "contractor", "relation_id"], [False, True, True])
P = ParamSpec("P")
T = TypeVar("T")


def _without_gc_pauses(fn: Callable[P, T]) -> Callable[P, T]:
    """Run `fn` with the cyclic garbage collector paused (and restored as it was).

    An answer builds some 10^5 tuples, lists and dicts; those allocations trigger full collections that
    traverse every object of the process (pandas, SQLAlchemy) and cost as much as the answer itself (about
    a third of `uses aws` on 1M contracts). Pausing delays collection, it frees nothing less: any cycle made
    meanwhile is collected by the next pass after the answer.
    """
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


@_without_gc_pauses
def uses(engine: Engine, provider: str, *, date_from: str | dt.date | None = None,
         date_to: str | dt.date | None = None, buyer: str | None = None, role: str | None = None,
         cpv: str | None = None, current_only: bool = False, min_confidence: float = 0.0,
         include_without_contracts: bool = False, follow_runs_on: bool = True,
         with_contracts: bool = True, stored: bool = True) -> pd.DataFrame:
    """Contractors hosted by `provider` (catalog id, name or alias), one row per hosting edge.

    With `follow_runs_on`, edges to a provider that runs on `provider` count too (`via` says which).
    `with_contracts=False` leaves the contract columns empty and only checks that each organisation holds
    a contract role matching the filters (cheaper when computed live). `stored=False` computes the answer
    live even when the stored rows could serve it.
    """
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    conds = {"role": role, "current_only": current_only, "min_confidence": min_confidence}
    from_store = stored and not flt.active and answer_cache.ensure_fresh(engine)
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        via = runs_on_sources(conn, match.id) if match.id and follow_runs_on else {}
        if from_store:
            # (Without the contract columns, the answer's order is by name: the stored rows come so.)
            rows = answer_cache.read(conn, match, list(via), listed_only=not include_without_contracts,
                                     with_contracts=with_contracts, **conds)
        else:
            rows = answer_records(conn, hosting_edges(match, list(via), **conds), flt, with_contracts=with_contracts,
                                  include_without_contracts=include_without_contracts)
        via_ids = [f.relation_id for facts in via.values() for f in facts if f.relation_id]
        via_evidence = best_evidence(conn, via_ids) if via_ids and rows else {}
    via_texts = {pid: _via_text(pid, match, via, via_evidence) for pid in via}
    same = {k.lower() for k in (match.id, *via) if k} | match.names
    return _frame(rows, match, via_texts, same, with_contracts=with_contracts, stored=from_store)


def _frame(rows: list[tuple], match: ProviderMatch, via_texts: dict[str, str], same: set[str], *,
           with_contracts: bool, stored: bool) -> pd.DataFrame:
    """The answer from rows in ANSWER_COLUMNS order (stored rows: times in microseconds, already in order),
    built column by column. Times are UTC on both backends (SQLite gives them back without a zone)."""
    if not rows:
        return pd.DataFrame(columns=USES_COLUMNS)
    cols: dict[str, Any] = dict(zip(ANSWER_COLUMNS, zip(*rows, strict=True), strict=False))
    pids = cols["provider_id"]
    cols["provider"] = [match.name if p is None or p == match.id else p for p in pids]
    cols["via"] = [via_texts.get(p, "") if p else "" for p in pids]
    found = cols["other_findings"]  # few distinct lists: each is read once
    texts = {f: _disagreement(f, same) for f in set(found) if f}
    cols["disagreement"] = [texts[f] if f else "" for f in found]
    for col in TIME_COLUMNS:
        times = (pd.to_datetime(pd.array(cols[col], dtype="Int64"), unit="us", utc=True) if stored
                 else pd.to_datetime(list(cols[col]), utc=True))
        cols[col] = times.as_unit("us").array
    if stored:  # award dates as days since 1970: few distinct ones, each made once
        for col in DATE_COLUMNS:
            days = {d: dt.date.fromordinal(d + EPOCH_DAY) for d in set(cols[col]) if d is not None}
            cols[col] = [days[d] if d is not None else None for d in cols[col]]
    if not with_contracts:
        for col in (*CONTRACT_COLUMNS, *REPORTED_COLUMNS):
            cols[col] = [None] * len(rows)
    frame = _columns_frame({c: cols[c] for c in USES_COLUMNS})
    if stored:
        return frame
    return frame.sort_values(ORDER[0], ascending=ORDER[1], na_position="last", kind="stable").reset_index(drop=True)


def _columns_frame(cols: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame of columns of Python values, through Arrow: the types pandas infers, about twice as fast
    on a big answer. A column Arrow cannot type goes the pandas way (same result, slower)."""
    try:
        return pa.Table.from_pydict(cols).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.DataFrame(cols)


def _disagreement(findings: str, same: set[str]) -> str:
    """Providers other methods found (a JSON list of [provider, method]), without the one asked about."""
    return "; ".join(sorted({f"{prov} ({how})" for prov, how in json.loads(findings) if prov.lower() not in same}))


def _via_text(pid: str, match: ProviderMatch, via: dict[str, list[RunsOn]], via_evidence: dict) -> str:
    sources = [via_evidence[f.relation_id].url or via_evidence[f.relation_id].ref
               for f in via[pid] if f.relation_id in via_evidence]
    sources += [f"catalog: {f.stated_in}" for f in via[pid] if f.stated_in]
    return f"{pid} runs on {match.id}" + (f" ({'; '.join(s for s in sources if s)})" if sources else "")
