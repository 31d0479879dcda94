"""`uses`: which contractors are hosted by a provider, with the evidence and the public money involved.

One row per hosting edge (not per evidence row, not per contract): the edge is the claim a journalist
makes ("X hosts on AWS, says its legal notice"), so it is the unit of the table. Each row carries:

* the edge: role, status, method, confidence, first/last seen;
* its best evidence (URL or notice id, quoted text, when seen) and `evidence_count`, the number of
  evidence rows behind it (see `soustrace.queries.evidence`);
* `disagreement`: providers that *other methods* found for the same organisation and role (NLP says
  OVH, DNS says AWS), so a conflicting signal is never hidden by the query that asked for one provider;
* `via`: the runs-on hop when the edge points at a provider that runs on the one asked for;
* the contracts of the organisation, filtered by --from/--to/--buyer/--cpv: `contracts_won` (roles
  winner, lead, member) with their `total_amount` (the contract's amount, so a group's members each show
  the whole amount; amounts in different currencies are never added: `total_amount` is empty and
  `currency` lists them), `subcontracts` (declared subcontractor), and buyers and first/last award
  dates over both.

Only organisations with at least one contract role (winner, lead, member, subcontractor) matching the
filters are listed, unless `include_without_contracts`: the question is about public contractors.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    any_,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from soustrace.models import (
    Contract,
    Document,
    Evidence,
    Notice,
    Organization,
    OrgContractSummary,
    PartyRole,
    Relation,
    Site,
)
from soustrace.models.summary import aggregate_select
from soustrace.queries.catalog import ProviderMatch, RunsOn, resolve_provider, runs_on_sources
from soustrace.queries.evidence import best_evidence
from soustrace.queries.filters import CONTRACTOR_ROLES, ContractFilter
from soustrace.queries.hosting import hosting_edges

USES_COLUMNS = [
    "contractor", "siren", "org_id", "provider_id", "provider", "via", "relation_id", "role", "status", "method",
    "confidence", "first_seen", "last_seen", "evidence_url", "evidence_ref", "evidence_text", "evidence_seen_at",
    "evidence_count", "disagreement", "contracts_won", "subcontracts", "total_amount", "currency", "n_buyers",
    "buyers", "first_award", "last_award",
]
CONTRACT_COLUMNS = ["contracts_won", "subcontracts", "total_amount", "currency", "n_buyers", "buyers", "first_award",
                    "last_award"]
MAX_BUYERS_LISTED = 10
N_EDGE_FIELDS = 19  # the fields of each row of `_edge_rows` before its `extra` ones
P = ParamSpec("P")
T = TypeVar("T")
SUMMARY_COLUMNS = ["org_id", "contracts_won", "subcontracts", "total_amount", "n_currencies", "currency_min",
                   "currency_max", "first_award", "last_award", "buyer_ids"]


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
         with_contracts: bool = True) -> pd.DataFrame:
    """Contractors hosted by `provider` (catalog id, name or alias), one row per hosting edge.

    With `follow_runs_on`, edges to a provider that runs on `provider` count too (`via` says which).
    `with_contracts=False` skips the amounts, buyers and dates (the expensive part on a big database: a
    pass over every contract of every listed organisation) and only checks that each organisation holds
    a contract role matching the filters; the contract columns are then empty.
    """
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    # Unfiltered, the per-organisation totals are read from the summary table in the same statement.
    from_summary = with_contracts and not flt.active
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        via = runs_on_sources(conn, match.id) if match.id and follow_runs_on else {}
        conds = {"role": role, "current_only": current_only, "min_confidence": min_confidence}
        check_roles = not with_contracts and not include_without_contracts
        # With --buyer, only the organisations holding a role on the buyer's contracts can be listed: the
        # statement is narrowed to them up front (read from the buyer's side, its contracts are few).
        holders = _buyer_holders(flt) if flt.buyer and not include_without_contracts else None
        # (Its organisations all hold a matching role: no need to check that per edge.)
        role_filter = flt if check_roles and holders is None else None
        stmt = _edge_rows(conn.dialect.name, match, list(via), conds, role_filter, from_summary, holders)
        records = conn.execute(stmt).all()
        if not records:
            return pd.DataFrame(columns=USES_COLUMNS)
        contracts: dict[int, tuple] = {}  # org id -> its values of CONTRACT_COLUMNS
        if from_summary:
            aggregates: dict[int, dict] = {}
            for rec in records:
                if rec[N_EDGE_FIELDS] is not None and rec[1] not in aggregates:  # a summary row: contracts
                    aggregates[rec[1]] = _summary_aggregate(*rec[N_EDGE_FIELDS + 1:])
            buyers = _buyer_names(conn, aggregates)
            contracts = {org: _contract_values(agg, buyers[org]) for org, agg in aggregates.items()}
        elif check_roles:
            contracts = {rec[1]: _NO_CONTRACTS for rec in records if role_filter is None or rec[N_EDGE_FIELDS]}
        elif with_contracts:  # filtered: aggregated live over the (few) matching contracts
            org_ids = sorted({rec[1] for rec in records if rec[1] is not None})
            aggregates = {}
            for chunk in _chunks(org_ids):
                aggregates.update(_contract_aggregates(conn, chunk, flt, True))
            buyers = _buyer_names(conn, aggregates)
            contracts = {org: _contract_values(agg, buyers[org]) for org, agg in aggregates.items()}
        via_ids = [f.relation_id for facts in via.values() for f in facts if f.relation_id]
        via_evidence = best_evidence(conn, via_ids) if via_ids else {}
        by_site = _site_findings(conn)
    same = {k.lower() for k in (match.id, *via) if k} | match.names
    via_texts = {pid: _via_text(pid, match, via, via_evidence) for pid in via}
    rows = []
    for rec in records:
        values = contracts.get(rec[1])
        if values is None:
            if not include_without_contracts:
                continue
            values = _NO_CONTRACTS
        (relation_id, org_id, edge_role, status, method, confidence, first_seen, last_seen, pid, name, siren,
         n_evidence, others, ev_text, ev_seen_at, ev_url, ev_source, ev_source_id, ev_document_id) = rec[:N_EDGE_FIELDS]
        edge_role = edge_role or "host"
        found = [] if others is None or others == "[]" else json.loads(others) if isinstance(others, str) else others
        if org_id in by_site:
            found += [(prov, how) for prov, how, orole in by_site[org_id] if orole == edge_role and how != method]
        disagreement = "; ".join(sorted({f"{prov} ({how})" for prov, how in found if prov.lower() not in same}))
        ref = (f"{ev_source}:{ev_source_id}" if ev_source
               else f"document:{ev_document_id}" if ev_document_id else None)
        rows.append((
            name, siren, org_id, pid or None, match.name if pid in (match.id, None) else pid,
            via_texts.get(pid, "") if pid else "", relation_id, edge_role, status, method,
            float(confidence), first_seen, last_seen, ev_url, ref, ev_text, ev_seen_at, n_evidence, disagreement,
            *values,
        ))
    frame = pd.DataFrame.from_records(rows, columns=USES_COLUMNS)
    if not with_contracts:
        for col in CONTRACT_COLUMNS:
            frame[col] = None
    return frame.sort_values(["total_amount", "contractor", "relation_id"], ascending=[False, True, True],
                             na_position="last", kind="stable").reset_index(drop=True)


def _edge_rows(dialect: str, match: ProviderMatch, upper: list[str], conds: dict, role_filter: ContractFilter | None,
               from_summary: bool, holders: Select | None = None) -> Select:
    """ONE statement, one row per matching edge: the edge, its organisation's name, its best evidence and
    evidence count, the organisation's other current hosting findings of the same role by other methods
    (those it is the source of; the ones through its sites come from `_site_findings`), and
    (`from_summary`) the organisation's contract totals, or (`role_filter`) whether it holds a contract role
    matching the filter. With `holders` (a SELECT of organisation ids), only their edges.

    Everything is joined by primary key or looked up per edge through an index (evidence by relation,
    relations by source organisation), so the cost follows the number of edges, and no list of ids travels
    to the database.
    """
    edges = hosting_edges(match, upper, **conds).subquery("edges")
    order = (case((Evidence.text.is_(None), 1), else_=0), Evidence.seen_at.desc(), Evidence.id.desc())
    best_id = (select(Evidence.id).where(Evidence.relation_id == edges.c.relation_id).order_by(*order).limit(1)
               .scalar_subquery())
    n_evidence = (select(func.count()).select_from(Evidence).where(Evidence.relation_id == edges.c.relation_id)
                  .scalar_subquery())
    role = func.coalesce(func.nullif(edges.c.role, ""), "host")  # the row's `edge.role or "host"`
    found = (func.coalesce(Relation.provider_id, Relation.provider_name, "?"), Relation.method)
    pairs = (func.json_agg(func.json_build_array(*found)) if dialect == "postgresql"
             else func.json_group_array(func.json_array(*found)))
    others = (select(pairs).where(Relation.src_org_id == edges.c.org_id, Relation.kind == "hosting",
                                  Relation.status == "current", func.coalesce(Relation.role, "host") == role,
                                  Relation.method != edges.c.method)
              .scalar_subquery())
    cols: list = [*edges.c, Organization.name, Organization.siren, best_id.label("best_id"),
                  n_evidence.label("n_evidence"), others.label("others")]
    extra: list = []
    inner = select(*cols).select_from(edges).outerjoin(Organization, Organization.id == edges.c.org_id)
    if holders is not None:
        inner = inner.where(edges.c.org_id.in_(holders))
    if from_summary:
        summary = OrgContractSummary.__table__
        extra = [summary.c[c].label(f"s_{c}") for c in SUMMARY_COLUMNS]
        inner = inner.add_columns(*extra).outerjoin(summary, summary.c.org_id == edges.c.org_id)
    if role_filter is not None:
        holds = (select(PartyRole.id).join(Contract, Contract.id == PartyRole.contract_id)
                 .where(PartyRole.org_id == edges.c.org_id, PartyRole.role.in_(CONTRACTOR_ROLES),
                        role_filter.condition()).exists())
        extra = [holds.label("has_role")]
        inner = inner.add_columns(*extra)
    rows = inner.subquery("rows")
    return (  # the N_EDGE_FIELDS fields in the order `uses` unpacks them, then the `extra` ones
        select(*(rows.c[c] for c in ("relation_id", "org_id", "role", "status", "method", "confidence", "first_seen",
                                     "last_seen", "provider_id", "name", "siren", "n_evidence", "others")),
               Evidence.text, Evidence.seen_at, func.coalesce(Evidence.source_url, Notice.url, Document.url),
               Notice.source, Notice.source_id, Evidence.document_id, *(rows.c[c.name] for c in extra))
        .select_from(rows)
        .outerjoin(Evidence, Evidence.id == rows.c.best_id)
        .outerjoin(Notice, Notice.id == Evidence.notice_id)
        .outerjoin(Document, Document.id == Evidence.document_id)
    )


def _summary_aggregate(contracts_won: int, subcontracts: int, total_amount: Decimal | None, n_currencies: int,
                       currency_min: str | None, currency_max: str | None, first_award: dt.date | None,
                       last_award: dt.date | None, buyer_ids: str | None) -> dict:
    """A summary row (SUMMARY_COLUMNS after org_id) as `_contract_aggregates` returns it."""
    currencies = sorted({c for c in (currency_min, currency_max) if c})
    if n_currencies > 2:
        currencies.append(f"+{n_currencies - 2} more")
    return {"contracts_won": contracts_won, "subcontracts": subcontracts,
            "total_amount": float(total_amount) if total_amount is not None else None,
            "currencies": currencies, "first_award": first_award, "last_award": last_award,
            "buyer_ids": _ids(buyer_ids)}


def _ids(text: str | None) -> list[int]:
    """The ids of a comma-separated string (empty pieces skipped), in ascending order."""
    if not text:
        return []
    try:
        return sorted(map(int, text.split(",")))
    except ValueError:  # an empty piece: never written by the summary, but skipped as before
        return sorted(int(b) for b in text.split(",") if b)


def _via_text(pid: str, match: ProviderMatch, via: dict[str, list[RunsOn]], via_evidence: dict) -> str:
    sources = [via_evidence[f.relation_id].url or via_evidence[f.relation_id].ref
               for f in via[pid] if f.relation_id in via_evidence]
    sources += [f"catalog: {f.stated_in}" for f in via[pid] if f.stated_in]
    return f"{pid} runs on {match.id}" + (f" ({'; '.join(s for s in sources if s)})" if sources else "")


def _contract_values(agg: dict, buyers: tuple[int, list[str]]) -> tuple:
    """The values of CONTRACT_COLUMNS from an organisation's aggregate and (number of buyers, names shown)."""
    currencies = agg.get("currencies") or []
    return (
        int(agg.get("contracts_won") or 0), int(agg.get("subcontracts") or 0),
        agg.get("total_amount") if len(currencies) <= 1 else None, ", ".join(currencies) or None, buyers[0],
        _list_text(*buyers), agg.get("first_award"), agg.get("last_award"),
    )


