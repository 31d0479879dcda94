"""Edges between organisations, providers and sites, and the evidence that backs each of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soustrace.models.base import Base, utcnow


class Relation(Base):
    """kind: declared-subcontract | hosting | delivers-site | uses-platform | runs-on.

    `edge_key` folds the identifying columns into one unique string, because NULLs never collide in SQL
    unique constraints and an edge is idempotent across re-runs only if its key is.
    """

    __tablename__ = "relation"
    __table_args__ = (
        Index("ix_relation_provider", "provider_id", "kind", "status"),
        Index("ix_relation_src", "src_org_id", "kind"),
        Index("ix_relation_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edge_key: Mapped[str] = mapped_column(String(500), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    role: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="current")
    method: Mapped[str] = mapped_column(String(12))
    confidence: Mapped[float] = mapped_column(default=1.0)
    src_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    dst_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("provider.id"))
    provider_name: Mapped[str | None] = mapped_column(Text)  # as written when not in the catalog
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    target_url: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """Why we believe an edge or a role: the notice or document, the exact span, the extractor, when."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the identifying fields
    relation_id: Mapped[int | None] = mapped_column(ForeignKey("relation.id", ondelete="CASCADE"), index=True)
    party_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_role.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # structured | nlp | dns | user | press
    source_url: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    extractor: Mapped[str | None] = mapped_column(String(40))
    extractor_version: Mapped[str | None] = mapped_column(String(20))
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
