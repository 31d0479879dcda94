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


class SiteVisitRecord(Base):
    """One site's disclosure crawl when crawls are spread over workers: the ledger `--resume` reads.

    A worker that dies loses only the sites it had in flight; those rows stay `queued` or `running`, and
    `crawl disclosures --resume --queue` re-enqueues exactly them. `url` is the stored Site URL (one visit
    covers every Site row sharing it); `host` is the unit a worker takes whole (all of a host's sites go
    to one worker, so one host is never fetched by several workers at once). `campaign` is the token of the
    enqueue run that last queued it: it salts request fingerprints, so a re-enqueued site is fetched again
    while the shared duplicate filter still stops two workers fetching the same page within one campaign.

    status: queued | running | complete | failed (a page lost to a timeout, a reset or a 5xx).
    """

    __tablename__ = "site_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    campaign: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(120))
    pages: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
