"""The site-visit ledger: which sites a queued disclosure crawl has finished, shared by every worker.

Rows are written in PostgreSQL (or SQLite for a single machine) before the units reach Redis, so a worker
that pops a unit always finds its rows; a worker marks them `running` when it starts a unit and
`complete` once every page of the unit is stored. `--resume` re-enqueues the rows that are not complete.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from soustrace.models import SiteVisitRecord
from soustrace.models.base import utcnow


def host_of(url: str) -> str:
    """The unit key: hostname and port (Scrapy's per-domain slot is per host too)."""
    parts = urlsplit(url)
    return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")


def new_campaign() -> str:
    return uuid.uuid4().hex[:16]


class VisitLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def complete_urls(self, urls: Iterable[str]) -> set[str]:
        """Of these site URLs, those whose last queued visit was completed."""
        wanted = list(urls)
        done: set[str] = set()
        with Session(self.engine) as s:
            for i in range(0, len(wanted), 500):
                done.update(s.scalars(select(SiteVisitRecord.url).where(
                    SiteVisitRecord.url.in_(wanted[i:i + 500]), SiteVisitRecord.status == "complete")))
        return done

    def queue(self, urls: Iterable[str], campaign: str) -> None:
        """Mark the sites queued under this campaign (insert or reset), in one transaction."""
        now = utcnow()
        urls = list(urls)
        with Session(self.engine) as s, s.begin():
            rows = {}
            for i in range(0, len(urls), 500):
                chunk = urls[i:i + 500]
                found = s.scalars(select(SiteVisitRecord).where(SiteVisitRecord.url.in_(chunk)))
                rows.update({r.url: r for r in found})
            for url in urls:
                row = rows.get(url)
                if row is None:
                    row = SiteVisitRecord(url=url, host=host_of(url), attempts=0, pages=0)
                    s.add(row)
                row.status, row.campaign, row.attempts = "queued", campaign, (row.attempts or 0) + 1
                row.queued_at, row.started_at, row.finished_at, row.worker, row.error = now, None, None, None, None
                row.pages = 0

    def started(self, urls: Iterable[str], worker: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(update(SiteVisitRecord)
                      .where(SiteVisitRecord.url.in_(list(urls)), SiteVisitRecord.status != "complete")
                      .values(status="running", worker=worker[:120], started_at=utcnow()))

    def completed(self, urls: Iterable[str], worker: str, pages: int, error: str | None = None, *,
                  status: str = "complete") -> None:
        """The unit is over: `complete`, or `failed` when a page was lost to a network fault or a 5xx (resumable)."""
        with Session(self.engine) as s, s.begin():
            s.execute(update(SiteVisitRecord).where(SiteVisitRecord.url.in_(list(urls))).values(
                status=status, worker=worker[:120], finished_at=utcnow(), pages=pages, error=error))

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as s:
            out: dict[str, int] = {}
            for status in s.scalars(select(SiteVisitRecord.status)):
                out[status] = out.get(status, 0) + 1
            return out
