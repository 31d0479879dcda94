"""`contracts`: the public contracts whose chain reaches a provider, one row per contract.

A contract reaches provider P when any of these holds (each is a *path*, listed in `via`):

* a party of the contract (winner, lead, member or declared subcontractor) has a hosting edge to P
  (or to a provider that runs on P);
* a hosting edge to P is tied to the contract itself (`Relation.contract_id`, e.g. found in the notice);
* a site delivered under the contract (`Site.contract_id`, or a delivers-site edge for the contract) is
  hosted by P.

One row per contract, because the contract is what a journalist counts ("N contracts of ministry X end up
on AWS"); every path that led there is kept in `via`, with its evidence URLs in `evidence_urls`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased

from soustrace.models import Contract, Notice, Organization, PartyRole, Relation, Site
from soustrace.queries.catalog import resolve_provider, runs_on_sources
from soustrace.queries.evidence import best_evidence
from soustrace.queries.filters import CONTRACTOR_ROLES, ContractFilter
from soustrace.queries.hosting import contractor_ids, hosting_edges

CONTRACT_COLUMNS = [
    "contract_id", "source", "notice_id", "lot", "title", "buyer", "buyer_siren", "award_date", "amount",
    "currency", "cpv", "notice_url", "via", "party_roles", "hosting_roles", "methods", "statuses",
    "max_confidence", "n_paths", "evidence_urls",
]
buyer_org = aliased(Organization, name="buyer_org")


def _contract_cols() -> list:
    return [Contract.id.label("contract_id"), Notice.source, Notice.source_id.label("notice_id"), Contract.lot,
            Contract.title, buyer_org.name.label("buyer"), buyer_org.siren.label("buyer_siren"),
            Contract.award_date, Contract.amount, Contract.currency, Contract.cpv, Notice.url.label("notice_url")]


def _contract_select():  # type: ignore[no-untyped-def]
    return (select(*_contract_cols()).join(Notice, Notice.id == Contract.notice_id)
            .outerjoin(buyer_org, buyer_org.id == Contract.buyer_id))


def contracts_reaching(engine: Engine, provider: str, *, date_from: str | dt.date | None = None,
                       date_to: str | dt.date | None = None, buyer: str | None = None, cpv: str | None = None,
                       role: str | None = None, current_only: bool = False,
                       min_confidence: float = 0.0, follow_runs_on: bool = True) -> pd.DataFrame:
    """Contracts whose chain reaches `provider` (catalog id, name or alias), filtered like `uses`."""
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        upper = list(runs_on_sources(conn, match.id)) if match.id and follow_runs_on else []
        conds = {"role": role, "current_only": current_only, "min_confidence": min_confidence}
        edges = pd.DataFrame([dict(r) for r in conn.execute(hosting_edges(match, upper, **conds)).mappings()])
        if edges.empty:
            return pd.DataFrame(columns=CONTRACT_COLUMNS)
        evidence = best_evidence(conn, edges["relation_id"].tolist())
        edges["evidence_url"] = edges["relation_id"].map(lambda i: getattr(evidence.get(i), "url", None))
        paths, details = _party_paths(conn, contractor_ids(match, upper, **conds), flt, edges)
        extra = _direct_and_site_paths(conn, edges)
        if not extra.empty:
            known = set(details["contract_id"]) if not details.empty else set()
            missing = sorted(set(extra["contract_id"]) - known)
            more = _details(conn, missing, flt)
            details = pd.concat([d for d in (details, more) if not d.empty]) if not more.empty else details
            paths = pd.concat([p for p in (paths, extra) if not p.empty])
    if paths.empty or details.empty:
        return pd.DataFrame(columns=CONTRACT_COLUMNS)
    paths = paths[paths["contract_id"].isin(details["contract_id"])]
    return _aggregate(paths, details.drop_duplicates("contract_id"))


def _party_paths(conn: Connection, orgs_sel: object, flt: ContractFilter,
                 edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paths through a party of the contract; returns (paths, contract details) from one query."""
    stmt = flt.apply(
        _contract_select().add_columns(PartyRole.org_id, PartyRole.role.label("party_role"),
                                       Organization.name.label("org_name"))
        .join(PartyRole, PartyRole.contract_id == Contract.id)
        .join(Organization, Organization.id == PartyRole.org_id)
        .where(PartyRole.org_id.in_(orgs_sel), PartyRole.role.in_(CONTRACTOR_ROLES))
    )
    rows = pd.DataFrame([dict(r) for r in conn.execute(stmt).mappings()])
    if rows.empty:
        return pd.DataFrame(), pd.DataFrame()
    details = rows[[c for c in CONTRACT_COLUMNS[:12]]].drop_duplicates("contract_id")
    party_edges = edges.drop(columns=["contract_id"]).dropna(subset=["org_id"])
    paths = rows[["contract_id", "org_id", "party_role", "org_name"]].merge(party_edges, on="org_id")
    paths["via"] = paths.apply(lambda r: f"{r['org_name']} ({r['party_role']}) → {_target(r)} "
                                         f"[{r['method']} {r['confidence']:.2f}]", axis=1)
    return paths, details


