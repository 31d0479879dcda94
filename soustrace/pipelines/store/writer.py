"""The per-row writer: organisations, edges, evidence and sites one at a time, as ORM objects.

The notice path of the store writes whole batches (`batch.BatchWriter`); the writers that need ORM objects
and ids at once — disclosure pages, press articles, discovered sites, DNS findings, tests building small
graphs — use this one. Both follow the same rules and share the natural keys of `keys`: an organisation
by `org_key` (first spelling names it, later ones fill gaps, every spelling an alias), an edge by
`relation_key` (a re-seen edge moves `last_seen`, keeps the highest confidence), evidence by
`evidence_key`, a site by (url, kind, organisation, contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.identity import identify, normalize_name
from soustrace.models import Document, Evidence, Notice, OrgAlias, Organization, Provider, Relation, Site
from soustrace.models.base import utcnow
from soustrace.pipelines.store.keys import evidence_key, normalize_site_url, relation_key
from soustrace.records import EvidenceRecord, OrgRef


@dataclass
class StoreCaches:
    """Organisation ids by key and the aliases known, across one writer's calls."""

    org_ids: dict[str, int] = field(default_factory=dict)
    aliases: set[tuple[int, str]] = field(default_factory=set)
    alias_loaded: set[int] = field(default_factory=set)


