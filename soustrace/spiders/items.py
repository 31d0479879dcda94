"""The items spiders hand to the item pipelines, one class per kind.

Why typed: a pipeline decides what to do with an item by its class (`isinstance`), not by probing dict
keys (`"reject" in item`), so a misspelt field fails where it is written and each pipeline passes on the
kinds it does not handle. Spiders fetch and never parse; these carry raw bytes and where they came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from soustrace.records import NoticeRecord, RejectRecord


@dataclass(slots=True)
class RawNotice:
    """One notice as fetched; `ParsePipeline` fills `notice`, `StorePipeline` stores it."""

    source: str
    source_id: str
    raw: bytes
    url: str | None = None
    record: dict[str, Any] | None = None  # the API's JSON record, when the raw payload came inside one
    content_type: str = "application/json"
    window_id: int | None = None
    notice: NoticeRecord | None = None


@dataclass(slots=True)
class FetchReject:
    """Something fetched that cannot become a notice (no id, unreadable page): quarantined with its reason."""

    reject: RejectRecord
    source: str | None = None


@dataclass(slots=True)
class DecpResource:
    """A DECP file of data.gouv.fr to download and stream through the parser (`DecpFilePipeline`)."""

    resource: dict[str, Any]
    window_id: int
    source: str
    date_from: dt.date
    date_until: dt.date


@dataclass(slots=True)
class SiteVisit:
    """The outcome of visiting one site's home page: reached or not, and why not."""

    url: str
    site_ids: list[int]
    reached: bool
    error: str | None = None


@dataclass(slots=True)
class DisclosurePage:
    """A legal notice, privacy, terms or sub-processor page fetched for the sites in `sites`."""

    url: str
    kind: str
    html: str
    sites: list[dict[str, Any]]
    http_status: int = 200
    requested_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    fetched_at: str | None = None
    via: str | None = None


@dataclass(slots=True)
class UnitEvent:
    """A queued disclosure unit (one host's sites) started or ended in a worker (`soustrace.distributed`).

    `complete` comes after the unit's pages in the item stream, so the pipeline stores them first."""

    event: str  # started | complete | failed (a page lost to a network fault: resumable)
    urls: list[str]  # the stored Site URLs: the keys of the site_visit ledger
    worker: str
    site_ids: list[int] = field(default_factory=list)
    pages: int = 0
    error: str | None = None


@dataclass(slots=True)
class WindowDone:
    """A queued window's last page is in: the store pipeline flushes and settles that window."""

    window_id: int
    source: str
