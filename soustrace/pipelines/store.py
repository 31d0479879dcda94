"""The one storage pipeline: batched, idempotent writes of parsed records, one transaction per batch.

Every writer (spiders' item pipeline, `ingest`, `reprocess`, the disclosure crawler) goes through `Store`,
so the guarantees hold everywhere:

* raw first: a notice's payload is stored even when it could not be parsed;
* the same payload again is a no-op (counted as a duplicate); a changed payload becomes a new revision and
  the notice's contracts are rebuilt from it, the old payload kept;
* natural keys everywhere (notice source+id, contract notice+lot, organisation key, relation edge key,
  evidence key), so re-running any input changes no counts;
* a batch is all-or-nothing; when a batch fails, its records are retried one by one and the one that
  fails is quarantined as a Reject with the reason, so one bad record never costs the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from soustrace.identity import identify, normalize_name
from soustrace.models import (
    Contract,
    Document,
    Evidence,
    Notice,
    NoticeLinkRow,
    NoticeRevision,
    OrgAlias,
    Organization,
    PartyRole,
    Provider,
    Reject,
    Relation,
    Site,
)
from soustrace.models.base import utcnow
from soustrace.models.summary import refresh_summaries
from soustrace.pipelines.faults import InfrastructureError, describe, is_infrastructure_error
from soustrace.pipelines.revision_order import is_older_revision
from soustrace.records import (
    ContractRecord,
    EvidenceRecord,
    NoticeRecord,
    OrgRef,
    PartyRecord,
    RejectRecord,
    RelationRecord,
)

log = logging.getLogger(__name__)


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def _key(*parts: object) -> str:
    return "|".join("" if p is None else str(p) for p in parts)


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


@dataclass
class StoreCaches:
    """What a Store remembers across its batches: organisation ids by key and the aliases known.

    Cleared whenever a batch rolls back, since ids created in that batch no longer exist.
    """

    org_ids: dict[str, int] = field(default_factory=dict)
    aliases: set[tuple[int, str]] = field(default_factory=set)
    alias_loaded: set[int] = field(default_factory=set)

    def clear(self) -> None:
        self.org_ids.clear()
        self.aliases.clear()
        self.alias_loaded.clear()


class Store:
    """Writes records to the database; safe to call again with the same input."""

    def __init__(self, engine: Engine, *, batch_size: int = 200, read_texts: bool = True) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.caches = StoreCaches()
        # Hosting statements in notices' free text (object, descriptions) become NLP relations.
        self.text_extractor = load_text_extractor() if read_texts else None

    # ---- public API -------------------------------------------------------------------------------------

    def add_all(self, records: Iterable[NoticeRecord | RejectRecord]) -> StoreStats:
        """Store an iterable of records in batches; returns the totals."""
        total = StoreStats()
        batch: list[NoticeRecord | RejectRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.batch_size:
                total.add(self.store_batch(batch))
                batch = []
        if batch:
            total.add(self.store_batch(batch))
        return total

    def store_batch(self, batch: list[NoticeRecord | RejectRecord]) -> StoreStats:
        """One transaction for the whole batch; on failure, one transaction per record."""
        try:
            with Session(self.engine, autoflush=False) as session, session.begin():
                return self._write(session, batch)
        except Exception as exc:
            self.caches.clear()
            if is_infrastructure_error(exc):  # not the records' fault: stop, file nothing as a reject
                raise InfrastructureError(f"storing {len(batch)} record(s) failed: {describe(exc)}") from exc
            if len(batch) == 1:
                return self._quarantine(batch[0], exc)
            log.warning("batch of %d failed (%s); retrying record by record", len(batch), exc)
            stats = StoreStats()
            for record in batch:
                stats.add(self.store_batch([record]))
            return stats

    def reprocess(self, source: str | None = None) -> StoreStats:
        """Re-parse the stored raw payloads (after a parser upgrade) and rebuild what derives from them.

        No network: the current revision of each notice is parsed again; raw payloads are never touched.
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
                writer = Writer(session, self.caches, self.text_extractor)
                for notice in session.scalars(select(Notice).where(Notice.id.in_(chunk))):
                    # The current payload (the latest by its own date), not the last to arrive.
                    rev = next((r for r in notice.revisions if r.sha256 == notice.sha256), notice.revisions[-1])
                    rec = parse_payload(
                        notice.source,
                        notice.source_id,
                        rev.raw,
                        url=notice.url,
                        content_type=rev.content_type,
                        schema_version=notice.schema_version,
                    )
                    writer.rebuild(notice, rec)
                    stats.revised += 1
                    stats.parse_errors += bool(rec.parse_error)
                writer.finish()
        return stats

    def add_reject(self, reject: RejectRecord) -> None:
        with Session(self.engine) as session, session.begin():
            self._upsert_reject(session, reject)

    def _add_reject_or_stop(self, reject: RejectRecord) -> None:
        try:
            self.add_reject(reject)
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise InfrastructureError(f"filing a reject failed: {describe(exc)}") from exc
            raise

    # ---- batch writing ----------------------------------------------------------------------------------

    def _write(self, session: Session, batch: list[NoticeRecord | RejectRecord]) -> StoreStats:
        stats = StoreStats()
        writer = Writer(session, self.caches, self.text_extractor)
        stored: list[NoticeRecord] = []
        for record in batch:
            if isinstance(record, RejectRecord):
                self._upsert_reject(session, record)
                stats.rejects += 1
                continue
            outcome = writer.notice(record)
            stored.append(record)
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
                self._upsert_reject(
                    session,
                    RejectRecord(
                        source=record.source,
                        record_id=record.source_id,
                        stage="parse",
                        reason=record.parse_error,
                        excerpt=record.raw[:300].decode("utf-8", "replace"),
                        url=record.url,
                    ),
                )
                stats.rejects += 1
        clear_stale_rejects(session, stored)
        writer.finish()
        return stats

    def _quarantine(self, record: NoticeRecord | RejectRecord, exc: Exception) -> StoreStats:
        if isinstance(record, RejectRecord):
            raise exc
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

    @staticmethod
    def _upsert_reject(session: Session, reject: RejectRecord) -> None:
        key = sha256(_key(reject.source, reject.record_id, reject.url, reject.stage, reject.reason))
        row = session.scalar(select(Reject).where(Reject.reject_key == key))
        if row is None:
            session.add(
                Reject(
                    reject_key=key,
                    source=reject.source,
                    record_id=reject.record_id,
                    url=reject.url,
                    stage=reject.stage,
                    reason=reject.reason,
                    excerpt=reject.excerpt[:1000],
                )
            )
        else:
            row.last_seen = utcnow()
        session.flush()