def _list_text(total: int, names: list[str]) -> str:
    return "; ".join(names) + (f" (+{total - len(names)} more)" if total > len(names) else "")


_NO_CONTRACTS = _contract_values({}, (0, []))


def _buyer_holders(flt: ContractFilter) -> Select:
    """The organisations holding a contractor role on contracts matching the filter (used with --buyer: read
    from the buyer's side, its contracts being few and indexed by `contract.buyer_id`)."""
    return (select(PartyRole.org_id).join(Contract, Contract.id == PartyRole.contract_id)
            .where(flt.condition(), PartyRole.role.in_(CONTRACTOR_ROLES)).distinct())


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _contract_aggregates(conn: Connection, org_ids: list[int], flt: ContractFilter,
                         full: bool = True) -> dict[int, dict]:
    """Per organisation: counts, EUR-safe totals, first/last award and buyer ids, in ONE grouped query.

    One row per organisation comes back (buyer ids folded into one string), so the cost is the database's
    pass over the (role, contract) pairs, not Python's. With `full=False`, only which organisations hold a
    matching role (an EXISTS per organisation, cheap).
    """
    if not full:
        role = select(PartyRole.id).join(Contract, Contract.id == PartyRole.contract_id).where(
            PartyRole.org_id == Organization.id, PartyRole.role.in_(CONTRACTOR_ROLES), flt.condition())
        found = conn.scalars(select(Organization.id).where(Organization.id.in_(org_ids), role.exists()))
        return {org: {} for org in found}
    if flt.active:
        stmt = flt.apply(aggregate_select(conn.dialect.name, org_ids))
    else:  # the store keeps these totals per organisation: one row each instead of a pass over contracts
        summary = OrgContractSummary.__table__
        stmt = select(*(summary.c[c] for c in SUMMARY_COLUMNS)).where(summary.c.org_id.in_(org_ids))
    out: dict[int, dict] = {}
    for r in conn.execute(stmt):
        agg = r._asdict()
        agg["total_amount"] = float(agg["total_amount"]) if agg["total_amount"] is not None else None
        agg["currencies"] = sorted({c for c in (agg.pop("currency_min"), agg.pop("currency_max")) if c})
        if agg["n_currencies"] > 2:
            agg["currencies"].append(f"+{agg['n_currencies'] - 2} more")
        agg["buyer_ids"] = [int(b) for b in (agg["buyer_ids"] or "").split(",") if b]
        out[r.org_id] = agg
    return out


