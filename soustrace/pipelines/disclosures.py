"""From fetched disclosure pages to hosting edges with evidence, keeping history across re-crawls.

Each page becomes a Document (raw HTML and main text; a changed page is a new Document, the old one is
kept). The extraction runs on the main text, so evidence spans point into `Document.text`. Each stated
provider becomes a `hosting` Relation (method `nlp`) from the site's organisation, carrying the site and,
for a delivered site, its contract.

History: a host is never overwritten. At the end of a crawl, a current NLP edge of a site whose every
backing page was read again and no longer states it becomes `past` (its evidence and `last_seen` kept),
and the newly stated host is a new `current` edge. An edge whose page could not be fetched this time is
left alone: a page that is down says nothing about a change of host.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from soustrace.hosting.builders import builders_of
from soustrace.models import Document, Evidence, Organization, Relation, Site
from soustrace.models.base import utcnow
from soustrace.parsers.payload import MAX_TEXT_CHARS
from soustrace.pipelines.findings import finding_records, store_finding
from soustrace.pipelines.store import Writer, relation_key, sha256
from soustrace.records import OrgRef
from soustrace.spiders.items import DisclosurePage, SiteVisit, UnitEvent

log = logging.getLogger(__name__)

DEFAULT_EXTRACTOR = "soustrace.extraction.extract:extract"


class Extraction(Protocol):
    """What `soustrace.extraction.extract.extract` returns (only the attributes used here)."""

    editor: dict[str, Any] | None
    relations: list[dict[str, Any]]


Extractor = Callable[..., Extraction]


def load_extractor(spec: str | Callable[..., Any] | None = None) -> Extractor:
    """`module:function` (a setting, so tests and users can swap the extractor) or a callable."""
    if callable(spec):
        return spec
    module, _, attr = (spec or DEFAULT_EXTRACTOR).partition(":")
    return getattr(importlib.import_module(module), attr or "extract")


def extractor_version(extract: Extractor) -> str:
    module = importlib.import_module(extract.__module__)
    return str(getattr(module, "__version__", None) or getattr(module, "EXTRACTOR_VERSION", "") or "")[:20]


@dataclass(slots=True)
class SiteRef:
    """One Site row a fetched URL belongs to (a URL can be a vendor's site and a delivered site at once)."""

    site_id: int
    org_id: int | None = None
    contract_id: int | None = None
    kind: str = "vendor-site"
    url: str = ""


@dataclass(slots=True)
class PageRecord:
    """A fetched page as the spider hands it over; `url` is the final URL after redirects."""

    url: str
    kind: str  # home | legal | privacy | terms | subprocessors
    html: str
    sites: list[SiteRef]
    http_status: int = 200
    requested_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    fetched_at: dt.datetime | None = None
    via: str | None = None  # link text or "path probe"


@dataclass
class CrawlStats:
    pages: int = 0
    documents_new: int = 0
    relations: int = 0
    demoted: int = 0
    editors: int = 0
    builders: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def document_for(session: Session, page: PageRecord, site_id: int | None, now: dt.datetime) -> tuple[Document, bool]:
    """The Document for this exact content (re-seen → `last_seen` moves), or a new one when it changed."""
    from soustrace.hosting.page_text import extract_page_text

    digest = sha256(page.html)
    doc = session.scalar(select(Document).where(Document.url == page.url, Document.sha256 == digest))
    if doc is not None:
        doc.last_seen = now
        doc.http_status = page.http_status
        return doc, False
    text = extract_page_text(page.html)
    notes = [n for n in (text.note,) if n]
    if page.redirects:
        notes.append("redirected from " + " -> ".join(page.redirects))
    doc = Document(url=page.url, kind=page.kind, site_id=site_id, fetched_at=now, last_seen=now,
                   http_status=page.http_status, sha256=digest, raw_html=page.html, text=text.text,
                   lang=text.lang, note="; ".join(notes) or None)
    session.add(doc)
    session.flush()
    return doc, True


def _valid_editor_ref(editor: dict[str, Any] | None) -> OrgRef | None:
    """Only an editor with a validated SIRET/SIREN links a page to an organisation (names alone are weak)."""
    if not editor:
        return None
    ids = {str(i.get("scheme", "")).lower(): i for i in editor.get("ids") or [] if i.get("valid")}
    for scheme in ("siret", "siren", "rcs"):  # an RCS number is the SIREN
        if scheme in ids:
            return OrgRef(name=editor.get("name"), national_id=str(ids[scheme]["value"]),
                          id_scheme="SIRET" if scheme == "siret" else "SIREN", country="FR")
    for scheme in ("siret", "siren"):
        value = editor.get(scheme)
        if isinstance(value, dict):
            number, valid = value.get("value") or value.get("number") or value.get("id"), value.get("valid")
        else:
            number, valid = value, editor.get(f"{scheme}_valid")
        if number and valid:
            return OrgRef(name=editor.get("name"), national_id=str(number), id_scheme=scheme.upper(), country="FR")
    return None


def builder_org(writer: Writer, found: dict[str, Any]) -> Organization | None:
    """The builder as an organisation: by a valid SIRET/SIREN printed with its name, else by its name."""
    from soustrace.pipelines.reported import org_by_name

    name = found.get("provider") or found.get("surface") or ""
    for ident in found.get("ids") or []:
        scheme = str(ident.get("scheme", "")).upper()
        if scheme in ("SIRET", "SIREN", "RCS") and ident.get("valid") is not False:
            org = writer.org(OrgRef(name=name or None, national_id=str(ident["value"]),
                                    id_scheme="SIRET" if scheme == "SIRET" else "SIREN", country="FR"),
                             source="disclosure")
            if org is not None and org.id_valid:
                return org
    return org_by_name(writer, name, kind="company", source="disclosure") if name else None


def edge_key_for(row: Relation, status: str) -> str:
    """The natural key `Writer.relation` gives this edge with another status."""
    return relation_key(kind=row.kind, role=row.role, status=status, method=row.method, src_org_id=row.src_org_id,
                        dst_org_id=row.dst_org_id, provider_id=row.provider_id, provider_name=row.provider_name,
                        contract_id=row.contract_id, site_id=row.site_id, target_url=row.target_url)


def set_status(session: Session, row: Relation, status: str) -> Relation:
    """Change an edge's status without losing it; merges into an existing edge that already has that status."""
    new_key = edge_key_for(row, status)
    other = session.scalar(select(Relation).where(Relation.edge_key == new_key))
    if other is None:
        row.status = status
        row.edge_key = new_key
        session.flush()
        return row
    session.execute(update(Evidence).where(Evidence.relation_id == row.id).values(relation_id=other.id))
    other.first_seen = min(other.first_seen, row.first_seen)
    other.last_seen = max(other.last_seen, row.last_seen)
    other.confidence = max(other.confidence, row.confidence)
    session.delete(row)
    session.flush()
    return other


class DisclosureWriter:
    """Writes pages and their hosting edges; `finish()` demotes hosts that are no longer stated."""

    def __init__(self, engine: Engine, extractor: Extractor | str | None = None) -> None:
        self.engine = engine
        self.extract = load_extractor(extractor)
        self.version = extractor_version(self.extract)
        self.stats = CrawlStats()
        self.fetched: dict[int, set[str]] = {}  # site id -> URLs read this crawl
        self.seen: dict[int, set[int]] = {}  # site id -> relation ids stated this crawl
        self.reached: set[int] = set()  # sites whose home page answered
        self.started = utcnow()

    def site_reached(self, site_ids: list[int]) -> None:
        self.reached.update(site_ids)

    def write_page(self, page: PageRecord) -> list[int]:
        """One transaction per page; returns the ids of the relations it backs."""
        now = page.fetched_at or utcnow()
        with Session(self.engine) as session, session.begin():
            doc, new = document_for(session, page, page.sites[0].site_id if page.sites else None, now)
            self.stats.pages += 1
            self.stats.documents_new += int(new)
            # Read up to spaCy's limit: a longer page would fail whole (offsets stay valid in the prefix).
            extraction = self.extract((doc.text or "")[:MAX_TEXT_CHARS], lang=doc.lang, doc_id=str(doc.id))
            writer = Writer(session)
            editor = self._editor(writer, extraction, page)
            ids: list[int] = []
            for ref in page.sites:
                self.fetched.setdefault(ref.site_id, set()).update({page.url, page.requested_url or page.url})
                site = session.get(Site, ref.site_id)
                if site is None:
                    continue
                src = session.get(Organization, site.org_id) if site.org_id else editor
                site_ids = [self._relation(writer, doc, site, src, rel, now) for rel in extraction.relations]
                site_ids += self._builders(writer, doc, site, src, builders_of(extraction, doc.text or ""), now)
                self.seen.setdefault(ref.site_id, set()).update(site_ids)
                ids.extend(site_ids)
            self.stats.relations += len(ids)
            return ids

    def _editor(self, writer: Writer, extraction: Extraction, page: PageRecord) -> Organization | None:
        ref = _valid_editor_ref(getattr(extraction, "editor", None))
        if ref is None:
            return None
        org = writer.org(ref, source="disclosure")
        if org is None:
            return None
        for site in page.sites:
            if site.url:
                writer.site(site.url, kind="editor-site", org=org, found_by="editor")
        self.stats.editors += 1
        return org

    def _relation(self, writer: Writer, doc: Document, site: Site, src: Organization | None,
                  rel: dict[str, Any], now: dt.datetime) -> int:
        record, ev = finding_records(rel, method="nlp", where="text", extractor_version=self.version)
        relation = store_finding(writer, record, ev, src=src, document=doc, site=site, contract_id=site.contract_id,
                                 source_url=doc.url)
        row = writer.evidence(ev, kind="nlp", document=doc, relation_id=relation.id, source_url=doc.url)
        row.seen_at = now
        return relation.id

    def _builders(self, writer: Writer, doc: Document, site: Site, src: Organization | None,
                  found: list[dict[str, Any]], now: dt.datetime) -> list[int]:
        """`built-by` edges: the site's organisation -> the company that built the site, on the site."""
        ids = []
        for rel in found:
            builder = builder_org(writer, rel)
            if builder is None or (src is not None and builder.id == src.id):
                continue
            record, ev = finding_records(rel, method="nlp", where="text", extractor_version=self.version)
            relation = store_finding(writer, record, ev, src=src, dst=builder, document=doc, site=site,
                                     contract_id=site.contract_id, source_url=doc.url)
            writer.evidence(ev, kind="nlp", document=doc, relation_id=relation.id, source_url=doc.url).seen_at = now
            ids.append(relation.id)
        self.stats.builders += len(ids)
        return ids

    def finish(self, site_ids: Iterable[int] | None = None) -> CrawlStats:
        """Mark reached sites crawled; demote current edges whose pages were all re-read without them.

        `site_ids`: only those sites (a worker finishes a host's sites as soon as they are all read, since
        it may run for days); their bookkeeping is then forgotten. None: every site of the crawl.
        """
        stamp = utcnow()
        todo = self.reached | set(self.fetched)
        if site_ids is not None:
            todo &= set(site_ids)
        with Session(self.engine) as session, session.begin():
            for site_id in todo:
                site = session.get(Site, site_id)
                if site is not None:
                    site.last_crawled = stamp.isoformat(timespec="seconds")
                fetched = self.fetched.get(site_id, set())
                if not fetched:
                    continue
                rows = session.scalars(select(Relation).where(
                    Relation.site_id == site_id, Relation.kind == "hosting", Relation.method == "nlp",
                    Relation.status == "current", Relation.id.not_in(self.seen.get(site_id, set()) or {-1})))
                for row in list(rows):
                    urls = set(session.scalars(select(Evidence.source_url).where(
                        Evidence.relation_id == row.id, Evidence.document_id.is_not(None))))
                    if urls and urls <= fetched:
                        set_status(session, row, "past")
                        self.stats.demoted += 1
        for site_id in todo:
            self.reached.discard(site_id)
            self.fetched.pop(site_id, None)
            self.seen.pop(site_id, None)
        return self.stats


def page_from_item(item: DisclosurePage) -> PageRecord:
    return PageRecord(url=item.url, kind=item.kind, html=item.html, sites=[SiteRef(**s) for s in item.sites],
                      http_status=item.http_status, requested_url=item.requested_url, redirects=list(item.redirects),
                      fetched_at=dt.datetime.fromisoformat(item.fetched_at) if item.fetched_at else None,
                      via=item.via)


class DisclosuresPipeline:
    """Scrapy item pipeline: pages go to `DisclosureWriter`; the crawl's end triggers `finish()`."""

    def __init__(self, db_url: str | None, extractor: str | None) -> None:
        self.db_url = db_url
        self.extractor = extractor
        self.writer: DisclosureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DisclosuresPipeline:
        pipeline = cls(crawler.settings.get("SOUSTRACE_DB"), crawler.settings.get("DISCLOSURES_EXTRACTOR"))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        from soustrace.db import make_engine

        self.writer = DisclosureWriter(make_engine(self.db_url), self.extractor)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.writer is not None
        if isinstance(item, UnitEvent):  # a queued unit started or ended (soustrace.distributed)
            self._unit_event(item)
            return item
        if isinstance(item, SiteVisit):
            if item.reached:
                self.writer.site_reached(item.site_ids)
            return item
        if not isinstance(item, DisclosurePage):
            return item
        try:
            self.writer.write_page(page_from_item(item))
        except Exception:
            self.writer.stats.errors += 1
            log.exception("could not store the disclosure page %s", item.url)
        return {"type": "page", "url": item.url, "kind": item.kind}

    def _unit_event(self, item: UnitEvent) -> None:
        """Visits are ledger rows: a failure to write one is an infrastructure fault and propagates."""
        from soustrace.pipelines.visits import VisitLedger

        assert self.writer is not None
        ledger = VisitLedger(self.writer.engine)
        if item.event == "started":
            ledger.started(item.urls, item.worker)
            return
        self.writer.finish(item.site_ids)
        ledger.completed(item.urls, item.worker, item.pages, item.error, status=item.event)

    def close_spider(self, spider: Any = None) -> None:
        if self.writer is None:
            return
        crawler = getattr(self, "crawler", None)
        spider = spider or getattr(crawler, "spider", None)  # Scrapy ≥ 2.13 no longer passes it
        # A worker's unfinished units stay resumable: their sites are not stamped crawled at close.
        stats = self.writer.finish() if getattr(spider, "finish_on_close", True) else self.writer.stats
        log.info("disclosures: %s", stats.as_dict())
        if spider is not None and getattr(spider, "crawler", None) is not None:
            for key, value in stats.as_dict().items():
                spider.crawler.stats.set_value(f"disclosures/{key}", value)
        self.writer.engine.dispose()
