"""The rows of `uses` computed from the source tables: live for a filtered answer, and to build the stored ones.

A row is one hosting edge, in ANSWER_COLUMNS order: the edge, its organisation, its best evidence and
evidence count, the other findings for the same organisation and role (JSON list of [provider, method]),
and the organisation's contracts (`contracts_won`, `subcontracts`, amounts, buyers, dates). Nothing in a
row depends on the provider asked about, so the same rows, built once for every provider, are what
`models.answers.HostingAnswer` stores; `queries.uses` turns them into the answer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Integer, Select, any_, bindparam, case, func, select
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
from soustrace.queries.filters import CONTRACTOR_ROLES, ContractFilter

CONTRACT_COLUMNS = ["contracts_won", "subcontracts", "total_amount", "currency", "n_buyers", "buyers", "first_award",
                    "last_award"]
# Awards stated in prose (contracts of kind `reported`): counted apart, never added to the columns above.
REPORTED_COLUMNS = ["reported_contracts", "reported_buyers", "reported_url", "reported_quote"]
ANSWER_COLUMNS = [
    "contractor", "siren", "org_id", "provider_id", "relation_id", "role", "status", "method", "confidence",
    "first_seen", "last_seen", "evidence_url", "evidence_ref", "evidence_text", "evidence_seen_at", "evidence_count",
    "other_findings", *CONTRACT_COLUMNS, *REPORTED_COLUMNS,
]
NO_REPORTED = (0, None, None, None)
MAX_BUYERS_LISTED = 10
REPORTED_ROLE = "reported"  # the contractor's role on a reported contract (see models.contract)
N_EDGE_FIELDS = 19  # the fields of each row of `_edge_rows` before its `keep` and `extra` ones
SUMMARY_COLUMNS = ["org_id", "contracts_won", "subcontracts", "total_amount", "n_currencies", "currency_min",
                   "currency_max", "first_award", "last_award", "buyer_ids"]


def answer_records(conn: Connection, edges: Select, flt: ContractFilter, *, with_contracts: bool = True,
                   include_without_contracts: bool = False, keep: tuple[str, ...] = ()) -> list[tuple]:
    """The rows (ANSWER_COLUMNS, then the `keep` columns of `edges`) of the edges selected by `edges`.

    Only organisations holding a contract role that matches `flt` are kept, unless
    `include_without_contracts` (they then show no contracts). `with_contracts=False` only checks the role
    (an EXISTS per edge) and leaves the contract values at zero/empty.
    """
    # Unfiltered, the per-organisation totals are read from the summary table in the same statement.
    from_summary = with_contracts and not flt.active
    check_roles = not with_contracts and not include_without_contracts
    # With --buyer, only the organisations holding a role on the buyer's contracts can be listed: the
    # statement is narrowed to them up front (read from the buyer's side, its contracts are few).
    holders = _buyer_holders(flt) if flt.buyer and not include_without_contracts else None
    # (Its organisations all hold a matching role: no need to check that per edge.)
    role_filter = flt if check_roles and holders is None else None
    stmt = _edge_rows(conn.dialect.name, edges, role_filter, from_summary, holders, keep)
    records = conn.execute(stmt).all()
    if not records:
        return []
    reported = reported_values(conn, flt) if with_contracts or not include_without_contracts else {}
    extra_at = N_EDGE_FIELDS + len(keep)
    contracts: dict[int, tuple] = {}  # org id -> its values of CONTRACT_COLUMNS
    if from_summary:
        aggregates: dict[int, dict] = {}
        for rec in records:
            if rec[extra_at] is not None and rec[1] not in aggregates:  # a summary row: it has contracts
                aggregates[rec[1]] = _summary_aggregate(*rec[extra_at + 1:])
        buyers = _buyer_names(conn, aggregates)
        contracts = {org: _contract_values(agg, buyers[org]) for org, agg in aggregates.items()}
    elif check_roles:
        contracts = {rec[1]: NO_CONTRACTS for rec in records
                     if role_filter is None or rec[extra_at] or rec[1] in reported}
    elif with_contracts:  # filtered: aggregated live over the (few) matching contracts
        org_ids = sorted({rec[1] for rec in records if rec[1] is not None})
        aggregates = {}
        for chunk in _chunks(org_ids):
            aggregates.update(_contract_aggregates(conn, chunk, flt))
        buyers = _buyer_names(conn, aggregates)
        contracts = {org: _contract_values(agg, buyers[org]) for org, agg in aggregates.items()}
    by_site = _site_findings(conn)
    rows = []
    for rec in records:
        values = contracts.get(rec[1])
        stated = reported.get(rec[1], NO_REPORTED) if with_contracts else NO_REPORTED
        if values is None:
            if not include_without_contracts and rec[1] not in reported:
                continue
            values = NO_CONTRACTS
        (relation_id, org_id, edge_role, status, method, confidence, first_seen, last_seen, pid, name, siren,
         n_evidence, others, ev_text, ev_seen_at, ev_url, ev_source, ev_source_id, ev_document_id) = rec[:N_EDGE_FIELDS]
        edge_role = edge_role or "host"
        found = [] if others is None or others == "[]" else json.loads(others) if isinstance(others, str) else others
        if org_id in by_site:
            found += [(prov, how) for prov, how, orole in by_site[org_id] if orole == edge_role and how != method]
        ref = (f"{ev_source}:{ev_source_id}" if ev_source
               else f"document:{ev_document_id}" if ev_document_id else None)
        rows.append((
            name, siren, org_id, pid or None, relation_id, edge_role, status, method, float(confidence), first_seen,
            last_seen, ev_url, ref, ev_text, ev_seen_at, n_evidence,
            json.dumps(sorted({tuple(f) for f in found})) if found else None,
            *values, *stated, *rec[N_EDGE_FIELDS:extra_at],
        ))
    return rows


def _edge_rows(dialect: str, edges_select: Select, role_filter: ContractFilter | None, from_summary: bool,
               holders: Select | None = None, keep: tuple[str, ...] = ()) -> Select:
    """ONE statement, one row per edge of `edges_select`: the edge, its organisation's name, its best evidence
    and evidence count, the organisation's other current hosting findings of the same role by other methods
    (those it is the source of; the ones through its sites come from `_site_findings`), the `keep` columns,
    and (`from_summary`) the organisation's contract totals, or (`role_filter`) whether it holds a contract
    role matching the filter. With `holders` (a SELECT of organisation ids), only their edges.

    Everything is joined by primary key or looked up per edge through an index (evidence by relation,
    relations by source organisation), so the cost follows the number of edges, and no list of ids travels
    to the database.
    """
    edges = edges_select.subquery("edges")
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
    return (  # the N_EDGE_FIELDS fields in the order `answer_records` unpacks them, then `keep`, then `extra`
        select(*(rows.c[c] for c in ("relation_id", "org_id", "role", "status", "method", "confidence", "first_seen",
                                     "last_seen", "provider_id", "name", "siren", "n_evidence", "others")),
               Evidence.text, Evidence.seen_at, func.coalesce(Evidence.source_url, Notice.url, Document.url),
               Notice.source, Notice.source_id, Evidence.document_id, *(rows.c[c] for c in keep),
               *(rows.c[c.name] for c in extra))
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


NO_CONTRACTS = _contract_values({}, (0, []))


def _buyer_holders(flt: ContractFilter) -> Select:
    """The organisations holding a contractor role (or a reported award) on contracts matching the filter (used
    with --buyer: read from the buyer's side, its contracts being few and indexed by `contract.buyer_id`)."""
    return (select(PartyRole.org_id).join(Contract, Contract.id == PartyRole.contract_id)
            .where(flt.condition(), PartyRole.role.in_((*CONTRACTOR_ROLES, REPORTED_ROLE))).distinct())


def reported_values(conn: Connection, flt: ContractFilter) -> dict[int, tuple]:
    """{org id: the values of REPORTED_COLUMNS} over the reported contracts matching the filter: how many,
    their buyers, and the URL and quote of the most confident one (then the first stored), as the contract
    keeps them (its roles' evidence rows hold the same sentence and URL, with the span).

    Reported contracts are few (statements read in documents), found through their unique key's index.
    """
    stmt = (select(PartyRole.org_id, Contract.id, Contract.confidence, func.coalesce(Organization.name,
                                                                                   Organization.org_key),
                   Contract.extra)
            .join(Contract, Contract.id == PartyRole.contract_id)
            .outerjoin(Organization, Organization.id == Contract.buyer_id)
            .where(Contract.report_key > "", PartyRole.role == REPORTED_ROLE))
    if flt.active:
        stmt = stmt.where(flt.condition())
    by_org: dict[int, list[tuple]] = defaultdict(list)
    for org_id, contract_id, confidence, buyer, extra in conn.execute(stmt):
        by_org[org_id].append((-(confidence or 0.0), contract_id, buyer, extra or {}))
    out: dict[int, tuple] = {}
    for org_id, rows in by_org.items():
        rows.sort(key=lambda r: (r[0], r[1]))
        best = rows[0][3] if isinstance(rows[0][3], dict) else json.loads(rows[0][3])
        buyers = sorted({r[2] for r in rows if r[2]})
        out[org_id] = (len({r[1] for r in rows}), _list_text(len(buyers), buyers[:MAX_BUYERS_LISTED]) or None,
                       best.get("url"), best.get("quote"))
    return out


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _contract_aggregates(conn: Connection, org_ids: list[int], flt: ContractFilter) -> dict[int, dict]:
    """Per organisation, over the contracts matching the filter: counts, EUR-safe totals, first/last award
    and buyer ids, in ONE grouped query (unfiltered totals are read from the summary table instead).

    One row per organisation comes back (buyer ids folded into one string), so the cost is the database's
    pass over the (role, contract) pairs, not Python's.
    """
    stmt = flt.apply(aggregate_select(conn.dialect.name, org_ids))
    return {r[0]: _summary_aggregate(*r[1:]) for r in conn.execute(stmt)}


def _buyer_names(conn: Connection, aggregates: dict[int, dict]) -> dict[int, tuple[int, list[str]]]:
    """{org id: (number of buyers, the names of its MAX_BUYERS_LISTED lowest buyer ids, sorted)}.

    Only the names shown are read, each once, in one statement whose ids travel as ONE parameter (a JSON
    array on SQLite, an array on PostgreSQL) rather than as thousands of bound values.
    """
    shown = {org: agg["buyer_ids"][:MAX_BUYERS_LISTED] for org, agg in aggregates.items()}
    ids = sorted({b for lst in shown.values() for b in lst})
    names: dict[int, str] = {}
    if ids:
        label = func.coalesce(Organization.name, Organization.org_key)
        wanted: Any
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
