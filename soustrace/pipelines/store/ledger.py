"""The crawl ledger: CrawlWindow rows that prove a crawl's completeness and drive `--resume`.

A window is complete only when the number of distinct records stored reaches the total the API announced
for it; otherwise it is `short` (or `failed` when a page could not be fetched) and the crawl says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from soustrace.models import CrawlWindow
from soustrace.models.base import utcnow

INCOMPLETE = ("pending", "running", "short", "failed")


def date_chunks(start: dt.date, end: dt.date, days: int) -> Iterator[tuple[dt.date, dt.date]]:
    """[start, end] cut in inclusive chunks of `days` days."""
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + dt.timedelta(days=days - 1))
        yield cursor, stop
        cursor = stop + dt.timedelta(days=1)


@dataclass
class WindowState:
    """What one window's crawl has seen so far (kept in memory by the spider)."""

    id: int
    source: str
    date_from: dt.date
    date_until: dt.date
    params: str = ""
    expected: int | None = None
    fetched: int = 0
    ids: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)  # ids read but not stored (quarantined at the store)
    pending: int = 0
    passes: int = 1
    split: bool = False

    @property
    def label(self) -> str:
        suffix = f" [{self.params}]" if self.params else ""
        return f"{self.source} {self.date_from}..{self.date_until}{suffix}"


class WindowLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(self, source: str, date_from: dt.date, date_until: dt.date, params: str = "") -> WindowState:
        """Create or reset the window row and mark it running."""
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(CrawlWindow).where(
                CrawlWindow.source == source, CrawlWindow.date_from == date_from,
                CrawlWindow.date_until == date_until, CrawlWindow.params == params))
            if row is None:
                row = CrawlWindow(source=source, date_from=date_from, date_until=date_until, params=params)
                s.add(row)
            row.status, row.error, row.expected = "running", None, None
            row.fetched = row.stored = row.duplicates = row.rejects = 0
            row.started_at, row.finished_at = utcnow(), None
            s.flush()
            return WindowState(row.id, source, date_from, date_until, params)

    def queue(self, source: str, date_from: dt.date, date_until: dt.date, params: str = "") -> None:
        """Create or reset the window row as `pending`: queued for a worker, not proven complete."""
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(CrawlWindow).where(
                CrawlWindow.source == source, CrawlWindow.date_from == date_from,
                CrawlWindow.date_until == date_until, CrawlWindow.params == params))
            if row is None:
                row = CrawlWindow(source=source, date_from=date_from, date_until=date_until, params=params)
                s.add(row)
            row.status, row.error, row.started_at, row.finished_at = "pending", None, None, None

    def plan(self, source: str, date_from: dt.date, date_until: dt.date, params: str, days: int,
             resume: bool) -> list[tuple[dt.date, dt.date]]:
        """The windows to crawl: all chunks, or with `resume` only those not yet proven complete."""
        chunks = list(date_chunks(date_from, date_until, days))
        if not resume:
            return chunks
        with Session(self.engine) as s:
            rows = current_windows(s.scalars(select(CrawlWindow).where(
                CrawlWindow.source == source, CrawlWindow.params == params, CrawlWindow.status != "split",
                CrawlWindow.date_from >= date_from, CrawlWindow.date_until <= date_until)).all())
        todo = [(r.date_from, r.date_until) for r in rows if r.status in INCOMPLETE]
        for start, stop in uncovered(rows, date_from, date_until):  # never crawled, or superseded in part
            todo.extend(date_chunks(start, stop, days))
        return sorted(set(todo))

    def mark_split(self, state: WindowState) -> None:
        state.split = True
        self._update(state, status="split", stored=0, rejects=0)

    def finish(self, state: WindowState, rejected: set[str]) -> str:
        if state.split:
            return "split"
        rejected = rejected | state.lost
        stored = len(state.ids - rejected)
        if state.errors:
            status = "failed"
        elif state.expected is None or stored < state.expected:
            status = "short"
        else:
            status = "complete"
        self._update(state, status=status, stored=stored, rejects=len(state.ids & rejected))
        return status

    def _update(self, state: WindowState, *, status: str, stored: int, rejects: int) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.get(CrawlWindow, state.id)
            assert row is not None
            row.status = status
            row.expected = state.expected
            row.fetched = state.fetched
            row.stored = stored
            row.duplicates = max(0, state.fetched - len(state.ids))
            row.rejects = rejects
            short = "" if state.expected is None else f"{stored} of {state.expected} stored"
            row.error = "; ".join(state.errors)[:4000] or (short if status == "short" else None)
            row.finished_at = utcnow()


def current_windows(rows: list[CrawlWindow]) -> list[CrawlWindow]:
    """The leaf windows that describe a range now: the latest of overlapping ones, none counted twice.

    Why: two overlapping crawls (other ranges, or a day split by one run and not by the other) leave
    windows that cover the same days. Summed, the same notices counted twice ("expected 10445, stored
    10445" for 6,000 notices) and a stale `running` row under a newer complete one made `--resume`
    re-plan days already proven complete. The latest evidence for each day wins (finished, else started).
    """
    floor = dt.datetime.min

    def recency(row: CrawlWindow) -> tuple[dt.datetime, dt.datetime, int]:
        started = (row.started_at or floor).replace(tzinfo=None)
        return (row.finished_at or row.started_at or floor).replace(tzinfo=None), started, row.id

    chosen: list[CrawlWindow] = []
    for row in sorted(rows, key=recency, reverse=True):
        if not any(row.date_from <= c.date_until and c.date_from <= row.date_until for c in chosen):
            chosen.append(row)
    return sorted(chosen, key=lambda r: r.date_from)


def uncovered(rows: list[CrawlWindow], start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The day ranges of [start, end] that no row covers (rows do not overlap)."""
    gaps, cursor = [], start
    for row in sorted(rows, key=lambda r: r.date_from):
        if row.date_from > cursor:
            gaps.append((cursor, min(end, row.date_from - dt.timedelta(days=1))))
        cursor = max(cursor, row.date_until + dt.timedelta(days=1))
    if cursor <= end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a <= b]


def summarize(engine: Engine, source: str, date_from: dt.date, date_until: dt.date,
              params: str = "") -> dict[str, object]:
    """The crawl summary over the current leaf windows of a range: totals and the windows not complete."""
    with Session(engine) as s:
        rows = current_windows(s.scalars(select(CrawlWindow).where(
            CrawlWindow.source == source, CrawlWindow.params == params,
            CrawlWindow.date_from >= date_from, CrawlWindow.date_until <= date_until,
            CrawlWindow.status != "split")).all())
        bad = [f"{r.date_from}..{r.date_until}: {r.status} ({r.error or 'no total'})"
               for r in rows if r.status != "complete"]
        if rows:  # days between current windows: a newer window superseded part of an older one
            bad += [f"{a}..{b}: not covered by a current window" for a, b in uncovered(rows, date_from, date_until)]
            bad.sort()
        return {
            "windows": len(rows),
            "expected": sum(r.expected or 0 for r in rows),
            "stored": sum(r.stored for r in rows),
            "fetched": sum(r.fetched for r in rows),
            "duplicates": sum(r.duplicates for r in rows),
            "rejects": sum(r.rejects for r in rows),
            "incomplete": bad,
        }
