"""The storage pipeline's guarantees, on both backends: idempotency, revisions, atomic batches, quarantine.

Records are built by hand from the facts of the real BOAMP notice 17-1028 (data/samples/boamp, see its SOURCES.md),
so these tests exercise the store alone; the parsers' own tests feed it their real output elsewhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from samples import BOAMP_17_1028
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soustrace.models import Evidence, Notice, NoticeRevision, Organization, PartyRole, Reject, Relation
from soustrace.pipelines.store import Store
from soustrace.pipelines.store.batch import BatchWriter
from soustrace.queries.stats import db_stats
from soustrace.records import (
    ContractRecord,
    EvidenceRecord,
    NoticeRecord,
    OrgRef,
    PartyRecord,
    RejectRecord,
    RelationRecord,
)

RAW = BOAMP_17_1028.read_bytes()


def notice_17_1028(raw: bytes = RAW, source_id: str = "17-1028", winner: str = "Moter") -> NoticeRecord:
    return NoticeRecord(
        source="boamp",
        source_id=source_id,
        raw=raw,
        url=f"https://www.boamp.fr/pages/avis/?q=idweb:{source_id}",
        publication_date=dt.date(2017, 1, 4),
        kind="award",
        schema_version="V230",
        content_type="application/xml",
        buyer=OrgRef(name="Bordeaux Métropole"),
        contracts=[
            ContractRecord(
                lot="",
                title="Aménagement d'un parking de 116 places sur le site du parc cimetière rive gauche à Mérignac",
                award_date=dt.date(2016, 11, 18),
                amount=Decimal("159691.6"),
                currency="EUR",
                parties=[
                    PartyRecord(
                        role="winner",
                        org=OrgRef(name=winner),
                        evidence=EvidenceRecord(
                            text=winner, path="DONNEES/ATTRIBUTION/DECISION/TITULAIRE", extractor="test"
                        ),
                    )
                ],
            )
        ],
        relations=[
            RelationRecord(
                kind="uses-platform",
                target_url="http://www.demat-ampa.fr",
                evidence=EvidenceRecord(text="http://www.demat-ampa.fr", path="DONNEES/IDENTITE/URL_PROFIL_ACHETEUR"),
            )
        ],
    )


def counts(engine) -> dict:
    with Session(engine) as s:
        out = db_stats(engine)
        out["revisions"] = s.scalar(select(func.count()).select_from(NoticeRevision))
        return out


def test_stores_contract_roles_and_evidence(engine) -> None:
    stats = Store(engine).add_all([notice_17_1028()])
    assert stats.stored == 1 and stats.duplicates == 0
    with Session(engine) as s:
        role = s.scalars(select(PartyRole)).one()
        assert role.role == "winner" and role.name_as_written == "Moter"
        assert role.contract.amount == Decimal("159691.60") and role.contract.award_date == dt.date(2016, 11, 18)
        ev = s.scalars(select(Evidence).where(Evidence.party_role_id == role.id)).one()
        assert ev.text == "Moter" and ev.source_url.endswith("17-1028")
        platform = s.scalars(select(Relation).where(Relation.kind == "uses-platform")).one()
        buyer = s.get(Organization, platform.src_org_id)
        assert buyer.name == "Bordeaux Métropole" and buyer.kind == "public-buyer"
        assert platform.target_url == "http://www.demat-ampa.fr"
        assert s.scalar(select(func.count()).select_from(Evidence).where(Evidence.relation_id == platform.id)) == 1


def test_same_batch_twice_changes_no_counts(engine) -> None:
    store = Store(engine)
    store.add_all([notice_17_1028()])
    before = counts(engine)
    again = store.add_all([notice_17_1028()])
    assert again.stored == 0 and again.duplicates == 1
    assert counts(engine) == before


def test_changed_payload_is_a_new_revision_not_an_overwrite(engine) -> None:
    store = Store(engine)
    store.add_all([notice_17_1028()])
    changed = RAW.replace(b"<DENOMINATION>Moter</DENOMINATION>", b"<DENOMINATION>MOTER SAS</DENOMINATION>")
    stats = store.add_all([notice_17_1028(raw=changed, winner="MOTER SAS")])
    assert stats.revised == 1
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.revision == 2
        assert [r.raw for r in notice.revisions] == [RAW, changed]  # the first payload is kept
        assert [r.name_as_written for r in s.scalars(select(PartyRole))] == ["MOTER SAS"]
        # the buyer's platform edge survived the rebuild, still backed by evidence
        assert s.scalar(select(func.count()).select_from(Relation)) == 1
        assert s.scalar(select(func.count()).select_from(Evidence).where(Evidence.relation_id.is_not(None))) == 1


def test_failed_batch_leaves_nothing_half_written(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash in the middle of a batch's transaction: nothing of that batch is visible afterwards."""
    calls = {"n": 0}
    original = BatchWriter.contract_row

    def crash_on_second(job, crec, buyer_id):
        calls["n"] += 1
        if calls["n"] == 2:  # the notices, their payloads and organisations are written by then
            raise RuntimeError("simulated crash mid-batch")
        return original(job, crec, buyer_id)

    monkeypatch.setattr(BatchWriter, "contract_row", staticmethod(crash_on_second))
    with pytest.raises(RuntimeError), Session(engine) as s, s.begin():
        Store(engine, read_texts=False)._write(s, [notice_17_1028(), notice_17_1028(source_id="17-1028-bis")])
    assert counts(engine)["notices"] == {} and counts(engine)["organizations"] == 0


