"""`providers`: how much public procurement reaches each provider, and each jurisdiction.

Counts per provider (or per jurisdiction: EU / non-EU, CLOUD Act exposure, SecNumCloud status), optionally
broken down per buyer:

* `contractors`: distinct organisations with a hosting edge to the provider and at least one contract role
  (winner, lead, member, subcontractor) matching the filters;
* `contracts`: distinct contracts on which one of those organisations holds such a role (the contracts
  whose chain reaches the provider, as `soustrace query contracts` lists them);
* `reported_contractors`: distinct organisations with a hosting edge to the provider holding an award
  stated in prose (press, court, official), counted apart from `contractors`;
* `buyers`: distinct public buyers with a hosting edge to the provider (their own sites' legal notices:
  "which ministries' platforms run there"), whatever their contracts;
* `amount_eur`: the sum of those contracts' amounts in EUR, each contract counted once per group, and
  `contracts_without_eur_amount`, so missing or foreign-currency amounts are visible instead of being
  silently added or dropped.

Per jurisdiction, a contractor hosted by two non-EU providers counts once: the grouping is done on the
distinct (group, organisation, contract) triples, not by adding provider rows. Runs-on hops are not
followed here (each edge counts for the provider it names); `uses` and `contracts` follow them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, func, or_, select

from soustrace.models import Contract, Organization, PartyRole, Relation, Site
from soustrace.queries.catalog import load_catalog
from soustrace.queries.filters import CONTRACTOR_ROLES, ContractFilter
from soustrace.queries.hosting import contractor_id, dst_org, edge_conditions

PER = ("provider", "jurisdiction", "cloud_act", "secnumcloud")


def provider_stats(engine: Engine, *, per: str = "provider", by: str | None = None,
                   date_from: str | dt.date | None = None, date_to: str | dt.date | None = None,
                   buyer: str | None = None, cpv: str | None = None, role: str | None = None,
                   current_only: bool = False, min_confidence: float = 0.0) -> pd.DataFrame:
    """One row per provider (or jurisdiction group), or per (group, buyer) with `by="buyer"`."""
    if per not in PER:
        raise ValueError(f"per must be one of {', '.join(PER)}")
    if by not in (None, "buyer"):
        raise ValueError("by must be None or 'buyer'")
    flt = ContractFilter.of(date_from, date_to, buyer, cpv)
    with engine.connect() as conn:
        catalog = load_catalog(conn)
        edges = _edges(conn, role=role, current_only=current_only, min_confidence=min_confidence)
        roles = _roles(conn, role=role, current_only=current_only, min_confidence=min_confidence, flt=flt)
        reported = _reported_holders(conn, flt)
        buyers = _buyer_names(conn, roles["buyer_id"].dropna().unique().tolist()) if by else {}
    key = "provider_id" if per == "provider" else per
    group = [key, "buyer_id"] if by else [key]
    columns = [*group, "contractors", "contracts", "amount_eur", "contracts_without_eur_amount"]
    if edges.empty or (roles.empty and (by or not (edges["is_buyer"].any() or edges["org_id"].isin(reported).any()))):
        return _decorate(pd.DataFrame(columns=[*columns, "buyers"]), per, by, catalog, buyers)
    edges = edges.sort_values("is_buyer", ascending=False).drop_duplicates(["org_id", "provider_id"])
    if per != "provider":
        edges[per] = edges["provider_id"].map(lambda p: (catalog.get(p) or {}).get(per) or "unknown")
    public = pd.concat([edges[edges["is_buyer"]].groupby(key)["org_id"].nunique().rename("buyers"),
                        edges[edges["org_id"].isin(reported)].groupby(key)["org_id"].nunique()
                        .rename("reported_contractors")], axis=1).fillna(0)
    if roles.empty:  # no contract at all: the buyers' own sites still answer
        out = public.reset_index()
        for col in ("contractors", "contracts", "contracts_without_eur_amount"):
            out[col] = 0
        out["amount_eur"] = 0.0
        if per != "provider":
            names = edges.groupby(per)["provider_id"].apply(lambda s: ", ".join(sorted(set(s))))
            out["providers"] = out[key].map(names)
        return _decorate(out, per, by, catalog, buyers)
    merged = edges.merge(roles, on="org_id")
    distinct = merged.drop_duplicates([*group, "contract_id"])
    is_eur = (distinct["currency"] == "EUR") & distinct["amount"].notna()
    out = merged.groupby(group, dropna=False).agg(contractors=("org_id", "nunique"),
                                                  contracts=("contract_id", "nunique"))
    out["amount_eur"] = distinct[is_eur].groupby(group, dropna=False)["amount"].sum()
    out["contracts_without_eur_amount"] = distinct[~is_eur].groupby(group, dropna=False)["contract_id"].nunique()
    out = out.fillna({"amount_eur": 0.0, "contracts_without_eur_amount": 0}).reset_index()
    out["contracts_without_eur_amount"] = out["contracts_without_eur_amount"].astype(int)
    if not by:  # providers reached only by buyers' own sites get a row too
        out = out.merge(public.reset_index(), on=key, how="outer")
        out = out.fillna({"contractors": 0, "contracts": 0, "amount_eur": 0.0, "contracts_without_eur_amount": 0})
        for col in ("contractors", "contracts", "contracts_without_eur_amount"):
            out[col] = out[col].astype(int)
    if per != "provider":
        names = edges.groupby(per)["provider_id"].apply(lambda s: ", ".join(sorted(set(s))))
        out["providers"] = out[key].map(names)
    return _decorate(out, per, by, catalog, buyers)


def _decorate(out: pd.DataFrame, per: str, by: str | None, catalog: dict, buyers: dict[int, tuple]) -> pd.DataFrame:
    """Add names and catalog facts, in a fixed column order."""
    out = out.copy()
    if per == "provider":
        head = ["provider_id", "provider", "jurisdiction", "cloud_act", "secnumcloud"]
        out["provider"] = out["provider_id"].map(lambda p: (catalog.get(p) or {}).get("name") or p)
        for col in head[2:]:
            out[col] = out["provider_id"].map(lambda p, c=col: (catalog.get(p) or {}).get(c) or "unknown")
    else:
        head = [per, "providers"]
        if "providers" not in out.columns:
            out["providers"] = pd.Series(dtype=object)
    if by:
        head += ["buyer_id", "buyer", "buyer_siren"]
        out["buyer"] = out["buyer_id"].map(lambda b: buyers.get(b, (None, None))[0])
        out["buyer_siren"] = out["buyer_id"].map(lambda b: buyers.get(b, (None, None))[1])
    for col in ("buyers", "reported_contractors"):
        out[col] = out[col].fillna(0).astype(int) if col in out.columns else 0
    out = out[[*head, "contractors", "contracts", "buyers", "reported_contractors", "amount_eur",
               "contracts_without_eur_amount"]]
    return out.sort_values(["amount_eur", "contracts", head[0]], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


def _edges(conn: Connection, **conds: object) -> pd.DataFrame:
    """(org, provider) of every hosting edge; a provider outside the catalog is keyed `name:<as written>`."""
    provider = func.coalesce(Relation.provider_id, dst_org.provider_id,
                             "name:" + func.coalesce(Relation.provider_name, "?"))
    owner = Organization.__table__.alias("owner")
    is_buyer = or_(owner.c.kind == "public-buyer", Site.kind == "buyer")
    stmt = (select(contractor_id.label("org_id"), provider.label("provider_id"), is_buyer.label("is_buyer"))
            .select_from(Relation).outerjoin(Site, Site.id == Relation.site_id)
            .outerjoin(dst_org, dst_org.id == Relation.dst_org_id)
            .outerjoin(owner, owner.c.id == contractor_id)
            .where(Relation.kind == "hosting", *edge_conditions(**conds)))  # type: ignore[arg-type]
    frame = pd.DataFrame([(o, p, bool(b)) for o, p, b in conn.execute(stmt)],
                         columns=["org_id", "provider_id", "is_buyer"])
    return frame.dropna(subset=["org_id"])


def _roles(conn: Connection, *, flt: ContractFilter, **conds: object) -> pd.DataFrame:
    """(org, contract, amount, currency, buyer) for organisations that have any hosting edge."""
    orgs = (select(contractor_id).select_from(Relation).outerjoin(Site, Site.id == Relation.site_id)
            .where(Relation.kind == "hosting", *edge_conditions(**conds)))  # type: ignore[arg-type]
    stmt = flt.apply(
        select(PartyRole.org_id, PartyRole.contract_id, Contract.amount, Contract.currency, Contract.buyer_id)
        .join(Contract, Contract.id == PartyRole.contract_id)
        .where(PartyRole.org_id.in_(orgs), PartyRole.role.in_(CONTRACTOR_ROLES))
    ).distinct()
    # plain tuples: pandas inspects SQLAlchemy Row objects one attribute at a time (10x slower)
    rows = [(o, c, None if a is None else float(a), cur, b) for o, c, a, cur, b in conn.execute(stmt)]
    frame = pd.DataFrame(rows, columns=["org_id", "contract_id", "amount", "currency", "buyer_id"])
    frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
    return frame.drop_duplicates(["org_id", "contract_id"])


def _reported_holders(conn: Connection, flt: ContractFilter) -> set[int]:
    """Organisations holding an award stated in prose (a contract of kind `reported`) matching the filter."""
    stmt = (select(PartyRole.org_id).join(Contract, Contract.id == PartyRole.contract_id)
            .where(PartyRole.role == "reported", Contract.report_key > ""))
    return set(conn.scalars(flt.apply(stmt) if flt.active else stmt))


def _buyer_names(conn: Connection, ids: list) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    ids = [int(i) for i in ids]
    for i in range(0, len(ids), 5000):
        for r in conn.execute(select(Organization.id, Organization.name, Organization.siren)
                              .where(Organization.id.in_(ids[i:i + 5000]))):
            out[r.id] = (r.name, r.siren)
    return out