class Writer:
    """Writes inside the caller's session; caches resolved organisations for its lifetime."""

    def __init__(self, session: Session, caches: StoreCaches | None = None) -> None:
        self.s = session
        self.caches = caches or StoreCaches()
        self.orgs: dict[str, Organization] = {}
        self.providers: set[str] | None = None
        self.new_evidence: dict[str, Evidence] = {}

    def org(self, ref: OrgRef | None, *, kind: str = "company", source: str | None = None) -> Organization | None:
        """Resolve an OrgRef to its canonical organisation, creating it or filling its gaps."""
        if ref is None:
            return None
        ident = identify(ref.name, ref.national_id, ref.id_scheme, ref.country)
        if ident is None:
            return None
        org = self.orgs.get(ident.org_key)
        if org is None:
            known_id = self.caches.org_ids.get(ident.org_key)
            if known_id is not None:
                org = self.s.get(Organization, known_id)
            else:
                org = self.s.scalar(select(Organization).where(Organization.org_key == ident.org_key))
        created = org is None
        if org is None:
            org = Organization(
                org_key=ident.org_key,
                kind=kind,
                siren=ident.siren,
                siret=ident.siret,
                vat=ident.vat,
                foreign_id=ident.foreign_id,
                foreign_scheme=ident.foreign_scheme,
                country=ident.country or ref.country,
                id_valid=ident.valid,
                id_issue=ident.issue,
            )
            self.s.add(org)
            self.s.flush()
        else:
            org.siret = org.siret or ident.siret
            org.vat = org.vat or ident.vat
            org.country = org.country or ident.country or ref.country
            if kind == "public-buyer" and org.kind == "company":
                org.kind = kind
        if ref.name and not org.name:
            org.name = ref.name.strip()
            org.normalized_name = normalize_name(ref.name)
        self.orgs[ident.org_key] = org
        self.caches.org_ids[ident.org_key] = org.id
        if ref.name:
            self._alias(org, ref.name.strip(), source, created)
        return org

    def _alias(self, org: Organization, name: str, source: str | None, created: bool) -> None:
        name = name[:500]
        if org.id not in self.caches.alias_loaded:
            if not created:
                known = self.s.scalars(select(OrgAlias.name).where(OrgAlias.org_id == org.id))
                self.caches.aliases.update((org.id, n) for n in known)
            self.caches.alias_loaded.add(org.id)
        if (org.id, name) not in self.caches.aliases:
            self.s.add(OrgAlias(org_id=org.id, name=name, source=source))
            self.caches.aliases.add((org.id, name))

    def provider_id(self, provider_id: str | None) -> str | None:
        """Only catalog ids that are loaded become foreign keys; unknown ones are kept as names by callers."""
        if provider_id is None:
            return None
        if self.providers is None:
            from soustrace.pipelines.store.providers import ensure_providers_in

            ensure_providers_in(self.s)
            self.providers = set(self.s.scalars(select(Provider.id)))
        return provider_id if provider_id in self.providers else None

    def relation(
        self,
        *,
        kind: str,
        method: str,
        src: Organization | None = None,
        dst: Organization | None = None,
        provider_id: str | None = None,
        provider_name: str | None = None,
        target_url: str | None = None,
        role: str | None = None,
        status: str = "current",
        confidence: float = 1.0,
        contract_id: int | None = None,
        site_id: int | None = None,
    ) -> Relation:
        """Upsert an edge on its natural key; a re-seen edge only moves `last_seen` (and keeps max confidence)."""
        edge_key = relation_key(kind=kind, role=role, status=status, method=method, src_org_id=src.id if src else None,
                                dst_org_id=dst.id if dst else None, provider_id=provider_id,
                                provider_name=provider_name, contract_id=contract_id, site_id=site_id,
                                target_url=target_url)
        row = self.s.scalar(select(Relation).where(Relation.edge_key == edge_key))
        now = utcnow()
        if row is None:
            row = Relation(
                edge_key=edge_key,
                kind=kind,
                role=role,
                status=status,
                method=method,
                confidence=confidence,
                src_org_id=src.id if src else None,
                dst_org_id=dst.id if dst else None,
                provider_id=provider_id,
                provider_name=provider_name,
                contract_id=contract_id,
                site_id=site_id,
                target_url=target_url,
                first_seen=now,
                last_seen=now,
            )
            self.s.add(row)
        else:
            row.last_seen = now
            row.confidence = max(row.confidence, confidence)
        self.s.flush()
        return row

    def evidence(
        self,
        ev: EvidenceRecord,
        *,
        kind: str,
        notice: Notice | None = None,
        document: Document | None = None,
        relation_id: int | None = None,
        party_role_id: int | None = None,
        source_url: str | None = None,
    ) -> Evidence:
        notice_id = notice.id if notice else None
        document_id = document.id if document else None
        url = source_url or (notice.url if notice else None) or (document.url if document else None)
        key = evidence_key(relation_id, party_role_id, notice_id, document_id, ev.path, ev.start, ev.end, ev.text,
                           ev.extractor)
        row = self.new_evidence.get(key)
        if row is None:
            row = self.s.scalar(select(Evidence).where(Evidence.evidence_key == key))
        if row is None:
            row = Evidence(
                evidence_key=key,
                relation_id=relation_id,
                party_role_id=party_role_id,
                notice_id=notice_id,
                document_id=document_id,
                kind=kind,
                source_url=url,
                path=ev.path or None,
                text=ev.text or None,
                start=ev.start,
                end=ev.end,
                extractor=ev.extractor or None,
                extractor_version=ev.extractor_version or None,
            )
            self.s.add(row)
            self.new_evidence[key] = row
        else:
            row.seen_at = utcnow()
        self.s.flush()  # callers need the id at once
        return row

    def site(
        self,
        url: str,
        *,
        kind: str,
        org: Organization | None = None,
        contract_id: int | None = None,
        found_by: str | None = None,
    ) -> Site:
        url = normalize_site_url(url)
        row = self.s.scalar(
            select(Site).where(
                Site.url == url,
                Site.kind == kind,
                Site.org_id.is_(None) if org is None else Site.org_id == org.id,
                Site.contract_id.is_(None) if contract_id is None else Site.contract_id == contract_id,
            )
        )
        if row is None:
            row = Site(
                url=url,
                domain=urlsplit(url).hostname or url,
                kind=kind,
                org_id=org.id if org else None,
                contract_id=contract_id,
                found_by=found_by,
            )
            self.s.add(row)
            self.s.flush()
        return row