def clear_stale_rejects(session: Session, stored: list[NoticeRecord]) -> None:
    """A record now in the database has no business in the rejects of its earlier failed attempts.

    Once stored and parsed, every reject of that (source, id) goes; stored with a parse error, only its
    fetch and store rejects go (the parse reject is the current reason). One statement per source.
    """
    by_source: dict[tuple[str, bool], set[str]] = {}
    for rec in stored:
        by_source.setdefault((rec.source, bool(rec.parse_error)), set()).add(rec.source_id)
    for (source, parse_failed), ids in by_source.items():
        for chunk in iter_batches(sorted(ids), 500):
            stmt = delete(Reject).where(Reject.source == source, Reject.record_id.in_(chunk))
            if parse_failed:
                stmt = stmt.where(Reject.stage != "parse")
            session.execute(stmt.execution_options(synchronize_session=False))


class Writer:
    """Writes one batch inside one session; caches resolved organisations for the batch."""

    def __init__(
        self, session: Session, caches: StoreCaches | None = None, text_extractor: TextExtractor | None = None
    ) -> None:
        self.s = session
        self.text_extractor = text_extractor
        self.caches = caches or StoreCaches()
        self.orgs: dict[str, Organization] = {}
        self.providers: set[str] | None = None
        # Organisations whose contract roles changed: their contract totals are refreshed before commit.
        self.touched_orgs: set[int] = set()
        # Notices whose evidence cannot exist yet (new, or just cleared): no lookup needed before inserting.
        self.fresh_notices: set[int] = set()
        self.new_evidence: dict[str, Evidence] = {}

    # ---- notices ----------------------------------------------------------------------------------------

    def notice(self, rec: NoticeRecord) -> str:
        digest = sha256(rec.raw)
        notice = self.s.scalar(select(Notice).where(Notice.source == rec.source, Notice.source_id == rec.source_id))
        if notice is not None:
            known = self.s.scalar(
                select(NoticeRevision.id).where(NoticeRevision.notice_id == notice.id, NoticeRevision.sha256 == digest)
            )
            if known is not None:
                return "duplicate"
            if is_older_revision(rec.publication_date, notice.publication_date):
                # Kept as a revision; the newer payload stays the current one (and its contracts).
                notice.revision += 1
                self.s.add(NoticeRevision(notice_id=notice.id, revision=notice.revision, sha256=digest,
                                          content_type=rec.content_type, raw=rec.raw))
                self.s.flush()
                return "revised"
            outcome = "revised"
            notice.revision += 1
            touched = self._clear_derived(notice)
        else:
            touched = set()
            outcome = "new"
            notice = Notice(source=rec.source, source_id=rec.source_id, revision=1, sha256=digest)
            self.s.add(notice)
            self.s.flush()
        notice.url = rec.url
        notice.publication_date = rec.publication_date
        notice.kind = rec.kind
        notice.schema_version = rec.schema_version or notice.schema_version
        notice.sha256 = digest
        notice.fetched_at = utcnow()
        notice.parse_status = "error" if rec.parse_error else "ok"
        notice.parse_error = rec.parse_error
        self.s.flush()
        self.fresh_notices.add(notice.id)
        self.s.add(
            NoticeRevision(
                notice_id=notice.id, revision=notice.revision, sha256=digest, content_type=rec.content_type, raw=rec.raw
            )
        )
        if not rec.parse_error:
            self.derive(notice, rec)
        self._drop_unbacked(touched)
        self.s.flush()
        return outcome

    def finish(self) -> None:
        """Before commit: refresh the contract totals of the organisations this batch touched."""
        self.s.flush()
        refresh_summaries(self.s, self.touched_orgs)
        self.touched_orgs.clear()

    def rebuild(self, notice: Notice, rec: NoticeRecord) -> None:
        """Replace what derives from a notice with what `rec` says (its raw payload stays as stored)."""
        touched = self._clear_derived(notice)
        self.fresh_notices.add(notice.id)
        notice.kind = rec.kind
        notice.schema_version = rec.schema_version or notice.schema_version
        notice.publication_date = rec.publication_date or notice.publication_date
        notice.parse_status = "error" if rec.parse_error else "ok"
        notice.parse_error = rec.parse_error
        if not rec.parse_error:
            self.derive(notice, rec)
        self._drop_unbacked(touched)
        self.s.flush()

    def derive(self, notice: Notice, rec: NoticeRecord) -> None:
        """Contracts, roles, relations and links of one parsed notice (also used by `reprocess`)."""
        buyer = self.org(rec.buyer, kind="public-buyer", source=rec.source) if rec.buyer else None
        contracts: dict[str, Contract] = {}
        for crec in rec.contracts:
            contract = self._contract(notice, crec, buyer)
            contracts[crec.lot] = contract
            self._parties(notice, rec, contract, crec)
        for rel in rec.relations:
            self._relation(notice, rec, rel, buyer, contracts)
        if self.text_extractor is not None and rec.texts:
            self._text_relations(notice, rec, contracts)
        for link in rec.links:
            self.s.add(
                NoticeLinkRow(
                    notice_id=notice.id, kind=link.kind, target_source=link.source, target_source_id=link.source_id
                )
            )
        for org_ref, url in rec.websites:
            org = self.org(org_ref, source=rec.source)
            if org is not None:
                self.site(
                    url,
                    kind="vendor-site" if org is not buyer else "buyer-site",
                    org=org,
                    found_by=f"{rec.source}-notice",
                )
        self.s.flush()

    def _text_relations(self, notice: Notice, rec: NoticeRecord, contracts: dict[str, Contract]) -> None:
        """Hosting named in an award's free text: the winners of the lot (or of every lot) use the provider.

        Only awards with winners: in a call for tenders the same words describe a requirement, not a fact.
        """
        winners: dict[str, list[Organization]] = {}
        for crec in rec.contracts:
            orgs = [self.org(p.org, source=rec.source) for p in crec.parties if p.role in ("winner", "lead", "member")]
            winners[crec.lot] = [o for o in orgs if o is not None]
        if not any(winners.values()):
            return
        assert self.text_extractor is not None
        for field_name, text in rec.texts.items():
            lot = field_name.split(":")[1] if field_name.startswith("lot:") else None
            lots = [lot] if lot in winners else list(winners)
            for found in self.text_extractor(text):
                if found.get("status") == "negated":
                    continue
                for lot_id in lots:
                    for org in winners[lot_id]:
                        relation = self.relation(
                            kind="hosting",
                            method="nlp",
                            src=org,
                            provider_id=self.provider_id(found.get("provider_id")),
                            provider_name=found.get("provider") or found.get("surface"),
                            role=found.get("role") or "host",
                            status=found.get("status") or "current",
                            confidence=float(found.get("confidence") or 0.5),
                            contract_id=contracts[lot_id].id,
                        )
                        self.evidence(
                            EvidenceRecord(
                                text=found.get("sentence") or text,
                                path=f"texts/{field_name}",
                                start=found.get("start"),
                                end=found.get("end"),
                                extractor="soustrace.extraction",
                                extractor_version=TEXT_EXTRACTOR_VERSION,
                            ),
                            kind="nlp",
                            notice=notice,
                            relation_id=relation.id,
                        )

    def _clear_derived(self, notice: Notice) -> set[int]:
        """Drop what was derived from the previous revision; edges left with no evidence go too."""
        touched = set(
            self.s.scalars(
                select(Evidence.relation_id).where(Evidence.notice_id == notice.id, Evidence.relation_id.is_not(None))
            )
        )
        self.touched_orgs.update(
            self.s.scalars(select(PartyRole.org_id).join(Contract).where(Contract.notice_id == notice.id))
        )
        self.s.execute(delete(Evidence).where(Evidence.notice_id == notice.id))
        self.s.execute(delete(Contract).where(Contract.notice_id == notice.id))
        self.s.execute(delete(NoticeLinkRow).where(NoticeLinkRow.notice_id == notice.id))
        self.s.flush()
        return touched

    def _drop_unbacked(self, relation_ids: set[int]) -> None:
        """No edge without evidence: edges the new revision no longer supports are removed."""
        if not relation_ids:
            return
        self.s.flush()
        backed = set(self.s.scalars(select(Evidence.relation_id).where(Evidence.relation_id.in_(relation_ids))))
        if relation_ids - backed:
            self.s.execute(delete(Relation).where(Relation.id.in_(relation_ids - backed)))

    # ---- contracts and parties --------------------------------------------------------------------------

    def _contract(self, notice: Notice, crec: ContractRecord, buyer: Organization | None) -> Contract:
        contract = Contract(
            notice_id=notice.id,
            lot=crec.lot or "",
            buyer_id=buyer.id if buyer else None,
            title=crec.title,
            cpv=crec.cpv,
            procedure=(crec.procedure or None) and crec.procedure[:120],
            award_date=crec.award_date,
            amount=crec.amount,
            amount_min=crec.amount_min,
            amount_max=crec.amount_max,
            currency=crec.currency,
            offers_received=crec.offers_received,
            framework_agreement_id=crec.framework_agreement_id,
            duration_months=crec.duration_months,
            place=crec.place,
            subcontracting=_jsonable(crec.subcontracting) or None,
            flags=list(crec.flags) or None,
            extra=_jsonable(crec.extra) or None,
        )
        self.s.add(contract)
        self.s.flush()
        return contract

    def _parties(self, notice: Notice, rec: NoticeRecord, contract: Contract, crec: ContractRecord) -> None:
        seen: dict[tuple[int, str], PartyRole] = {}
        contractors: list[Organization] = []
        subcontracts: list[tuple[PartyRecord, Organization]] = []
        for party in crec.parties:
            org = self.org(party.org, source=rec.source)
            if org is None:
                continue
            role_row = seen.get((org.id, party.role))
            if role_row is None:
                role_row = PartyRole(
                    contract_id=contract.id,
                    org_id=org.id,
                    role=party.role,
                    name_as_written=party.org.name,
                    national_id=party.org.national_id,
                    amount=party.amount,
                    extra=_jsonable(party.extra) or None,
                )
                self.s.add(role_row)
                self.s.flush()
                seen[(org.id, party.role)] = role_row
                self.touched_orgs.add(org.id)
            self.evidence(party.evidence, notice=notice, party_role_id=role_row.id, kind="structured")
            if party.role == "subcontractor":
                subcontracts.append((party, org))
            elif party.role in ("winner", "lead", "member"):
                contractors.append(org)
        for party, sub in subcontracts:
            mains = [m for m in (self.org(ref, source=rec.source) for ref in party.main_contractors) if m]
            for main in mains or contractors:
                relation = self.relation(
                    kind="declared-subcontract",
                    method="structured",
                    src=main,
                    dst=sub,
                    contract_id=contract.id,
                    status="current",
                    confidence=1.0,
                )
                self.evidence(party.evidence, notice=notice, relation_id=relation.id, kind="structured")

    def _relation(
        self,
        notice: Notice,
        rec: NoticeRecord,
        rel: RelationRecord,
        buyer: Organization | None,
        contracts: dict[str, Contract],
    ) -> None:
        src = self.org(rel.src, source=rec.source) if rel.src else buyer
        contract = contracts.get(rel.lot) if rel.lot is not None else None
        relation = self.relation(
            kind=rel.kind,
            method=rel.method,
            src=src,
            provider_id=self.provider_id(rel.provider_id),
            provider_name=rel.provider_name,
            target_url=rel.target_url,
            role=rel.role,
            status=rel.status,
            confidence=rel.confidence,
            contract_id=contract.id if contract else None,
        )
        self.evidence(rel.evidence, notice=notice, relation_id=relation.id, kind=rel.method)

    # ---- shared building blocks (also used by the disclosure and DECP writers) ---------------------------

    def org(self, ref: OrgRef | None, *, kind: str = "company", source: str | None = None) -> Organization | None:
        """Resolve an OrgRef to its canonical organisation, creating it or filling its gaps."""
        if ref is None:
            return None
        ident = identify(ref.name, ref.national_id, ref.id_scheme, ref.country)
        if ident is None:
            return None
        org = self.orgs.get(ident.org_key)
        if org is None:
            known_id = self.caches.org_ids.get(ident.org_key)
            if known_id is not None:
                org = self.s.get(Organization, known_id)
            else:
                org = self.s.scalar(select(Organization).where(Organization.org_key == ident.org_key))
        created = org is None
        if org is None:
            org = Organization(
                org_key=ident.org_key,
                kind=kind,
                siren=ident.siren,
                siret=ident.siret,
                vat=ident.vat,
                foreign_id=ident.foreign_id,
                foreign_scheme=ident.foreign_scheme,
                country=ident.country or ref.country,
                id_valid=ident.valid,
                id_issue=ident.issue,
            )
            self.s.add(org)
            self.s.flush()
        else:
            org.siret = org.siret or ident.siret
            org.vat = org.vat or ident.vat
            org.country = org.country or ident.country or ref.country
            if kind == "public-buyer" and org.kind == "company":
                org.kind = kind
        if ref.name and not org.name:
            org.name = ref.name.strip()
            org.normalized_name = normalize_name(ref.name)
        self.orgs[ident.org_key] = org
        self.caches.org_ids[ident.org_key] = org.id
        if ref.name:
            self._alias(org, ref.name.strip(), source, created)
        return org

    def _alias(self, org: Organization, name: str, source: str | None, created: bool) -> None:
        name = name[:500]
        if org.id not in self.caches.alias_loaded:
            if not created:
                known = self.s.scalars(select(OrgAlias.name).where(OrgAlias.org_id == org.id))
                self.caches.aliases.update((org.id, n) for n in known)
            self.caches.alias_loaded.add(org.id)
        if (org.id, name) not in self.caches.aliases:
            self.s.add(OrgAlias(org_id=org.id, name=name, source=source))
            self.caches.aliases.add((org.id, name))

    def provider_id(self, provider_id: str | None) -> str | None:
        """Only catalog ids that are loaded become foreign keys; unknown ones are kept as names by callers."""
        if provider_id is None:
            return None
        if self.providers is None:
            from soustrace.pipelines.providers import ensure_providers_in

            ensure_providers_in(self.s)
            self.providers = set(self.s.scalars(select(Provider.id)))
        return provider_id if provider_id in self.providers else None

    def relation(
        self,
        *,
        kind: str,
        method: str,
        src: Organization | None = None,
        dst: Organization | None = None,
        provider_id: str | None = None,
        provider_name: str | None = None,
        target_url: str | None = None,
        role: str | None = None,
        status: str = "current",
        confidence: float = 1.0,
        contract_id: int | None = None,
        site_id: int | None = None,
    ) -> Relation:
        """Upsert an edge on its natural key; a re-seen edge only moves `last_seen` (and keeps max confidence)."""
        edge_key = relation_key(kind=kind, role=role, status=status, method=method, src_org_id=src.id if src else None,
                                dst_org_id=dst.id if dst else None, provider_id=provider_id,
                                provider_name=provider_name, contract_id=contract_id, site_id=site_id,
                                target_url=target_url)
        row = self.s.scalar(select(Relation).where(Relation.edge_key == edge_key))
        now = utcnow()
        if row is None:
            row = Relation(
                edge_key=edge_key,
                kind=kind,
                role=role,
                status=status,
                method=method,
                confidence=confidence,
                src_org_id=src.id if src else None,
                dst_org_id=dst.id if dst else None,
                provider_id=provider_id,
                provider_name=provider_name,
                contract_id=contract_id,
                site_id=site_id,
                target_url=target_url,
                first_seen=now,
                last_seen=now,
            )
            self.s.add(row)
        else:
            row.last_seen = now
            row.confidence = max(row.confidence, confidence)
        self.s.flush()
        return row

    def evidence(
        self,
        ev: EvidenceRecord,
        *,
        kind: str,
        notice: Notice | None = None,
        document: Document | None = None,
        relation_id: int | None = None,
        party_role_id: int | None = None,
        source_url: str | None = None,
    ) -> Evidence:
        notice_id = notice.id if notice else None
        document_id = document.id if document else None
        url = source_url or (notice.url if notice else None) or (document.url if document else None)
        key = sha256(
            _key(relation_id, party_role_id, notice_id, document_id, ev.path, ev.start, ev.end, ev.text, ev.extractor)
        )
        fresh = notice is not None and document is None and notice.id in self.fresh_notices
        row = self.new_evidence.get(key)
        if row is None and not fresh:
            row = self.s.scalar(select(Evidence).where(Evidence.evidence_key == key))
        if row is None:
            row = Evidence(
                evidence_key=key,
                relation_id=relation_id,
                party_role_id=party_role_id,
                notice_id=notice_id,
                document_id=document_id,
                kind=kind,
                source_url=url,
                path=ev.path or None,
                text=ev.text or None,
                start=ev.start,
                end=ev.end,
                extractor=ev.extractor or None,
                extractor_version=ev.extractor_version or None,
            )
            self.s.add(row)
            self.new_evidence[key] = row
        else:
            row.seen_at = utcnow()
        if not fresh:  # other writers may need the id at once; the notice path flushes in bulk later
            self.s.flush()
        return row

    def site(
        self,
        url: str,
        *,
        kind: str,
        org: Organization | None = None,
        contract_id: int | None = None,
        found_by: str | None = None,
    ) -> Site:
        url = normalize_site_url(url)
        row = self.s.scalar(
            select(Site).where(
                Site.url == url,
                Site.kind == kind,
                Site.org_id.is_(None) if org is None else Site.org_id == org.id,
                Site.contract_id.is_(None) if contract_id is None else Site.contract_id == contract_id,
            )
        )
        if row is None:
            row = Site(
                url=url,
                domain=urlsplit(url).hostname or url,
                kind=kind,
                org_id=org.id if org else None,
                contract_id=contract_id,
                found_by=found_by,
            )
            self.s.add(row)
            self.s.flush()
        return row