def _direct_and_site_paths(conn: Connection, edges: pd.DataFrame) -> pd.DataFrame:
    """Paths through an edge tied to the contract, or through a site delivered under it."""
    out = []
    direct = edges[edges["contract_id"].notna()].copy()
    if not direct.empty:
        direct["via"] = direct.apply(lambda r: f"edge tied to the contract → {_target(r)} [{r['method']}]", axis=1)
        direct["party_role"] = None
        out.append(direct)
    site_ids = [int(s) for s in edges["site_id"].dropna().unique()]
    if site_ids:
        rows = conn.execute(select(Site.id.label("site_id"), Site.url, Site.contract_id).where(
            Site.id.in_(site_ids), Site.contract_id.is_not(None))).all()
        rows += conn.execute(select(Relation.site_id, Site.url, Relation.contract_id)
                             .join(Site, Site.id == Relation.site_id)
                             .where(Relation.kind == "delivers-site", Relation.site_id.in_(site_ids),
                                    Relation.contract_id.is_not(None))).all()
        if rows:
            sites = pd.DataFrame(rows, columns=["site_id", "site_url", "contract_id"]).drop_duplicates()
            by_site = edges.drop(columns=["contract_id"]).merge(sites, on="site_id")
            by_site["via"] = by_site.apply(
                lambda r: f"delivered site {r['site_url']} → {_target(r)} [{r['method']}]", axis=1)
            by_site["party_role"] = None
            out.append(by_site)
    if not out:
        return pd.DataFrame()
    frame = pd.concat(out)
    frame["contract_id"] = frame["contract_id"].astype(int)
    return frame


def _details(conn: Connection, ids: list[int], flt: ContractFilter) -> pd.DataFrame:
    rows = []
    for i in range(0, len(ids), 5000):
        stmt = flt.apply(_contract_select().where(Contract.id.in_(ids[i:i + 5000])))
        rows += [dict(r) for r in conn.execute(stmt).mappings()]
    return pd.DataFrame(rows)


def _target(r: pd.Series) -> str:
    return f"{r['role'] or 'host'} {r['provider_id'] or r['provider_name']}"


def _join(values: pd.Series) -> str:
    return "; ".join(sorted({str(v) for v in values if v is not None and v == v}))


def _aggregate(paths: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    grouped = paths.groupby("contract_id").agg(
        via=("via", _join), party_roles=("party_role", _join),
        hosting_roles=("role", lambda s: _join(s.fillna("host"))),
        methods=("method", _join), statuses=("status", _join), max_confidence=("confidence", "max"),
        n_paths=("via", "nunique"), evidence_urls=("evidence_url", _join),
    ).reset_index()
    out = details.merge(grouped, on="contract_id")
    out["amount"] = out["amount"].map(lambda v: None if v is None else float(v))
    out = out.sort_values(["award_date", "contract_id"], ascending=[False, True], na_position="last", kind="stable")
    return out[CONTRACT_COLUMNS].reset_index(drop=True)