def _buyer_names(conn: Connection, aggregates: dict[int, dict]) -> dict[int, tuple[int, list[str]]]:
    """{org id: (number of buyers, the names of its MAX_BUYERS_LISTED lowest buyer ids, sorted)}.

    Only the names shown are read, each once, in one statement whose ids travel as ONE parameter (a JSON
    array on SQLite, an array on PostgreSQL) rather than as thousands of bound values.
    """
    shown = {org: sorted(agg["buyer_ids"])[:MAX_BUYERS_LISTED] for org, agg in aggregates.items()}
    ids = sorted({b for lst in shown.values() for b in lst})
    names: dict[int, str] = {}
    if ids:
        label = func.coalesce(Organization.name, Organization.org_key)
        if conn.dialect.name == "postgresql":
            wanted = Organization.id == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
        else:
            values = func.json_each(bindparam("ids", json.dumps(ids))).table_valued("value")
            wanted = Organization.id.in_(select(values.c.value))
        names.update(conn.execute(select(Organization.id, label).where(wanted)).all())
    for b in ids:
        if b not in names:
            names[b] = f"org:{b}"
    return {org: (len(aggregates[org]["buyer_ids"]), sorted(map(names.__getitem__, lst)))
            for org, lst in shown.items()}


def _site_findings(conn: Connection) -> dict[int, list[tuple[str, str, str]]]:
    """Current hosting findings attached to a site (DNS), by the site's organisation: (provider, method, role).

    Read once for all organisations (they are the edges without a source organisation, through
    ix_relation_src) rather than per edge: a per-edge lookup by site would leave SQLite to choose between
    reading every such edge and an index on `site_id` its statistics call unselective (mostly NULL).
    """
    stmt = (select(Site.org_id, func.coalesce(Relation.provider_id, Relation.provider_name, "?"), Relation.method,
                   func.coalesce(Relation.role, "host"))
            .join(Site, Site.id == Relation.site_id)
            .where(Relation.src_org_id.is_(None), Site.org_id.is_not(None), Relation.kind == "hosting",
                   Relation.status == "current"))
    out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for org_id, prov, method, role in conn.execute(stmt):
        out[org_id].append((prov, method, role))
    return out
