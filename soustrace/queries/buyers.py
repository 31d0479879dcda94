"""`uses PROVIDER --buyers`: public bodies whose own sites run on a provider, and why an answer is empty.

"Which ministries' platforms run on a non-EU cloud?" is asked about buyers, not contractors: the edges are
the hosting findings of the buyers' own sites (kind `buyer`, read by `crawl disclosures`) and any hosting
edge of an organisation that is a public buyer. Each row names the site, its best evidence, and who built
the site (the `built-by` edges of the same site), so the chain buyer -> builder -> host reads in one row.

`explain_empty` says why `uses` found no row: a journalist reading "(no rows)" cannot tell "nobody uses
it" from "only organisations without contracts do" or "the provider is unknown".
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, or_, select

from soustrace.models import Organization, Relation, Site
from soustrace.queries.catalog import resolve_provider, runs_on_sources
from soustrace.queries.evidence import best_evidence
from soustrace.queries.hosting import contractor_ids, hosting_edges

BUYER_COLUMNS = ["buyer", "siren", "org_id", "site", "provider_id", "provider", "role", "status", "method",
                 "confidence", "built_by", "evidence_url", "evidence_ref", "evidence_text", "evidence_count",
                 "relation_id"]


def buyers_on(engine: Engine, provider: str, *, current_only: bool = False, min_confidence: float = 0.0,
              role: str | None = None, follow_runs_on: bool = True) -> pd.DataFrame:
    """One row per hosting edge of a public buyer (or of a buyer's own site) pointing at `provider`."""
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        via = list(runs_on_sources(conn, match.id)) if match.id and follow_runs_on else []
        edges = hosting_edges(match, via, role=role, current_only=current_only,
                              min_confidence=min_confidence).subquery()
        stmt = (select(edges.c.relation_id, edges.c.org_id, edges.c.role, edges.c.status, edges.c.method,
                       edges.c.confidence, edges.c.provider_id, edges.c.provider_name, edges.c.site_id,
                       Organization.name, Organization.siren, Site.url)
                .join(Organization, Organization.id == edges.c.org_id)
                .outerjoin(Site, Site.id == edges.c.site_id)
                .where(or_(Organization.kind == "public-buyer", Site.kind == "buyer"))
                .order_by(Organization.name, edges.c.relation_id))
        rows = conn.execute(stmt).all()
        site_ids = sorted({r.site_id for r in rows if r.site_id is not None})
        builders: dict[int, list[str]] = {}
        if site_ids:
            dst = Organization.__table__.alias("builder")
            for site_id, name in conn.execute(
                    select(Relation.site_id, func.coalesce(dst.c.name, Relation.provider_name))
                    .outerjoin(dst, dst.c.id == Relation.dst_org_id)
                    .where(Relation.kind == "built-by", Relation.site_id.in_(site_ids))):
                builders.setdefault(site_id, []).append(name)
        evidence = best_evidence(conn, [r.relation_id for r in rows]) if rows else {}
    out = []
    for r in rows:
        ev = evidence.get(r.relation_id)
        out.append({"buyer": r.name, "siren": r.siren, "org_id": r.org_id, "site": r.url,
                    "provider_id": r.provider_id, "provider": match.name if r.provider_id in (None, match.id)
                    else r.provider_id, "role": r.role or "host", "status": r.status, "method": r.method,
                    "confidence": float(r.confidence), "built_by": "; ".join(sorted(set(builders.get(r.site_id, []))))
                    or None, "evidence_url": ev.url if ev else None, "evidence_ref": ev.ref if ev else None,
                    "evidence_text": ev.text if ev else None, "evidence_count": ev.count if ev else 0,
                    "relation_id": r.relation_id})
    return pd.DataFrame(out, columns=BUYER_COLUMNS)


def explain_empty(engine: Engine, provider: str, *, buyers: bool = False, filtered: bool = False) -> str:
    """Why `uses PROVIDER` gave no row, in one sentence a reader can act on."""
    with engine.connect() as conn:
        match = resolve_provider(conn, provider)
        via = list(runs_on_sources(conn, match.id)) if match.id else []
        orgs = set(conn.scalars(contractor_ids(match, via)))
        edges = conn.scalar(select(func.count()).select_from(hosting_edges(match, via).subquery())) or 0
    name = match.id or provider
    if not edges:
        return (f"no hosting edge points at {name}: no stored notice, legal page, press text or DNS finding "
                f"names it (crawl disclosures or ingest a text that does)")
    if buyers:
        return (f"no public buyer's own site uses {name}; {len(orgs)} organisation(s) do "
                f"(without --buyers)")
    scope = "matching the filters " if filtered else ""
    return (f"no contractor with a contract {scope}uses {name}; {len(orgs)} organisation"
            f"{'s' if len(orgs) != 1 else ''} without contracts {'do' if len(orgs) != 1 else 'does'} "
            f"(add --all-orgs)")
