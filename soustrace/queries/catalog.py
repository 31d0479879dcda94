"""Resolving what a user types ("aws", "Amazon", "OVH SAS") to the provider the relations point to.

A journalist types a name, not a catalog id, so a provider is found case-insensitively by its id, its display
name or any alias of its catalog entry (`Provider.data["aliases"]`). Hosting relations whose provider is not
in the catalog keep the name as written (`Relation.provider_name`); such a name also resolves, so a provider
the catalog lacks can still be asked about. An unknown name fails with the closest names, never silently
with an empty answer that would read as "nobody uses it".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, func, select

from soustrace.errors import NotFoundError
from soustrace.models import Organization, Provider, Relation


class ProviderNotFound(NotFoundError):
    """The provider name matches nothing; `suggestions` holds the closest known names."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown provider {query!r}{hint}")


@dataclass(slots=True)
class ProviderMatch:
    """What a provider query resolved to: a catalog id, or (outside the catalog) a name as written."""

    query: str
    id: str | None
    name: str
    names: set[str] = field(default_factory=set)  # lower-cased spellings matched against provider_name
    facts: dict[str, str | None] = field(default_factory=dict)


def _aliases(data: dict | None) -> list[str]:
    if not isinstance(data, dict):
        return []
    out = [a for a in data.get("aliases") or [] if isinstance(a, str)]
    display = data.get("display_name")
    if isinstance(display, str):
        out.append(display)
    return out


def secnumcloud_bucket(status: str | None) -> str:
    """Fold the catalog's free-text SecNumCloud status into four comparable values.

    The catalog quotes its sources ("qualified (specific offers)", "in_process (per secondary source)",
    "not_qualified_inferred"); counting per status needs a closed set, and "unknown" must stay distinct from
    "not qualified" because the catalog could not verify most statuses.
    """
    text = (status or "").strip().lower()
    if text.startswith("qualified"):
        return "qualified"
    if text.startswith("in_process") or text.startswith("in process"):
        return "in-process"
    if text.startswith("not_qualified") or text.startswith("not qualified"):
        return "not-qualified"
    return "unknown"


def provider_facts(row: Provider | None) -> dict[str, str | None]:
    """Jurisdiction, CLOUD Act exposure and SecNumCloud status, with "unknown" spelled out."""
    if row is None:
        return {"jurisdiction": "unknown", "cloud_act": "unknown", "secnumcloud": "unknown",
                "secnumcloud_status": None, "hq_country": None}
    return {
        "jurisdiction": row.jurisdiction or "unknown",
        "cloud_act": row.cloud_act or "unknown",
        "secnumcloud": secnumcloud_bucket(row.secnumcloud_status),
        "secnumcloud_status": row.secnumcloud_status,
        "hq_country": row.hq_country,
    }


def resolve_provider(conn: Connection, query: str) -> ProviderMatch:
    """Resolve a provider id, name or alias; raise `ProviderNotFound` with close matches otherwise."""
    wanted = query.strip().lower()
    if not wanted:
        raise ProviderNotFound(query, [])
    candidates: list[str] = []
    for row in conn.execute(select(Provider.__table__)).mappings():
        spellings = [s for s in (row["id"], row["name"], *_aliases(row["data"])) if s]
        candidates.extend(spellings)
        if wanted in {s.lower() for s in spellings}:
            prov = Provider(**dict(row))
            return ProviderMatch(query=query, id=prov.id, name=prov.name,
                                 names={s.lower() for s in spellings}, facts=provider_facts(prov))
    as_written = conn.execute(
        select(Relation.provider_name).where(Relation.kind == "hosting", Relation.provider_id.is_(None),
                                             func.lower(Relation.provider_name) == wanted).limit(1)
    ).scalar()
    if as_written:
        return ProviderMatch(query=query, id=None, name=as_written, names={wanted}, facts=provider_facts(None))
    if not candidates:  # the catalog was never loaded into this database (e.g. only notices ingested)
        shipped = _shipped_match(query)
        if shipped is not None:
            return shipped
    names = conn.execute(
        select(Relation.provider_name).where(Relation.kind == "hosting", Relation.provider_id.is_(None),
                                             Relation.provider_name.is_not(None)).distinct().limit(20000)
    ).scalars()
    candidates.extend(n for n in names if n)
    raise ProviderNotFound(query, close_matches(query, candidates))