def test_bad_record_is_quarantined_and_the_rest_is_stored(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    original = BatchWriter.contract_row

    def fail_for_bis(job, crec, buyer_id):
        if job.rec.source_id == "17-1028-bis":
            raise ValueError("amount out of range")
        return original(job, crec, buyer_id)

    monkeypatch.setattr(BatchWriter, "contract_row", staticmethod(fail_for_bis))
    stats = Store(engine, batch_size=10).add_all([notice_17_1028(), notice_17_1028(source_id="17-1028-bis")])
    assert stats.stored == 1 and stats.rejects == 1
    with Session(engine) as s:
        assert [n.source_id for n in s.scalars(select(Notice))] == ["17-1028"]
        reject = s.scalars(select(Reject)).one()
        assert reject.record_id == "17-1028-bis" and reject.stage == "store"
        assert "amount out of range" in reject.reason


def test_parse_error_keeps_raw_and_rejects_once(engine) -> None:
    broken = NoticeRecord(source="boamp", source_id="17-1028", raw=RAW, parse_error="donnees: unknown root 'FOO'")
    store = Store(engine)
    store.add_all([broken])
    store.add_all([broken])
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.parse_status == "error" and notice.revisions[0].raw == RAW
        assert s.scalar(select(func.count()).select_from(Reject)) == 1


def test_reject_records_are_idempotent(engine) -> None:
    rej = RejectRecord(source="decp", record_id="x", stage="parse", reason="dateNotification: 'abc' is not a date")
    store = Store(engine)
    store.add_all([rej])
    store.add_all([rej])
    assert counts(engine)["rejects"] == 1


def test_organisations_resolve_on_siret_across_spellings(engine) -> None:
    def rec(source_id: str, name: str, siret: str) -> NoticeRecord:
        r = notice_17_1028(source_id=source_id, raw=RAW + source_id.encode(), winner=name)
        r.contracts[0].parties[0].org = OrgRef(name=name, national_id=siret)
        return r

    # EDITIONS KIRO's real SIRET, as written in TED notice 156-2025, once with spaces (as in other notices)
    Store(engine).add_all(
        [rec("a", "EDITIONS KIRO", "829 220 383 00022"), rec("b", "Editions Kiro SAS", "82922038300022")]
    )
    with Session(engine) as s:
        org = s.scalars(select(Organization).where(Organization.org_key == "FR-SIREN:829220383")).one()
        assert org.name == "EDITIONS KIRO" and org.id_valid is True
        assert sorted(a.name for a in org.aliases) == ["EDITIONS KIRO", "Editions Kiro SAS"]


def test_one_batch_fills_gaps_and_upgrades_kind_of_known_organisations(engine) -> None:
    """Batches after the first meet the organisation from memory: later facts still fill its gaps."""
    store = Store(engine, read_texts=False)
    first = notice_17_1028(source_id="a", raw=RAW + b"a")
    first.contracts[0].parties[0].org = OrgRef(name="EDITIONS KIRO", national_id="829220383", id_scheme="SIREN")
    store.add_all([first])
    later = notice_17_1028(source_id="b", raw=RAW + b"b")
    later.contracts[0].parties[0].org = OrgRef(name="Editions Kiro SAS", national_id="82922038300022", country="FR")
    later.buyer = OrgRef(name="EDITIONS KIRO", national_id="829220383", id_scheme="SIREN")  # now as a buyer
    store.add_all([later])
    with Session(engine) as s:
        org = s.scalars(select(Organization).where(Organization.org_key == "FR-SIREN:829220383")).one()
        assert (org.name, org.siret, org.country, org.kind) == ("EDITIONS KIRO", "82922038300022", "FR",
                                                               "public-buyer")
        assert sorted(a.name for a in org.aliases) == ["EDITIONS KIRO", "Editions Kiro SAS"]


def test_same_notice_twice_in_one_batch_is_a_revision(engine) -> None:
    """A batch holding two payloads of one notice writes them in order: the second is revision 2."""
    stats = Store(engine, batch_size=50).add_all([notice_17_1028(), notice_17_1028(raw=RAW + b"\n", winner="MOTER SAS"),
                                                  notice_17_1028(raw=RAW + b"\n", winner="MOTER SAS")])
    assert (stats.stored, stats.revised, stats.duplicates) == (1, 1, 1)
    with Session(engine) as s:
        assert s.scalars(select(Notice)).one().revision == 2
        assert [r.name_as_written for r in s.scalars(select(PartyRole))] == ["MOTER SAS"]


def natural_snapshot(engine) -> dict[str, list]:
    """What the store holds, ids replaced by the natural keys they point at (ids depend on write order)."""
    from sqlalchemy.orm import aliased

    from soustrace.models import Contract, OrgAlias, OrgContractSummary

    src, dst = aliased(Organization), aliased(Organization)
    with Session(engine) as s:
        def rows(stmt) -> list:  # type: ignore[no-untyped-def]
            return sorted((tuple(r) for r in s.execute(stmt)), key=repr)

        return {
            "roles": rows(select(Notice.source_id, Contract.lot, Organization.org_key, PartyRole.role,
                                 PartyRole.name_as_written).join(Contract, Contract.id == PartyRole.contract_id)
                          .join(Notice, Notice.id == Contract.notice_id)
                          .join(Organization, Organization.id == PartyRole.org_id)),
            "edges": rows(select(Relation.kind, Relation.method, Relation.status, src.org_key, dst.org_key,
                                 Relation.provider_id, Relation.provider_name, Relation.target_url, Relation.confidence)
                          .outerjoin(src, src.id == Relation.src_org_id).outerjoin(dst, dst.id == Relation.dst_org_id)),
            "evidence": rows(select(Notice.source_id, Evidence.kind, Evidence.path, Evidence.text,
                                    Evidence.relation_id.is_(None), Evidence.party_role_id.is_(None))
                             .join(Notice, Notice.id == Evidence.notice_id)),
            "aliases": rows(select(Organization.org_key, OrgAlias.name).join(OrgAlias)),
            "orgs": rows(select(Organization.org_key, Organization.name, Organization.siret, Organization.kind)),
            "totals": rows(select(Organization.org_key, OrgContractSummary.contracts_won,
                                  OrgContractSummary.subcontracts, OrgContractSummary.total_amount,
                                  OrgContractSummary.first_award, OrgContractSummary.last_award)
                           .join(OrgContractSummary, OrgContractSummary.org_id == Organization.id)),
        }


def test_many_notices_in_one_batch_match_one_by_one(engine, tmp_path) -> None:
    """Batching changes no stored fact: the real BOAMP and eForms samples (buyers, winners, subcontractors,
    platforms, texts) in one batch, twice, equal the same records stored one per transaction."""
    from samples import BOAMP, EFORMS_REAL

    from soustrace.db import make_engine
    from soustrace.pipelines.ingest import iter_file

    records = [r for p in [*sorted(BOAMP.glob("*.xml")), *sorted(EFORMS_REAL.glob("*.xml"))] for r in iter_file(p)]
    assert Store(engine, batch_size=500).add_all(records * 2).duplicates == len(records)
    one_by_one = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    store = Store(one_by_one, batch_size=1)
    for record in records:
        store.add_all([record])
    batched, single = natural_snapshot(engine), natural_snapshot(one_by_one)
    assert batched == single
    assert len(batched["roles"]) > 20 and len(batched["edges"]) > 5 and len(batched["totals"]) > 10
