"""Press articles, court rulings and official answers as evidence: hosting and awards stated in prose.

A text is a Document of kind `press`, `court` or `official`. Two kinds of statements are read in it:

* hosting ("the consultation platform runs on AWS"): each becomes an edge with method `press` and
  evidence of the document's kind (the span and sentence), so answers can tell a site's own disclosure
  from what a third party reported;
* awards ("X a remporté l'appel d'offres", "le ministère a confié ... à la société X"): each becomes a
  contract of kind `reported` (`soustrace.pipelines.reported`), never summed with notice-backed ones.

Whose hosting: an article rarely names the legal entity behind a site, so a hosting edge goes to a
stored site (and its organisation) when the sentence, or else the article, names exactly one stored
site's domain; else to the contractor of a reported award the sentence names ("la société Doctolib a
recours à la société AWS Sarl"); else to the organisation the user said the text is about (`org`);
otherwise it keeps the provider and the document only.
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
from soustrace.pipelines.disclosures import PageRecord, document_for, extractor_version, load_extractor
from soustrace.pipelines.findings import finding_records, store_finding
from soustrace.pipelines.reported import contractor_in, write_reported
from soustrace.pipelines.store import Writer

SOURCE_KINDS = ("press", "court", "official")


def _sites_named(session: Session, text: str) -> list[Site]:
    hosts = {(u.url.split("://", 1)[1]).removeprefix("www.") for u in find_urls(text)}
    if not hosts:
        return []
    rows = session.scalars(select(Site).where(Site.domain.in_(hosts | {"www." + h for h in hosts})))
    return [s for s in rows if s.kind != "editor-site"]


def _about(session: Session, writer: Writer, org: str, kind: str = "company") -> Organization | None:
    """The organisation named by the user: an existing one (SIREN, id, exact name) or a new one by name."""
    from soustrace.hosting.sites import OrgNotFound, resolve_org
    from soustrace.records import OrgRef

    try:
        return resolve_org(session, org, create=False)
    except OrgNotFound:  # the user named an organisation not stored yet
        return writer.org(OrgRef(name=org), kind=kind, source="press")


def _recourse(text: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The "a recours à la société P pour l'hébergement" findings the extractor did not make itself."""
    from soustrace.extraction.recourse import extract_recourse

    def known(rel: dict[str, Any]) -> bool:
        return any(f.get("provider_id") == rel["provider_id"] and (
            (f.get("sentence") or "\0") in rel["sentence"] or rel["sentence"] in (f.get("sentence") or ""))
            for f in found)

    return [rel for rel in extract_recourse(text) if not known(rel)]


def as_html(raw: str) -> str:
    """A text file's paragraphs as HTML (an HTML file as it is)."""
    if "<" in raw[:2000]:
        return raw
    return "<html><body>" + "".join(
        f"<p>{p}</p>" for p in raw.replace("&", "&amp;").replace("<", "&lt;").split("\n\n")) + "</body></html>"


def ingest_press_document(engine: Engine, path: str | Path | None, url: str, *, extractor: Any = None,
                          org: str | None = None, kind: str = "press", text: str | None = None,
                          buyer: str | None = None, awards: bool = True) -> dict[str, Any]:
    """Store a text (an HTML or text file, or `text`) and its hosting and award statements; idempotent.

    `org` is the organisation the reader says the text is about (a SIREN, an org id or a name): its hosting
    statements tied to nothing else are attached to it, so they answer "who uses X". `buyer` stands in for
    the buyer of the awards whose text names none.
    """
    if kind not in SOURCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
    raw = text if text is not None else Path(path or "").read_bytes().decode("utf-8", "replace")
    html = as_html(raw)
    extract = load_extractor(extractor)
    version = extractor_version(extract)
    now = utcnow()
    with Session(engine) as session, session.begin():
        doc, new = document_for(session, PageRecord(url=url, kind=kind, html=html, sites=[]), None, now)
        # Read up to spaCy's limit: a longer text would fail whole (offsets stay valid in the prefix).
        extraction = extract((doc.text or "")[:MAX_TEXT_CHARS], lang=doc.lang, doc_id=str(doc.id))
        writer = Writer(session)
        reported = []
        if awards:
            from soustrace.extraction.awards import extract_awards

            stated_buyer = _about(session, writer, buyer, "public-buyer") if buyer else None
            statements = extract_awards(doc.text or "", lang=doc.lang)
            reported = write_reported(writer, doc, statements, source_kind=kind, url=url, buyer=stated_buyer)
        article_sites = _sites_named(session, doc.text or "")
        about = _about(session, writer, org) if org else None
        written = []
        for rel in [*extraction.relations, *_recourse(doc.text or "", extraction.relations)]:
            sentence = rel.get("sentence") or ""
            named = _sites_named(session, sentence)
            sites = named or (article_sites if len(article_sites) == 1 else [])
            holder = contractor_in(sentence, reported)
            for site in sites or [None]:
                src = (session.get(Organization, site.org_id) if site is not None and site.org_id
                       else session.get(Organization, holder) if holder else about)
                record, ev = finding_records(rel, method="press", where="text", extractor_version=version)
                relation = store_finding(writer, record, ev, src=src, document=doc, site=site, evidence_kind=kind,
                                         contract_id=site.contract_id if site else None, source_url=url)
                written.append({"relation_id": relation.id, "provider": relation.provider_id or relation.provider_name,
                                "role": relation.role, "status": relation.status,
                                "site": site.url if site else None, "org": src.name if src else None})
        return {"document_id": doc.id, "new_document": new, "kind": kind, "relations": written,
                "reported_contracts": [{"contract_id": r.contract_id, "buyer": r.buyer, "contractor": r.contractor,
                                        "status": r.status, "confidence": r.confidence, "quote": r.quote}
                                       for r in reported]}