def _shipped_match(query: str) -> ProviderMatch | None:
    """The provider as the shipped catalog knows it, for a database whose `provider` table is empty: the
    question is answered (nothing points at it yet) instead of failing on an unknown provider."""
    from soustrace.catalog import get_catalog

    catalog = get_catalog()
    pid = query.strip() if catalog.get(query.strip()) else catalog.resolve(query)
    entry = catalog.get(pid)
    if entry is None:
        return None
    names = {n.lower() for n in (entry.id, entry.display_name, *entry.aliases, *entry.aliases_case_sensitive) if n}
    facts = {**provider_facts(None), "jurisdiction": entry.jurisdiction or "unknown",
             "cloud_act": "unknown" if entry.cloud_act is None else str(entry.cloud_act).lower()}
    return ProviderMatch(query=query, id=entry.id, name=entry.display_name, names=names, facts=facts)


def close_matches(query: str, candidates: list[str], limit: int = 5) -> list[str]:
    """The few spellings nearest to `query` (rapidfuzz WRatio), without duplicates."""
    unique = list(dict.fromkeys(candidates))
    found = process.extract(query, unique, scorer=fuzz.WRatio, limit=limit * 2, score_cutoff=50)
    out: list[str] = []
    for name, _score, _idx in found:
        if name.lower() not in {o.lower() for o in out}:
            out.append(name)
    return out[:limit]


@dataclass(slots=True)
class RunsOn:
    """One "upper runs on lower" fact: a runs-on relation (with evidence rows) or a catalog statement."""

    upper: str
    relation_id: int | None = None
    stated_in: str | None = None  # the catalog's `runs_on[].stated_in`, when the fact comes from the catalog


def runs_on_sources(conn: Connection, provider_id: str) -> dict[str, list[RunsOn]]:
    """Providers that run on `provider_id`, one hop: {upper provider id: the facts saying so}.

    Two sources: runs-on relations from the organisation that is the upper provider
    (`Organization.provider_id`) to the lower one (`Relation.provider_id`), and the catalog's own
    `runs_on` entries (`Provider.data["runs_on"]`, e.g. NumSpot on Outscale). A catalog entry naming several
    possible providers (MongoDB Atlas: AWS, GCP or Azure, chosen by the customer) says nothing about a
    given customer and is ignored. Only one hop is followed: each hop weakens the claim.
    """
    out: dict[str, list[RunsOn]] = {}
    rows = conn.execute(
        select(Organization.provider_id, Relation.id)
        .join(Organization, Organization.id == Relation.src_org_id)
        .where(Relation.kind == "runs-on", Relation.provider_id == provider_id,
               Relation.status != "negated", Organization.provider_id.is_not(None),
               Organization.provider_id != provider_id)
    ).all()
    for upper, rel_id in rows:
        out.setdefault(upper, []).append(RunsOn(upper, relation_id=rel_id))
    for upper, facts in catalog_runs_on(conn).items():
        for lower, stated_in in facts:
            if lower == provider_id and upper != provider_id:
                out.setdefault(upper, []).append(RunsOn(upper, stated_in=stated_in))
    return out


def catalog_runs_on(conn: Connection) -> dict[str, list[tuple[str, str]]]:
    """{upper provider: [(the one provider it runs on, where the catalog read it)]}, unambiguous entries only."""
    out: dict[str, list[tuple[str, str]]] = {}
    for pid, data in conn.execute(select(Provider.id, Provider.data)):
        if not isinstance(data, dict):
            continue
        for entry in data.get("runs_on") or []:
            ids = entry.get("provider_ids") if isinstance(entry, dict) else None
            if isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str):
                out.setdefault(pid, []).append((ids[0], str(entry.get("stated_in") or "provider catalog")))
    return out


def load_catalog(conn: Connection) -> dict[str, dict[str, str | None]]:
    """{provider id: name and facts} for every catalog entry (small: tens of rows)."""
    out: dict[str, dict[str, str | None]] = {}
    for row in conn.execute(select(Provider.__table__)).mappings():
        prov = Provider(**dict(row))
        out[prov.id] = {"name": prov.name, **provider_facts(prov)}
    return out
