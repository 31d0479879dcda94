"""The notice path of the store: a whole batch of parsed notices in a few multi-row statements.

Per batch (not per notice or per row): one `SELECT` of the notices already known, one of their revisions'
digests, one multi-row `INSERT` per table (notices, revisions, contracts, roles, edges, evidence, links,
sites), organisations resolved by `names.OrgBook`, edges looked up only when their key could exist (an
edge tied to a contract created in this batch cannot), evidence never looked up (it belongs to notices
that are new or were just cleared), and one incremental refresh of the organisations' contract totals.
The ids of new rows come back from `INSERT ... RETURNING` in parameter order: nothing written is read
back. Rules (raw first, natural keys, revisions, no edge without evidence) are those of the per-row
`Writer`, which the disclosure, press, site and DNS writers still use; the keys come from `keys`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from soustrace.models import (
    Contract,
    Evidence,
    Notice,
    NoticeLinkRow,
    NoticeRevision,
    PartyRole,
    Relation,
    Site,
)
from soustrace.models.base import utcnow
from soustrace.pipelines.findings import BUILT_BY, finding_records
from soustrace.pipelines.revision_order import is_older_revision
from soustrace.pipelines.store.keys import evidence_key, insert_ids, normalize_site_url, relation_key, sha256
from soustrace.pipelines.store.names import CHUNK, OrgBook
from soustrace.pipelines.store.summaries import refresh_incrementally
from soustrace.records import EvidenceRecord, NoticeRecord, OrgRef

NOTICE, REVISION, CONTRACT = Notice.__table__, NoticeRevision.__table__, Contract.__table__
ROLE, RELATION, EVIDENCE = PartyRole.__table__, Relation.__table__, Evidence.__table__
LINK, SITE = NoticeLinkRow.__table__, Site.__table__
CONTRACTORS = ("winner", "lead", "member")
TEXT_EXTRACTOR_VERSION = "1"
# texts -> one list of found relations per text (dicts as `soustrace.extraction` returns them)
TextFinder = Callable[[list[str]], list[list[dict[str, Any]]]]


def jsonable(value: Any) -> Any:
    """Decimals, dates and tuples made JSON-safe for the JSON columns: what `json.loads(json.dumps(value,
    default=str))` gives, walked directly for the shapes parsers make (str-keyed dicts, lists, tuples,
    scalars, Decimal, date), through JSON itself for anything else."""
    if not value:
        return value
    try:
        return _plain(value)
    except _Unusual:
        return json.loads(json.dumps(value, default=str))


class _Unusual(Exception):
    """A value `_plain` does not convert exactly as JSON would (a non-str key, a subclass, ...)."""


_SCALARS = (str, int, bool, type(None))
_AS_STR = (Decimal, dt.date, dt.datetime)


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        out = {}
        for key, inner in value.items():
            if type(key) is not str:
                raise _Unusual
            out[key] = _plain(inner)
        return out
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    if kind in _AS_STR:
        return str(value)
    if kind is float and value == value and value not in (float("inf"), float("-inf")):
        return value
    raise _Unusual


@dataclass(slots=True)
class Prepared:
    """A parsed notice whose free texts the extractor has already read (in a parse process, off the writer).

    `found` maps a text field to the relations found in it; fields absent from it are read by the writer.
    """

    record: NoticeRecord
    found: dict[str, list[dict[str, Any]]]


def awarded(rec: NoticeRecord) -> bool:
    """Whether the notice names a contractor: only then can its free text say what a winner uses."""
    return any(p.role in CONTRACTORS for c in rec.contracts for p in c.parties)


@dataclass(slots=True)
class Job:
    """One notice to derive rows from: its id, its record, the URL its evidence cites."""

    notice_id: int
    rec: NoticeRecord
    url: str | None
    contracts: dict[str, int] = field(default_factory=dict)  # lot -> contract id
    found: dict[str, list[dict[str, Any]]] | None = None  # texts already read (see `Prepared`)


@dataclass(slots=True)
class Edge:
    values: dict[str, Any]
    confidence: float
    maybe_known: bool
    id: int | None = None


class BatchWriter:
    """Writes batches of notices inside the caller's transaction (one `Session`)."""

    def __init__(self, session: Session, book: OrgBook, provider_ids: Callable[[], set[str]],
                 find_texts: TextFinder | None = None) -> None:
        self.s = session
        self.book = book
        self._provider_ids = provider_ids
        self.find_texts = find_texts
        self.full_orgs: set[int] = set()  # organisations whose old roles went: totals recomputed
        self.new_contracts: list[int] = []  # contracts created here: totals of their organisations move
        self.relations_touched: set[int] = set()  # edges that lost evidence: dropped unless still backed

    # ---- notices ------------------------------------------------------------------------------------------

    def write(self, records: Sequence[NoticeRecord], found: dict[int, dict] | None = None) -> list[str]:
        """new | revised | duplicate for each record (its (source, source_id) unique in `records`).

        `found`: texts already read, by `id(record)`."""
        found = found or {}
        digests = [sha256(r.raw) for r in records]
        known = self._known_notices(records)
        seen, last = self._known_digests([(known[(r.source, r.source_id)][0], d)
                                          for r, d in zip(records, digests, strict=True)
                                          if (r.source, r.source_id) in known])
        outcomes, jobs, revisions, revised_rows, new = [], [], [], [], []
        now = utcnow()
        for rec, digest in zip(records, digests, strict=True):
            row = known.get((rec.source, rec.source_id))
            if row is not None and (row[0], digest) in seen:
                outcomes.append("duplicate")
                continue
            values = {"url": rec.url, "publication_date": rec.publication_date, "kind": rec.kind,
                      "sha256": digest, "fetched_at": now, "parse_status": "error" if rec.parse_error else "ok",
                      "parse_error": rec.parse_error}
            if row is None:
                outcomes.append("new")
                new.append((rec, digest, {"source": rec.source, "source_id": rec.source_id, "revision": 1,
                                          "schema_version": rec.schema_version, **values}))
            else:
                outcomes.append("revised")
                number = max(last.get(row[0], 0), row[1]) + 1
                revisions.append({"notice_id": row[0], "revision": number, "sha256": digest,
                                  "content_type": rec.content_type, "raw": rec.raw})
                if is_older_revision(rec.publication_date, row[2]):
                    continue  # kept as a revision; the newer payload stays the notice (and what `reprocess` reads)
                revised_rows.append({"b_id": row[0], "b_revision": number, "b_schema": rec.schema_version,
                                     **{"b_" + k: v for k, v in values.items()}})
                jobs.append(Job(row[0], rec, rec.url, found=found.get(id(rec))))
        if revised_rows:
            self.clear([r["b_id"] for r in revised_rows])
            self.s.connection().execute(update(NOTICE).where(NOTICE.c.id == _b("id")).values(
                revision=_b("revision"), schema_version=func.coalesce(_b("schema"), NOTICE.c.schema_version),
                **{k: _b(k) for k in ("url", "publication_date", "kind", "sha256", "fetched_at", "parse_status",
                                      "parse_error")}), revised_rows)
        if new:
            ids = insert_ids(self.s, NOTICE, [v for *_, v in new], ("source", "source_id"))
            for (rec, digest, _v), nid in zip(new, ids, strict=True):
                revisions.append({"notice_id": nid, "revision": 1, "sha256": digest,
                                  "content_type": rec.content_type, "raw": rec.raw})
                jobs.append(Job(nid, rec, rec.url, found=found.get(id(rec))))
        if revisions:  # raw first: every payload is written, parsed or not
            self.s.execute(REVISION.insert(), revisions)
        self.derive([j for j in jobs if not j.rec.parse_error])
        return outcomes

    def rebuild(self, jobs: list[Job]) -> None:
        """`reprocess`: replace what derives from stored notices with what their new parse says."""
        self.clear([j.notice_id for j in jobs])
        self.s.connection().execute(update(NOTICE).where(NOTICE.c.id == _b("id")).values(
            kind=_b("kind"), schema_version=func.coalesce(_b("schema"), NOTICE.c.schema_version),
            publication_date=func.coalesce(_b("pub"), NOTICE.c.publication_date), parse_status=_b("status"),
            parse_error=_b("error")), [
            {"b_id": j.notice_id, "b_kind": j.rec.kind, "b_schema": j.rec.schema_version,
             "b_pub": j.rec.publication_date, "b_status": "error" if j.rec.parse_error else "ok",
             "b_error": j.rec.parse_error} for j in jobs])
        self.derive([j for j in jobs if not j.rec.parse_error])

    def _known_notices(self, records: Sequence[NoticeRecord]) -> dict[tuple[str, str], tuple[int, int, Any]]:
        """(id, current revision, publication date) of the stored notices among `records`."""
        by_source: dict[str, list[str]] = {}
        for r in records:
            by_source.setdefault(r.source, []).append(r.source_id)
        known = {}
        for source, ids in by_source.items():
            for i in range(0, len(ids), CHUNK):
                for nid, sid, revision, published in self.s.execute(
                        select(NOTICE.c.id, NOTICE.c.source_id, NOTICE.c.revision, NOTICE.c.publication_date)
                        .where(NOTICE.c.source == source, NOTICE.c.source_id.in_(ids[i:i + CHUNK]))):
                    known[(source, sid)] = (nid, revision, published)
        return known

    def _known_digests(self, pairs: list[tuple[int, str]]) -> tuple[set[tuple[int, str]], dict[int, int]]:
        """Which (notice, payload digest) pairs are stored, and each notice's highest revision number: looked
        up by notice id (indexed; SQLite scans the table for row-value IN lists), the digests compared here.
        The highest number is not always the notice's: an older payload read late is kept after it."""
        ids = sorted({nid for nid, _digest in pairs})
        seen: set[tuple[int, str]] = set()
        last: dict[int, int] = {}
        for i in range(0, len(ids), CHUNK):
            for nid, digest, number in self.s.execute(select(REVISION.c.notice_id, REVISION.c.sha256,
                                                             REVISION.c.revision)
                                                      .where(REVISION.c.notice_id.in_(ids[i:i + CHUNK]))):
                seen.add((nid, digest))
                last[nid] = max(last.get(nid, 0), number)
        return seen & set(pairs), last

    def clear(self, notice_ids: list[int]) -> None:
        """Drop what was derived from these notices' previous revision (edges: see `finish`)."""
        for i in range(0, len(notice_ids), CHUNK):
            chunk = notice_ids[i:i + CHUNK]
            self.relations_touched.update(self.s.scalars(select(EVIDENCE.c.relation_id).where(
                EVIDENCE.c.notice_id.in_(chunk), EVIDENCE.c.relation_id.is_not(None)).distinct()))
            self.full_orgs.update(self.s.scalars(select(ROLE.c.org_id).join(CONTRACT).where(
                CONTRACT.c.notice_id.in_(chunk)).distinct()))
            for table in (EVIDENCE, CONTRACT, LINK):
                self.s.execute(delete(table).where(table.c.notice_id.in_(chunk)))

    # ---- derived rows ---------------------------------------------------------------------------------------

    def derive(self, jobs: list[Job]) -> None:
        """Contracts, roles, edges, evidence, links and sites of parsed notices, a table at a time."""
        if not jobs:
            return
        keys = self._claim(jobs)
        ids = self.book.resolve(self.s)

        def oid(key: str | None) -> int | None:
            return ids[key] if key is not None else None

        self._contracts(jobs, keys, oid)
        evidence: list[tuple[Job, EvidenceRecord, str, str, Any]] = []  # job, ev, kind, "role"/"edge", target
        edges: dict[str, Edge] = {}
        role_ids = self._roles(jobs, keys, oid, evidence)
        for job, k in zip(jobs, keys, strict=True):
            rec, buyer = job.rec, oid(k["buyer"])
            for crec, plist in zip(rec.contracts, k["parties"], strict=True):
                cid = job.contracts[crec.lot]
                contractors = [oid(pk) for p, (pk, _m) in zip(crec.parties, plist, strict=True)
                               if pk is not None and p.role in CONTRACTORS]
                for party, (pk, mains) in zip(crec.parties, plist, strict=True):
                    if pk is None or party.role != "subcontractor":
                        continue
                    for main in [oid(m) for m in mains if m is not None] or contractors:
                        key = self._edge(edges, kind="declared-subcontract", method="structured", src=main,
                                         dst=oid(pk), contract_id=cid, fresh=True)
                        evidence.append((job, party.evidence, "structured", "edge", key))
            for rel, src in zip(rec.relations, k["relations"], strict=True):
                cid = job.contracts.get(rel.lot) if rel.lot is not None else None
                key = self._edge(edges, kind=rel.kind, method=rel.method, src=oid(src) if rel.src else buyer,
                                 provider_id=self._provider(rel.provider_id), provider_name=rel.provider_name,
                                 target_url=rel.target_url, role=rel.role, status=rel.status,
                                 confidence=rel.confidence, contract_id=cid, fresh=cid is not None)
                evidence.append((job, rel.evidence, rel.method, "edge", key))
        self._text_edges(jobs, keys, oid, edges, evidence)
        self._write_edges(edges)
        self._write_evidence(evidence, role_ids, edges)
        self._links(jobs)
        self._sites(jobs, keys, oid)

    def _claim(self, jobs: list[Job]) -> list[dict[str, Any]]:
        claim, out = self.book.claim, []
        for job in jobs:
            rec, src = job.rec, job.rec.source
            out.append({
                "buyer": claim(rec.buyer, kind="public-buyer", source=src) if rec.buyer else None,
                "parties": [[(claim(p.org, source=src), [claim(m, source=src) for m in p.main_contractors])
                             for p in c.parties] for c in rec.contracts],
                "relations": [claim(r.src, source=src) if r.src else None for r in rec.relations],
                "websites": [claim(ref, source=src) for ref, _url in rec.websites],
                "profiles": [claim(ref, kind="public-buyer", source=src) if ref else None
                             for _url, ref in buyer_profiles(rec)],
            })
        return out

    def _contracts(self, jobs: list[Job], keys: list[dict[str, Any]], oid: Callable) -> None:
        rows, owners = [], []
        for job, k in zip(jobs, keys, strict=True):
            for crec in job.rec.contracts:
                rows.append(self.contract_row(job, crec, oid(k["buyer"])))
                owners.append((job, crec.lot))
        if not rows:
            return
        for (job, lot), cid in zip(owners, insert_ids(self.s, CONTRACT, rows, ("notice_id", "lot")), strict=True):
            job.contracts[lot] = cid
            self.new_contracts.append(cid)

    @staticmethod
    def contract_row(job: Job, crec: Any, buyer_id: int | None) -> dict[str, Any]:
        return {"notice_id": job.notice_id, "lot": crec.lot or "", "buyer_id": buyer_id, "title": crec.title,
                "cpv": crec.cpv, "procedure": (crec.procedure or None) and crec.procedure[:120],
                "award_date": crec.award_date, "amount": crec.amount, "amount_min": crec.amount_min,
                "amount_max": crec.amount_max, "currency": crec.currency, "offers_received": crec.offers_received,
                "framework_agreement_id": crec.framework_agreement_id, "duration_months": crec.duration_months,
                "place": crec.place, "subcontracting": jsonable(crec.subcontracting) or None,
                "flags": list(crec.flags) or None, "extra": jsonable(crec.extra) or None}

    def _roles(self, jobs: list[Job], keys: list[dict[str, Any]], oid: Callable, evidence: list) -> list[int]:
        rows: list[dict[str, Any]] = []
        for job, k in zip(jobs, keys, strict=True):
            for crec, plist in zip(job.rec.contracts, k["parties"], strict=True):
                cid, seen = job.contracts[crec.lot], {}
                for party, (pk, _m) in zip(crec.parties, plist, strict=True):
                    if pk is None:
                        continue
                    at = seen.get((pk, party.role))
                    if at is None:
                        at = seen[(pk, party.role)] = len(rows)
                        rows.append({"contract_id": cid, "org_id": oid(pk), "role": party.role,
                                     "name_as_written": party.org.name, "national_id": party.org.national_id,
                                     "amount": party.amount, "extra": jsonable(party.extra) or None})
                    evidence.append((job, party.evidence, "structured", "role", at))
        if not rows:
            return []
        return insert_ids(self.s, ROLE, rows, ("contract_id", "org_id", "role"))

    def _provider(self, provider_id: str | None) -> str | None:
        """Only catalog ids that are loaded become foreign keys; unknown ones are kept as names."""
        return provider_id if provider_id is not None and provider_id in self._provider_ids() else None

    @staticmethod
    def _edge(edges: dict[str, Edge], *, kind: str, method: str, src: int | None = None, dst: int | None = None,
              provider_id: str | None = None, provider_name: str | None = None, target_url: str | None = None,
              role: str | None = None, status: str = "current", confidence: float = 1.0,
              contract_id: int | None = None, fresh: bool = False) -> str:
        values = {"kind": kind, "role": role, "status": status, "method": method, "src_org_id": src,
                  "dst_org_id": dst, "provider_id": provider_id, "provider_name": provider_name,
                  "contract_id": contract_id, "site_id": None, "target_url": target_url}
        key = relation_key(**values)
        edge = edges.get(key)
        if edge is None:
            edges[key] = Edge({"edge_key": key, **values}, confidence, maybe_known=not fresh)
        else:
            edge.confidence = max(edge.confidence, confidence)
        return key

    def _text_edges(self, jobs: list[Job], keys: list[dict[str, Any]], oid: Callable, edges: dict[str, Edge],
                    evidence: list) -> None:
        """Hosting named in an award's free text: the winners of the lot (or of every lot) use the provider.

        Only notices with winners: in a call for tenders the same words describe a requirement, not a fact.
        All texts of the batch go to the extractor at once (its cheap pre-pass drops most of them).
        """
        if self.find_texts is None:
            return
        todo: list[tuple[Job, dict[str, list[int]], str, str]] = []
        for job, k in zip(jobs, keys, strict=True):
            if not job.rec.texts:
                continue
            winners = {crec.lot: [oid(pk) for p, (pk, _m) in zip(crec.parties, plist, strict=True)
                                  if pk is not None and p.role in CONTRACTORS]
                       for crec, plist in zip(job.rec.contracts, k["parties"], strict=True)}
            if any(winners.values()):
                todo.extend((job, winners, name, text) for name, text in job.rec.texts.items())
        if not todo:
            return
        unread = [t for job, _w, name, t in todo if job.found is None or name not in job.found]
        read = iter(self.find_texts(unread) if unread else [])
        for job, winners, field_name, text in todo:
            found_list = job.found[field_name] if job.found is not None and field_name in job.found else next(read)
            lot = field_name.split(":")[1] if field_name.startswith("lot:") else None
            lots = [lot] if lot in winners else list(winners)
            for found in found_list:
                if found.get("status") == "negated" or found.get("role") == BUILT_BY:
                    continue  # who built a site is read on the site's own pages, not in a notice's prose
                rel, ev = finding_records(found, method="nlp", where=f"texts/{field_name}",
                                          extractor_version=TEXT_EXTRACTOR_VERSION, text=text)
                for lot_id in lots:
                    for org_id in winners[lot_id]:
                        key = self._edge(edges, kind=rel.kind, method=rel.method, src=org_id,
                                         provider_id=self._provider(rel.provider_id), provider_name=rel.provider_name,
                                         role=rel.role, status=rel.status, confidence=rel.confidence,
                                         contract_id=job.contracts[lot_id], fresh=True)
                        evidence.append((job, ev, "nlp", "edge", key))

    def _write_edges(self, edges: dict[str, Edge]) -> None:
        """Known edges only move `last_seen` (and keep the highest confidence); new ones are inserted."""
        maybe = [k for k, e in edges.items() if e.maybe_known]
        now = utcnow()
        updates = []
        for i in range(0, len(maybe), CHUNK):
            for rid, key, confidence in self.s.execute(select(RELATION.c.id, RELATION.c.edge_key,
                                                              RELATION.c.confidence)
                                                       .where(RELATION.c.edge_key.in_(maybe[i:i + CHUNK]))):
                edge = edges[key]
                edge.id = rid
                updates.append({"b_id": rid, "b_conf": max(confidence, edge.confidence), "b_now": now})
        if updates:
            self.s.connection().execute(update(RELATION).where(RELATION.c.id == _b("id")).values(
                last_seen=_b("now"), confidence=_b("conf")), updates)
        new = [e for e in edges.values() if e.id is None]
        if new:
            rows = [{**e.values, "confidence": e.confidence, "first_seen": now, "last_seen": now} for e in new]
            for edge, rid in zip(new, insert_ids(self.s, RELATION, rows, ("edge_key",)), strict=True):
                edge.id = rid

    def _write_evidence(self, evidence: list, role_ids: list[int], edges: dict[str, Edge]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        now = utcnow()
        for job, ev, kind, what, target in evidence:
            relation_id = edges[target].id if what == "edge" else None
            role_id = role_ids[target] if what == "role" else None
            key = evidence_key(relation_id, role_id, job.notice_id, None, ev.path, ev.start, ev.end, ev.text,
                               ev.extractor)
            if key not in rows:
                rows[key] = {"evidence_key": key, "relation_id": relation_id, "party_role_id": role_id,
                             "notice_id": job.notice_id, "document_id": None, "kind": kind, "source_url": job.url,
                             "path": ev.path or None, "text": ev.text or None, "start": ev.start, "end": ev.end,
                             "extractor": ev.extractor or None, "extractor_version": ev.extractor_version or None,
                             "seen_at": now}
        if rows:
            self.s.execute(EVIDENCE.insert(), list(rows.values()))

    def _links(self, jobs: list[Job]) -> None:
        rows = {(j.notice_id, link.kind, link.source, link.source_id): None for j in jobs for link in j.rec.links}
        if rows:
            self.s.execute(LINK.insert(), [{"notice_id": n, "kind": k, "target_source": s, "target_source_id": i}
                                           for n, k, s, i in rows])

    def _sites(self, jobs: list[Job], keys: list[dict[str, Any]], oid: Callable) -> None:
        """Websites seen in notices: the organisation's (or the buyer's) site, once per url, kind and org."""
        wanted: dict[tuple[str, str, int], str] = {}
        for job, k in zip(jobs, keys, strict=True):
            buyer = oid(k["buyer"])
            for (_ref, url), key in zip(job.rec.websites, k["websites"], strict=True):
                if key is None:
                    continue
                org_id = oid(key)
                kind = "buyer" if org_id == buyer else "vendor-site"
                wanted.setdefault((normalize_site_url(url), kind, org_id), f"{job.rec.source}-notice")
            # the buyer's own pages on its profile: its legal notice is read too
            for (url, _src), key in zip(buyer_profiles(job.rec), k["profiles"], strict=True):
                org_id = oid(key) if key is not None else buyer
                if org_id is not None:
                    wanted.setdefault((normalize_site_url(url), "buyer", org_id), "buyer-profile")
        if not wanted:
            return
        # by url AND organisation: a platform's url is shared by thousands of buyers, all of whose rows a
        # url-only lookup would read back in every batch (the cost grew with the database)
        urls = sorted({u for u, _k, _o in wanted})
        orgs = sorted({o for _u, _k, o in wanted})
        known: set[tuple[str, str, int]] = set()
        for i in range(0, len(urls), CHUNK):
            for j in range(0, len(orgs), CHUNK):
                known.update(tuple(r) for r in self.s.execute(select(SITE.c.url, SITE.c.kind, SITE.c.org_id).where(
                    SITE.c.url.in_(urls[i:i + CHUNK]), SITE.c.org_id.in_(orgs[j:j + CHUNK]),
                    SITE.c.contract_id.is_(None))))
        rows = [{"url": u, "domain": urlsplit(u).hostname or u, "kind": kind, "org_id": org_id, "contract_id": None,
                 "found_by": found_by}
                for (u, kind, org_id), found_by in wanted.items() if (u, kind, org_id) not in known]
        if rows:
            self.s.execute(SITE.insert(), rows)

    # ---- end of batch ---------------------------------------------------------------------------------------

    def finish(self) -> None:
        """Before commit: edges left without evidence go; contract totals of the organisations touched move."""
        if self.relations_touched:
            ids = list(self.relations_touched)
            backed: set[int] = set()
            for i in range(0, len(ids), CHUNK):
                backed.update(self.s.scalars(select(EVIDENCE.c.relation_id).where(
                    EVIDENCE.c.relation_id.in_(ids[i:i + CHUNK])).distinct()))
            gone = [i for i in ids if i not in backed]
            for i in range(0, len(gone), CHUNK):
                self.s.execute(delete(RELATION).where(RELATION.c.id.in_(gone[i:i + CHUNK])))
        refresh_incrementally(self.s, self.new_contracts, self.full_orgs)
        self.relations_touched.clear()
        self.new_contracts.clear()
        self.full_orgs.clear()



def _b(name: str) -> Any:
    return bindparam("b_" + name)


def buyer_profiles(rec: NoticeRecord) -> list[tuple[str, OrgRef | None]]:
    """(URL, buyer or None for the notice's) of the buyer-profile URLs a notice gives (BOAMP URL_PROFIL_ACHETEUR,
    eForms BT-508), read from the uses-platform edges the parsers make of them."""
    return [(rel.target_url, rel.src) for rel in rec.relations
            if rel.kind == "uses-platform" and rel.role == "buyer-profile" and rel.target_url]