def relation_key(*, kind: str, role: str | None, status: str, method: str, src_org_id: int | None,
                 dst_org_id: int | None, provider_id: str | None, provider_name: str | None, contract_id: int | None,
                 site_id: int | None, target_url: str | None) -> str:
    """An edge's natural key: the same claim, by the same method, about the same parties, is one row."""
    name_key = None if provider_id else (normalize_name(provider_name) if provider_name else None)
    key = _key(kind, role, status, method, src_org_id, dst_org_id, provider_id, name_key, contract_id, site_id,
               target_url)
    return key if len(key) <= 200 else key[:120] + "#" + sha256(key)


TextExtractor = Callable[[str], list[dict[str, Any]]]
TEXT_EXTRACTOR_VERSION = "1"


def load_text_extractor() -> TextExtractor | None:
    """The hosting extractor as a plain function of a text, or None where it is not installed."""
    try:
        from soustrace.extraction.extract import extract
    except ImportError:  # pragma: no cover - the extraction package ships with soustrace
        return None
    from soustrace.parsers.payload import MAX_TEXT_CHARS

    # Up to spaCy's limit: a longer text (a 60 MB record) failed whole and cost the record its raw payload.
    return lambda text: extract(text[:MAX_TEXT_CHARS]).relations


def normalize_site_url(url: str) -> str:
    """`www.example.fr/` and `http://www.example.fr` are one site: scheme added, trailing slash removed."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    path = parts.path.rstrip("/")
    return f"{scheme}://{host}{port}{path}"


def _jsonable(value: Any) -> Any:
    """Decimals, dates and tuples made JSON-safe for the JSON columns."""
    return json.loads(json.dumps(value, default=str)) if value else value


def iter_batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
