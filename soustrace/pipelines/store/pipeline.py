"""The one storage pipeline: batched, idempotent writes of parsed records, one transaction per batch.

Every writer of notices (spiders' item pipeline, `ingest`, `reprocess`, DECP files) goes through `Store`,
so the guarantees hold everywhere:

* raw first: a notice's payload is stored even when it could not be parsed;
* the same payload again is a no-op (counted as a duplicate); a changed payload becomes a new revision and
  the notice's contracts are rebuilt from it, the old payload kept;
* natural keys everywhere (notice source+id, contract notice+lot, organisation key, relation edge key,
  evidence key), so re-running any input changes no counts;
* a batch is all-or-nothing; when a batch fails, its records are retried one by one and the one that
  fails is quarantined as a Reject with the reason, so one bad record never costs the others.

Records are taken as a stream (across files: callers pass one iterator), cut into batches of
`batch_size`; each batch is written by `BatchWriter` in a few multi-row statements.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from soustrace.models import Notice, NoticeRevision, Provider, Reject
from soustrace.models.base import utcnow
from soustrace.pipelines.faults import InfrastructureError, describe, is_infrastructure_error
from soustrace.pipelines.store.batch import BatchWriter, Job, Prepared, TextFinder
from soustrace.pipelines.store.keys import reject_key
from soustrace.pipelines.store.names import CHUNK, OrgBook
from soustrace.records import NoticeRecord, RejectRecord

log = logging.getLogger(__name__)
Record = NoticeRecord | RejectRecord | Prepared
REJECT = Reject.__table__


@dataclass
class StoreStats:
    """What a run did; `stored` counts new notices, `revised` changed payloads of known ones."""

    stored: int = 0
    revised: int = 0
    duplicates: int = 0
    rejects: int = 0
    parse_errors: int = 0
    stored_ids: list[str] = field(default_factory=list)  # every notice id present in the database afterwards

    def add(self, other: StoreStats) -> None:
        self.stored += other.stored
        self.revised += other.revised
        self.duplicates += other.duplicates
        self.rejects += other.rejects
        self.parse_errors += other.parse_errors
        self.stored_ids.extend(other.stored_ids)

    def as_dict(self) -> dict[str, int]:
        return {
            "stored": self.stored,
            "revised": self.revised,
            "duplicates": self.duplicates,
            "rejects": self.rejects,
            "parse_errors": self.parse_errors,
        }


class Store:
    """Writes records to the database; safe to call again with the same input."""

    def __init__(self, engine: Engine, *, batch_size: int = 200, read_texts: bool = True) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.book = OrgBook()
        self._providers: set[str] | None = None
        # Hosting statements in notices' free text (object, descriptions) become NLP relations.
        self.find_texts = load_text_finder() if read_texts else None

    # ---- public API -------------------------------------------------------------------------------------

    def add_all(self, records: Iterable[Record]) -> StoreStats:
        """Store a stream of records in batches; returns the totals."""
        total = StoreStats()
        for batch in iter_batches(records, self.batch_size):
            total.add(self.store_batch(batch))
        return total

    def store_batch(self, batch: list[Record]) -> StoreStats:
        """One transaction for the whole batch; on failure, one transaction per record."""
        try:
            with Session(self.engine, autoflush=False) as session, session.begin():
                return self._write(session, batch)
        except Exception as exc:
            self.book.clear()
            self._providers = None
            if is_infrastructure_error(exc):  # not the records' fault: stop, file nothing as a reject
                raise InfrastructureError(f"storing {len(batch)} record(s) failed: {describe(exc)}") from exc
            if len(batch) == 1:
                return self._quarantine(batch[0], exc)
            log.warning("batch of %d failed (%s); retrying record by record", len(batch), exc)
            stats = StoreStats()
            for record in batch:
                stats.add(self.store_batch([record]))
            return stats

    def reprocess(self, source: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> StoreStats:
        """Re-parse the stored raw payloads (after a parser upgrade) and rebuild what derives from them.

        No network: the latest revision of each notice is parsed again; raw payloads are never touched.
        `progress(done, total)` is called after each committed batch (the CLI's progress bar).
        """
        from soustrace.parsers.payload import parse_payload

        query = select(Notice.id).order_by(Notice.id)
        if source:
            query = query.where(Notice.source == source)
        with Session(self.engine) as session:
            ids = list(session.scalars(query))
        stats = StoreStats()
        for chunk in iter_batches(ids, self.batch_size):
            with Session(self.engine, autoflush=False) as session, session.begin():
                rows = session.execute(
                    select(Notice.id, Notice.source, Notice.source_id, Notice.url, Notice.schema_version,
                           NoticeRevision.raw, NoticeRevision.content_type)
                    .join(NoticeRevision, (NoticeRevision.notice_id == Notice.id)
                          & (NoticeRevision.revision == Notice.revision))
                    .where(Notice.id.in_(chunk)).order_by(Notice.id))
                jobs = []
                for nid, src, sid, url, schema, raw, content_type in rows:
                    rec = parse_payload(src, sid, raw, url=url, content_type=content_type, schema_version=schema)
                    jobs.append(Job(nid, rec, url))
                    stats.revised += 1
                    stats.parse_errors += bool(rec.parse_error)
                writer = self._writer(session)
                writer.rebuild(jobs)
                writer.finish()
            if progress is not None:
                progress(stats.revised, len(ids))
        return stats

    def add_reject(self, reject: RejectRecord) -> None:
        with Session(self.engine) as session, session.begin():
            upsert_rejects(session, [reject])

    def _add_reject_or_stop(self, reject: RejectRecord) -> None:
        try:
            self.add_reject(reject)
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise InfrastructureError(f"filing a reject failed: {describe(exc)}") from exc
            raise

    # ---- batch writing ----------------------------------------------------------------------------------

    def _writer(self, session: Session) -> BatchWriter:
        def provider_ids() -> set[str]:
            if self._providers is None:
                from soustrace.pipelines.store.providers import ensure_providers_in

                ensure_providers_in(session)
                self._providers = set(session.scalars(select(Provider.id)))
            return self._providers

        return BatchWriter(session, self.book, provider_ids, self.find_texts)

    def _write(self, session: Session, batch: list[Record]) -> StoreStats:
        stats = StoreStats()
        writer = self._writer(session)
        rejects = [r for r in batch if isinstance(r, RejectRecord)]
        stats.rejects += len(rejects)
        found = {id(r.record): r.found for r in batch if isinstance(r, Prepared)}
        notices = [r.record if isinstance(r, Prepared) else r for r in batch if not isinstance(r, RejectRecord)]
        for part in unique_rounds(notices):
            for record, outcome in zip(part, writer.write(part, found), strict=True):
                stats.stored_ids.append(record.source_id)
                if outcome == "duplicate":
                    stats.duplicates += 1
                    continue
                if outcome == "new":
                    stats.stored += 1
                else:
                    stats.revised += 1
                if record.parse_error:
                    stats.parse_errors += 1
                    stats.rejects += 1
                    rejects.append(RejectRecord(source=record.source, record_id=record.source_id, stage="parse",
                                                reason=record.parse_error, url=record.url,
                                                excerpt=record.raw[:300].decode("utf-8", "replace")))
        upsert_rejects(session, rejects)
        clear_stale_rejects(session, notices)
        writer.finish()
        return stats

    def _quarantine(self, record: Record, exc: Exception) -> StoreStats:
        if isinstance(record, RejectRecord):
            raise exc
        if isinstance(record, Prepared):
            record = record.record
        reason = f"could not be stored: {type(exc).__name__}: {exc}"[:2000]
        log.error("%s %s %s", record.source, record.source_id, reason)
        self._add_reject_or_stop(
            RejectRecord(
                source=record.source,
                record_id=record.source_id,
                stage="store",
                reason=reason,
                excerpt=record.raw[:300].decode("utf-8", "replace"),
                url=record.url,
            )
        )
        return StoreStats(rejects=1)


def clear_stale_rejects(session: Session, stored: list[NoticeRecord]) -> None:
    """A record now in the database has no business in the rejects of its earlier failed attempts.

    Once stored and parsed, every reject of that (source, id) goes; stored with a parse error, only its
    fetch and store rejects go (the parse reject is the current reason). One statement per source.
    """
    by_source: dict[tuple[str, bool], set[str]] = {}
    for rec in stored:
        by_source.setdefault((rec.source, bool(rec.parse_error)), set()).add(rec.source_id)
    for (source, parse_failed), ids in by_source.items():
        for chunk in iter_batches(sorted(ids), CHUNK):
            stmt = delete(REJECT).where(REJECT.c.source == source, REJECT.c.record_id.in_(chunk))
            if parse_failed:
                stmt = stmt.where(REJECT.c.stage != "parse")
            session.execute(stmt)


def upsert_rejects(session: Session, rejects: list[RejectRecord]) -> None:
    """Quarantined records by their natural key: a re-seen one only moves `last_seen`."""
    rows: dict[str, dict[str, Any]] = {}
    for r in rejects:
        key = reject_key(r.source, r.record_id, r.url, r.stage, r.reason)
        rows.setdefault(key, {"reject_key": key, "source": r.source, "record_id": r.record_id, "url": r.url,
                              "stage": r.stage, "reason": r.reason, "excerpt": r.excerpt[:1000]})
    if not rows:
        return
    keys = list(rows)
    known: set[str] = set()
    for i in range(0, len(keys), CHUNK):
        known.update(session.scalars(select(REJECT.c.reject_key).where(REJECT.c.reject_key.in_(keys[i:i + CHUNK]))))
    if known:
        session.execute(update(REJECT).where(REJECT.c.reject_key.in_(known)).values(last_seen=utcnow()))
    new = [row for key, row in rows.items() if key not in known]
    if new:
        now = utcnow()
        session.execute(REJECT.insert(), [{**row, "first_seen": now, "last_seen": now} for row in new])


def unique_rounds(records: list[NoticeRecord]) -> Iterator[list[NoticeRecord]]:
    """The batch in order, cut where a (source, id) comes again, so a later payload sees the earlier one."""
    part: list[NoticeRecord] = []
    seen: set[tuple[str, str]] = set()
    for r in records:
        key = (r.source, r.source_id)
        if key in seen:
            yield part
            part, seen = [], set()
        part.append(r)
        seen.add(key)
    if part:
        yield part


TEXT_MEMO_SIZE = 4096  # distinct texts whose relations a process remembers across batches


def load_text_finder() -> TextFinder | None:
    """The hosting extractor over a batch's texts at once (`extract_relations`: each distinct text read once,
    the pre-pass first, one spaCy `pipe` per language for the rest), remembering the last `TEXT_MEMO_SIZE`
    texts' relations across batches: notices repeat their buyer's and platform's boilerplate, and the
    extractor is a pure function of the text.

    Imported at the first call: a writer fed by parse processes that read the texts never loads spaCy.
    """

    def find(texts: list[str]) -> list[list[dict[str, Any]]]:
        from soustrace.extraction.extract import extract_relations

        memo = _TEXT_MEMO
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        for text, found in zip(missing, extract_relations(missing) if missing else [], strict=True):
            memo[text] = found
        out = []
        for text in texts:
            memo.move_to_end(text)
            out.append([dict(rel) for rel in memo[text]])  # copies: the memo's own lists stay as found
        while len(memo) > TEXT_MEMO_SIZE:
            memo.popitem(last=False)
        return out

    return find


_TEXT_MEMO: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()


def iter_batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

