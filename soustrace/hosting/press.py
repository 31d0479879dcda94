"""Press articles as evidence: "the consultation platform runs on AWS", as a journalist established it.

An article is a Document of kind `press`; each hosting statement in it becomes an edge with method `press`
and evidence of kind `press` (the span and sentence in the article text), so answers can tell a site's own
disclosure from what the press reported. An article rarely names the legal entity behind a site, so the
edge is tied to a stored site (and its organisation) only when the sentence, or else the article, names
exactly one stored site's domain; otherwise it keeps the provider and the article only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.hosting.sites import find_urls
from soustrace.models import Organization, Site
from soustrace.models.base import utcnow
from soustrace.parsers.payload import MAX_TEXT_CHARS
from soustrace.pipelines.disclosures import ROLES, STATUSES, PageRecord, document_for, extractor_version, load_extractor
from soustrace.pipelines.store import Writer
from soustrace.records import EvidenceRecord


def _sites_named(session: Session, text: str) -> list[Site]:
    hosts = {(u.url.split("://", 1)[1]).removeprefix("www.") for u in find_urls(text)}
    if not hosts:
        return []
    rows = session.scalars(select(Site).where(Site.domain.in_(hosts | {"www." + h for h in hosts})))
    return [s for s in rows if s.kind != "editor-site"]


def _about(session: Session, writer: Writer, org: str) -> Organization | None:
    """The organisation named by the user: an existing one (SIREN, id, exact name) or a new one by name."""
    from soustrace.hosting.sites import OrgNotFound, resolve_org
    from soustrace.records import OrgRef

    try:
        return resolve_org(session, org, create=False)
    except OrgNotFound:  # the user named an organisation not stored yet
        return writer.org(OrgRef(name=org), source="press")


def ingest_press_document(engine: Engine, path: str | Path, url: str, *,
                          extractor: Any = None, org: str | None = None) -> dict[str, Any]:
    """Store an article (HTML or text file) and its hosting statements; idempotent for the same content.

    `org` is the organisation the reader says the article is about (a SIREN, an org id or a name): its
    statements not tied to a stored site are attached to it, so they answer "who uses X".
    """
    raw = Path(path).read_bytes().decode("utf-8", "replace")
    html = raw if "<" in raw[:2000] else "<html><body>" + "".join(
        f"<p>{p}</p>" for p in raw.replace("&", "&amp;").replace("<", "&lt;").split("\n\n")) + "</body></html>"
    extract = load_extractor(extractor)
    version = extractor_version(extract)
    now = utcnow()
    with Session(engine) as session, session.begin():
        doc, new = document_for(session, PageRecord(url=url, kind="press", html=html, sites=[]), None, now)
        # Read up to spaCy's limit: a longer text would fail whole (offsets stay valid in the prefix).
        extraction = extract((doc.text or "")[:MAX_TEXT_CHARS], lang=doc.lang, doc_id=str(doc.id))
        writer = Writer(session)
        article_sites = _sites_named(session, doc.text or "")
        about = _about(session, writer, org) if org else None
        written = []
        for rel in extraction.relations:
            named = _sites_named(session, rel.get("sentence") or "")
            sites = named or (article_sites if len(article_sites) == 1 else [])
            for site in sites or [None]:
                src = session.get(Organization, site.org_id) if site is not None and site.org_id else about
                relation = writer.relation(
                    kind="hosting", method="press", src=src, provider_id=writer.provider_id(rel.get("provider_id")),
                    provider_name=rel.get("provider") or rel.get("surface"),
                    role=rel.get("role") if rel.get("role") in ROLES else "other",
                    status=rel.get("status") if rel.get("status") in STATUSES else "current",
                    confidence=float(rel.get("confidence") or 0.5), site_id=site.id if site else None,
                    contract_id=site.contract_id if site else None, target_url=site.url if site else None)
                span = f"text[{rel.get('start')}:{rel.get('end')}] {rel.get('surface', '')}"[:300]
                writer.evidence(EvidenceRecord(text=rel.get("sentence") or rel.get("surface") or "", path=span,
                                               start=rel.get("start"), end=rel.get("end"),
                                               extractor="soustrace.extraction", extractor_version=version),
                                kind="press", document=doc, relation_id=relation.id, source_url=url)
                written.append({"relation_id": relation.id, "provider": relation.provider_id or relation.provider_name,
                                "role": relation.role, "status": relation.status,
                                "site": site.url if site else None})
        return {"document_id": doc.id, "new_document": new, "relations": written}
