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
from itertools import groupby
from operator import itemgetter

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
    result = conn.execute(stmt)
    rows = pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))  # tuples: see providers._roles
    if rows.empty:
        return pd.DataFrame(), pd.DataFrame()
    details = rows[CONTRACT_COLUMNS[:12]].drop_duplicates("contract_id")
    party_edges = edges.drop(columns=["contract_id"]).dropna(subset=["org_id"])
    paths = rows[["contract_id", "org_id", "party_role", "org_name"]].merge(party_edges, on="org_id")
    paths["via"] = (paths["org_name"].fillna("?") + " (" + paths["party_role"] + ") → " + _target(paths)
                    + " [" + paths["method"] + " " + paths["confidence"].map("{:.2f}".format) + "]")
    return paths, details


def _direct_and_site_paths(conn: Connection, edges: pd.DataFrame) -> pd.DataFrame:
    """Paths through an edge tied to the contract, or through a site delivered under it."""
    out = []
    direct = edges[edges["contract_id"].notna()].copy()
    if not direct.empty:
        direct["via"] = "edge tied to the contract → " + _target(direct) + " [" + direct["method"] + "]"
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
            by_site["via"] = ("delivered site " + by_site["site_url"] + " → " + _target(by_site) + " ["
                              + by_site["method"] + "]")
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


def _target(frame: pd.DataFrame) -> pd.Series:
    """`<role> <provider>` for each path row (vectorised: hundreds of thousands of rows at scale)."""
    provider = frame["provider_id"].where(frame["provider_id"].notna(), frame["provider_name"]).fillna("?")
    return frame["role"].fillna("host").astype(str) + " " + provider.astype(str)


def _joined(paths: pd.DataFrame, column: str) -> pd.Series:
    """Per contract, the distinct non-empty values of `column`, sorted and joined with "; ".

    Plain Python over sorted tuples: pandas' groupby with a string join falls back to one Series per group,
    twenty times slower on the ~10^5 contracts a big provider reaches.
    """
    pairs = sorted({(c, str(v)) for c, v in zip(paths["contract_id"].tolist(), paths[column].tolist(), strict=True)
                    if v is not None and v == v and v != ""})
    joined = {cid: "; ".join(v for _, v in grp) for cid, grp in groupby(pairs, key=itemgetter(0))}
    return pd.Series(joined, dtype=object)


def _aggregate(paths: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    paths = paths.assign(role=paths["role"].fillna("host"))
    grouped = paths.groupby("contract_id").agg(max_confidence=("confidence", "max"), n_paths=("via", "nunique"))
    for out_col, col in (("via", "via"), ("party_roles", "party_role"), ("hosting_roles", "role"),
                         ("methods", "method"), ("statuses", "status"), ("evidence_urls", "evidence_url")):
        grouped[out_col] = _joined(paths, col)
    grouped = grouped.fillna({c: "" for c in ("via", "party_roles", "hosting_roles", "methods", "statuses",
                                              "evidence_urls")}).reset_index()
    out = details.merge(grouped, on="contract_id")
    out["amount"] = out["amount"].map(lambda v: None if v is None else float(v))
    out = out.sort_values(["award_date", "contract_id"], ascending=[False, True], na_position="last", kind="stable")
    return out[CONTRACT_COLUMNS].reset_index(drop=True)
