"""Raw-first notices: every payload is kept exactly as received, with its revisions, before any parsing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soustrace.models.base import Base, utcnow


class Notice(Base):
    """One notice per (source, source id); its payloads live in `NoticeRevision` (never overwritten)."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    publication_date: Mapped[dt.date | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    schema_version: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))  # of the current revision
    revision: Mapped[int] = mapped_column(default=1)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    parse_status: Mapped[str] = mapped_column(String(16), default="pending")  # ok | error | pending
    parse_error: Mapped[str | None] = mapped_column(Text)

    revisions: Mapped[list[NoticeRevision]] = relationship(
        back_populates="notice", order_by="NoticeRevision.revision", cascade="all, delete-orphan"
    )


class NoticeRevision(Base):
    """A payload as received. A changed payload for the same notice becomes revision N+1."""

    __tablename__ = "notice_revision"
    __table_args__ = (UniqueConstraint("notice_id", "sha256"), UniqueConstraint("notice_id", "revision"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    revision: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(60), default="application/json")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="revisions")


class NoticeLinkRow(Base):
    """A link between notices (rectification, cancellation, modification), kept even if the target is unknown."""

    __tablename__ = "notice_link"
    __table_args__ = (UniqueConstraint("notice_id", "kind", "target_source", "target_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    target_source: Mapped[str] = mapped_column(String(16))
    target_source_id: Mapped[str] = mapped_column(String(200))


class Document(Base):
    """A fetched web page or text (legal notice, privacy page, sub-processor list, press article)."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("url", "sha256"), Index("ix_document_url_fetched", "url", "fetched_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30), default="page")  # legal, privacy, terms, subprocessors, press
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), index=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    http_status: Mapped[int | None]
    sha256: Mapped[str] = mapped_column(String(64))
    raw_html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)  # e.g. "mostly JavaScript: only the static HTML was read"
