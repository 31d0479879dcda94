"""The hosting edges that point at one provider, as SQL, shared by `uses`, `contracts` and the graph export.

An edge "org X is hosted by provider P" can be stored three ways, all of which must be found:

* `Relation.provider_id = P` (a catalog provider),
* `Relation.provider_id IS NULL` and `provider_name` is one of P's spellings (a name the catalog lacked
  when the extractor ran),
* `Relation.dst_org_id` = an organisation whose `provider_id = P` (the provider resolved as a company).

Plus one hop of runs-on: an edge to NumSpot counts for Outscale when NumSpot runs on Outscale. The
contractor of an edge is `src_org_id`, or for an edge attached to a site (DNS), the site's organisation.
Each branch is its own indexed SELECT joined by UNION, because an OR across them makes both SQLite and
PostgreSQL fall back to scanning the relation table.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select, union
from sqlalchemy.orm import aliased

from soustrace.models import Organization, Relation, Site
from soustrace.queries.catalog import ProviderMatch

contractor_id = func.coalesce(Relation.src_org_id, Site.org_id)
dst_org = aliased(Organization, name="dst_org")


def provider_ids(match: ProviderMatch, upper: list[str] | None = None) -> list[str]:
    """The catalog ids an edge may point at to count for the provider: its own, and those running on it."""
    return [match.id, *(upper or [])] if match.id else list(upper or [])


def matched_relation_ids(match: ProviderMatch, upper: list[str] | None = None, *, kind: str = "hosting") -> Select:
    """SELECT of the ids of `kind` edges pointing at the provider (or at a provider that runs on it)."""
    ids = provider_ids(match, upper)
    branches: list[Select] = []
    if ids:
        branches.append(select(Relation.id).where(Relation.provider_id.in_(ids), Relation.kind == kind))
        provider_orgs = select(Organization.id).where(Organization.provider_id.in_(ids))
        branches.append(select(Relation.id).where(Relation.dst_org_id.in_(provider_orgs), Relation.kind == kind))
    if match.names:
        branches.append(select(Relation.id).where(
            Relation.provider_id.is_(None), Relation.kind == kind,
            func.lower(Relation.provider_name).in_(sorted(match.names))))
    if not branches:
        return select(Relation.id).where(Relation.id.is_(None))
    return select(union(*branches).subquery().c[0])


def edge_conditions(*, role: str | None = None, current_only: bool = False, min_confidence: float = 0.0,
                    include_negated: bool = False) -> list[ColumnElement[bool]]:
    """Status/role/confidence conditions on a hosting edge; negated edges ("not hosted by") never count."""
    conds: list[ColumnElement[bool]] = []
    if current_only:
        conds.append(Relation.status == "current")
    elif not include_negated:
        conds.append(Relation.status != "negated")
    if role:
        conds.append(func.coalesce(Relation.role, "host") == role)
    if min_confidence:
        conds.append(Relation.confidence >= min_confidence)
    return conds


def _edge_select(*extra: ColumnElement) -> Select:
    """The columns of an edge row (its contractor id and the provider it points at), before conditions."""
    return (
        select(
            Relation.id.label("relation_id"), contractor_id.label("org_id"), Relation.role, Relation.status,
            Relation.method, Relation.confidence, Relation.first_seen, Relation.last_seen,
            func.coalesce(Relation.provider_id, dst_org.provider_id).label("provider_id"),
            Relation.provider_name, Relation.site_id, Relation.contract_id, *extra,
        )
        .outerjoin(Site, Site.id == Relation.site_id)
        .outerjoin(dst_org, dst_org.id == Relation.dst_org_id)
    )


def hosting_edges(match: ProviderMatch, upper: list[str] | None = None, **conds: object) -> Select:
    """One row per matching hosting edge with its contractor id and the provider it points at."""
    return _edge_select().where(Relation.id.in_(matched_relation_ids(match, upper)),
                                *edge_conditions(**conds))  # type: ignore[arg-type]


def all_hosting_edges() -> Select:
    """Every hosting edge that is not negated, with the keys `matched_relation_ids` matches on (for the stored
    answer rows, `models.answers.HostingAnswer`): the destination organisation's provider, and the name as
    written, lower-cased, when the edge has no catalog id."""
    return _edge_select(
        dst_org.provider_id.label("dst_provider_id"),
        case((Relation.provider_id.is_(None), func.lower(Relation.provider_name))).label("provider_name_lc"),
    ).where(Relation.kind == "hosting", *edge_conditions())


def contractor_ids(match: ProviderMatch, upper: list[str] | None = None, **conds: object) -> Select:
    """SELECT of the distinct organisations that have a matching hosting edge."""
    edges = hosting_edges(match, upper, **conds).subquery()
    return select(edges.c.org_id).where(edges.c.org_id.is_not(None)).distinct()
