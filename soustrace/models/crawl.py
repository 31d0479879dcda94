"""Crawl bookkeeping (completeness per window) and the quarantine of bad input."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soustrace.models.base import Base, utcnow


class CrawlWindow(Base):
    """One date window of one source's crawl: what the API announced vs what was stored.

    status: pending | running | complete | short | split | failed. A window is `split` when its total
    exceeds what paging can reach; its children cover it. `params` holds filters (nature, country).
    """

    __tablename__ = "crawl_window"
    __table_args__ = (UniqueConstraint("source", "date_from", "date_until", "params"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    date_from: Mapped[dt.date]
    date_until: Mapped[dt.date]
    params: Mapped[str] = mapped_column(String(200), default="")
    expected: Mapped[int | None]
    fetched: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejects: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class Reject(Base):
    """Quarantined input: which record, at which stage, and why. Re-runs update `last_seen`, not add rows."""

    __tablename__ = "reject"

    id: Mapped[int] = mapped_column(primary_key=True)
    reject_key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    record_id: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
