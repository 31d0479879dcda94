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
from collections import defaultdict

import pandas as pd
from sqlalchemy import Connection, Engine, func, select, union_all

from soustrace.models import Contract, Organization, OrgContractSummary, PartyRole, Relation, Site
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
SUMMARY_COLUMNS = ["org_id", "contracts_won", "subcontracts", "total_amount", "n_currencies", "currency_min",
                   "currency_max", "first_award", "last_award", "buyer_ids"]


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
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        via = runs_on_sources(conn, match.id) if match.id and follow_runs_on else {}
        conds = {"role": role, "current_only": current_only, "min_confidence": min_confidence}
        edges = [dict(r) for r in conn.execute(hosting_edges(match, list(via), **conds)).mappings()]
        if not edges:
            return pd.DataFrame(columns=USES_COLUMNS)
        # The organisation ids are sent as lists in chunks rather than as the edge subquery: re-running
        # the UNION of the edge branches inside each statement costs more than the ids themselves.
        org_ids = sorted({e["org_id"] for e in edges if e["org_id"] is not None})
        if flt.buyer and not include_without_contracts:
            org_ids = _orgs_of_buyer(conn, org_ids, flt)
            edges = [e for e in edges if e["org_id"] in set(org_ids)]
        contracts: dict[int, dict] = {}
        names: dict[int, tuple] = {}
        others: dict[int, list] = defaultdict(list)
        for chunk in _chunks(org_ids):
            if with_contracts or not include_without_contracts:
                contracts.update(_contract_aggregates(conn, chunk, flt, with_contracts))
            names.update({r.id: (r.name, r.siren) for r in conn.execute(
                select(Organization.id, Organization.name, Organization.siren).where(Organization.id.in_(chunk)))})
            for org, found in _other_findings(conn, chunk).items():
                others[org].extend(found)
        buyers = _buyer_names(conn, contracts) if with_contracts else {}
        evidence = best_evidence(conn, [e["relation_id"] for e in edges])
        via_ids = [f.relation_id for facts in via.values() for f in facts if f.relation_id]
        via_evidence = best_evidence(conn, via_ids) if via_ids else {}
    rows = []
    for edge in edges:
        agg = contracts.get(edge["org_id"])
        if agg is None and not include_without_contracts:
            continue
        rows.append(_row(edge, match, via, via_evidence, names, agg or {}, buyers.get(edge["org_id"], (0, [])),
                         evidence.get(edge["relation_id"]), others))
    frame = pd.DataFrame(rows, columns=USES_COLUMNS)
    if not with_contracts:
        for col in CONTRACT_COLUMNS:
            frame[col] = None
    return frame.sort_values(["total_amount", "contractor", "relation_id"], ascending=[False, True, True],
                             na_position="last", kind="stable").reset_index(drop=True)


def _row(edge: dict, match: ProviderMatch, via: dict[str, list[RunsOn]], via_evidence: dict, names: dict,
         agg: dict, buyers: tuple[int, list[str]], ev: object, others: dict) -> dict[str, object]:
    name, siren = names.get(edge["org_id"], (None, None))
    pid = edge["provider_id"]
    via_text = ""
    if pid and pid in via:
        sources = [via_evidence[f.relation_id].url or via_evidence[f.relation_id].ref
                   for f in via[pid] if f.relation_id in via_evidence]
        sources += [f"catalog: {f.stated_in}" for f in via[pid] if f.stated_in]
        via_text = f"{pid} runs on {match.id}" + (f" ({'; '.join(s for s in sources if s)})" if sources else "")
    role = edge["role"] or "host"
    same = {k.lower() for k in (match.id, *via) if k} | match.names
    disagreement = sorted({
        f"{prov} ({method})" for prov, method, orole in others.get(edge["org_id"], [])
        if orole == role and method != edge["method"] and prov.lower() not in same
    })
    currencies = agg.get("currencies") or []
    return {
        "contractor": name, "siren": siren, "org_id": edge["org_id"], "provider_id": pid or None,
        "provider": match.name if pid in (match.id, None) else pid, "via": via_text,
        "relation_id": edge["relation_id"], "role": role, "status": edge["status"], "method": edge["method"],
        "confidence": float(edge["confidence"]), "first_seen": edge["first_seen"], "last_seen": edge["last_seen"],
        "evidence_url": getattr(ev, "url", None), "evidence_ref": getattr(ev, "ref", None),
        "evidence_text": getattr(ev, "text", None), "evidence_seen_at": getattr(ev, "seen_at", None),
        "evidence_count": getattr(ev, "count", 0), "disagreement": "; ".join(disagreement),
        "contracts_won": int(agg.get("contracts_won") or 0), "subcontracts": int(agg.get("subcontracts") or 0),
        "total_amount": agg.get("total_amount") if len(currencies) <= 1 else None,
        "currency": ", ".join(currencies) or None, "n_buyers": buyers[0],
        "buyers": _list_text(*buyers), "first_award": agg.get("first_award"), "last_award": agg.get("last_award"),
    }


def _list_text(total: int, names: list[str]) -> str:
    return "; ".join(names) + (f" (+{total - len(names)} more)" if total > len(names) else "")


def _orgs_of_buyer(conn: Connection, org_ids: list[int], flt: ContractFilter) -> list[int]:
    """The organisations holding a role on the buyer's contracts: read from the buyer's side (its contracts
    are few and indexed by `contract.buyer_id`) instead of going through every contract of every contractor."""
    stmt = (select(PartyRole.org_id).join(Contract, Contract.id == PartyRole.contract_id)
            .where(flt.condition(), PartyRole.role.in_(CONTRACTOR_ROLES)).distinct())
    holders = set(conn.scalars(stmt))
    return [o for o in org_ids if o in holders]


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
    """{org id: (number of buyers, the first MAX_BUYERS_LISTED names)}; each name is read once."""
    shown = {org: sorted(agg["buyer_ids"])[:MAX_BUYERS_LISTED] for org, agg in aggregates.items()}
    ids = sorted({b for lst in shown.values() for b in lst})
    names: dict[int, str] = {}
    for i in range(0, len(ids), 5000):
        names.update(conn.execute(select(Organization.id, func.coalesce(Organization.name, Organization.org_key))
                                  .where(Organization.id.in_(ids[i:i + 5000]))).all())
    return {org: (len(aggregates[org]["buyer_ids"]), sorted(names.get(b, f"org:{b}") for b in lst))
            for org, lst in shown.items()}


def _other_findings(conn: Connection, org_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Every current hosting finding of the listed organisations: (provider, method, role)."""
    cols = (func.coalesce(Relation.provider_id, Relation.provider_name, "?"), Relation.method,
            func.coalesce(Relation.role, "host"))
    direct = select(Relation.src_org_id.label("org_id"), *cols).where(
        Relation.src_org_id.in_(org_ids), Relation.kind == "hosting", Relation.status == "current")
    by_site = (select(Site.org_id.label("org_id"), *cols).join(Site, Site.id == Relation.site_id)
               .where(Relation.src_org_id.is_(None), Site.org_id.in_(org_ids), Relation.kind == "hosting",
                      Relation.status == "current"))
    out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for org_id, prov, method, role in conn.execute(union_all(direct, by_site)):
        out[org_id].append((prov, method, role))
    return out
