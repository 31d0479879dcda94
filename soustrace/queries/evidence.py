"""The evidence a journalist cites for an edge: the best row of each edge, plus how many rows back it.

One edge can be backed by many evidence rows (the same disclosure seen on every crawl, several notices).
Answers show one row per edge with the *best* evidence and a count, rather than one row per evidence, so a
table stays one line per fact. "Best" = a row that carries the quoted text, then the most recently seen:
a quote is what can be cited, and the latest sighting is the one most likely still online.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Select, case, func, select

from soustrace.models import Document, Evidence, Notice


@dataclass(slots=True)
class BestEvidence:
    url: str | None
    ref: str | None  # "ted:00000156-2025" for a notice, "document:12" for a fetched page
    text: str | None
    path: str | None
    kind: str
    extractor: str | None
    seen_at: dt.datetime | None
    count: int


def _ranked(key: Column, ids: Select | Iterable[int]) -> Select:
    order = (case((Evidence.text.is_(None), 1), else_=0), Evidence.seen_at.desc(), Evidence.id.desc())
    return (
        select(
            key.label("key"), Evidence.kind, Evidence.text, Evidence.path, Evidence.extractor, Evidence.seen_at,
            func.coalesce(Evidence.source_url, Notice.url, Document.url).label("url"),
            Notice.source, Notice.source_id, Evidence.document_id,
            func.row_number().over(partition_by=key, order_by=order).label("rank"),
            func.count().over(partition_by=key).label("n"),
        )
        .outerjoin(Notice, Notice.id == Evidence.notice_id)
        .outerjoin(Document, Document.id == Evidence.document_id)
        .where(key.in_(ids))
    ).subquery()


def best_evidence(conn: Connection, ids: Select | list[int], *, party_roles: bool = False,
                  chunk: int = 5000) -> dict[int, BestEvidence]:
    """{relation id (or party-role id): its best evidence}; `ids` is a list or a SQL select of ids."""
    key = Evidence.party_role_id if party_roles else Evidence.relation_id
    batches: list[Select | list[int]] = (
        [ids[i:i + chunk] for i in range(0, len(ids), chunk)] if isinstance(ids, list) else [ids]
    )
    out: dict[int, BestEvidence] = {}
    for batch in batches:
        ranked = _ranked(key, batch)
        for row in conn.execute(select(ranked).where(ranked.c.rank == 1)).mappings():
            ref = (f"{row['source']}:{row['source_id']}" if row["source"]
                   else f"document:{row['document_id']}" if row["document_id"] else None)
            out[row["key"]] = BestEvidence(url=row["url"], ref=ref, text=row["text"], path=row["path"],
                                           kind=row["kind"], extractor=row["extractor"],
                                           seen_at=row["seen_at"], count=int(row["n"]))
    return out


def all_evidence(conn: Connection, ids: list[int], *, party_roles: bool = False,
                 limit_per_edge: int = 5) -> dict[int, list[dict[str, object]]]:
    """Up to `limit_per_edge` evidence rows per edge, best first (for the chain tree and the HTML graph)."""
    key = Evidence.party_role_id if party_roles else Evidence.relation_id
    out: dict[int, list[dict[str, object]]] = {}
    for i in range(0, len(ids), 5000):
        ranked = _ranked(key, ids[i:i + 5000])
        rows = conn.execute(select(ranked).where(ranked.c.rank <= limit_per_edge)
                            .order_by(ranked.c.key, ranked.c.rank)).mappings()
        for row in rows:
            ref = (f"{row['source']}:{row['source_id']}" if row["source"]
                   else f"document:{row['document_id']}" if row["document_id"] else None)
            out.setdefault(row["key"], []).append({
                "kind": row["kind"], "url": row["url"], "ref": ref, "text": row["text"], "path": row["path"],
                "extractor": row["extractor"], "seen_at": _iso(row["seen_at"]), "count": int(row["n"]),
            })
    return out


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
