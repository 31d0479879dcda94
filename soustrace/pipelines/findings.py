"""The seam between extraction and storage: one extraction finding -> one RelationRecord + EvidenceRecord.

Three writers turned the extractor's findings into edges, each with its own defaults (a notice's free
text, a site's legal page, a press article): an unknown role became "host" in one and "other" in the
others, the evidence path was written two ways. `finding_records` is the one place that decides, as a
pure function of the finding, so the same sentence gives the same edge whoever read it. The writers only
add what they know and the finding does not: the source organisation, the site, the contract, the
document or notice the evidence points at (`store_finding`).

A finding is the extractor's relation dict ({provider_id, provider, surface, start, end, role, status,
confidence, sentence, rule}) or any object with those attributes (the extraction's typed `Finding`).
"""

from __future__ import annotations

from typing import Any

from soustrace.records import HOSTING_ROLES, RELATION_STATUSES, EvidenceRecord, Method, RelationRecord

BUILT_BY = "built-by"
DEFAULT_CONFIDENCE = 0.5
EXTRACTOR = "soustrace.extraction"


def _get(found: Any, name: str) -> Any:
    return found.get(name) if isinstance(found, dict) else getattr(found, name, None)


def finding_records(found: Any, *, method: Method, where: str, extractor_version: str = "",
                    text: str = "", lot: str | None = None) -> tuple[RelationRecord, EvidenceRecord]:
    """The edge and its evidence for one finding. `where` locates the text the span points into ("text"
    for a document's main text, "texts/<field>" for a notice's free-text field); `text` is quoted when the
    finding carries no sentence.

    A `built-by` finding is an edge of kind `built-by` (the maker of a site); any other role is a hosting
    role, one of HOSTING_ROLES, else "other".
    """
    role = _get(found, "role")
    kind = BUILT_BY if role == BUILT_BY else "hosting"
    if kind == "hosting" and role not in HOSTING_ROLES:
        role = "other"
    status = _get(found, "status")
    surface = _get(found, "surface") or ""
    start, end = _get(found, "start"), _get(found, "end")
    rel = RelationRecord(
        kind=kind,  # type: ignore[arg-type]
        provider_id=_get(found, "provider_id") if kind == "hosting" else None,
        provider_name=_get(found, "provider") or surface or None,
        role=role,
        status=status if status in RELATION_STATUSES else "current",  # type: ignore[arg-type]
        method=method,
        confidence=float(_get(found, "confidence") or DEFAULT_CONFIDENCE),
        lot=lot,
    )
    rel.evidence = EvidenceRecord(
        text=_get(found, "sentence") or surface or text, path=f"{where}[{start}:{end}] {surface}"[:300],
        start=start, end=end, extractor=EXTRACTOR, extractor_version=extractor_version)
    return rel, rel.evidence


def store_finding(writer: Any, rel: RelationRecord, ev: EvidenceRecord, *, src: Any = None, dst: Any = None,
                  evidence_kind: str | None = None, notice: Any = None, document: Any = None,
                  contract_id: int | None = None, site: Any = None, source_url: str | None = None) -> Any:
    """Write the edge (upserted on its natural key) and its evidence through a store `Writer`; returns the
    Relation row. The provider id is kept only when the catalog has it; the name as written always is."""
    relation = writer.relation(
        kind=rel.kind, method=rel.method, src=src, dst=dst, provider_id=writer.provider_id(rel.provider_id),
        provider_name=rel.provider_name, role=rel.role, status=rel.status, confidence=rel.confidence,
        contract_id=contract_id, site_id=site.id if site is not None else None,
        target_url=site.url if site is not None else rel.target_url)
    writer.evidence(ev, kind=evidence_kind or rel.method, notice=notice, document=document, relation_id=relation.id,
                    source_url=source_url)
    return relation
