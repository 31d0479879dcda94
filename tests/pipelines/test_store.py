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
    from soustrace.pipelines import store as store_mod

    calls = {"n": 0}
    original = store_mod.Writer._contract

    def crash_on_second(self, notice, crec, buyer):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash mid-batch")
        return original(self, notice, crec, buyer)

    monkeypatch.setattr(store_mod.Writer, "_contract", crash_on_second)
    try:
        with Session(engine) as s, s.begin():
            writer = store_mod.Writer(s)
            writer.notice(notice_17_1028())
            writer.notice(notice_17_1028(source_id="17-1028-bis"))
    except RuntimeError:
        pass
    assert counts(engine)["notices"] == {} and counts(engine)["organizations"] == 0


def test_bad_record_is_quarantined_and_the_rest_is_stored(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from soustrace.pipelines import store as store_mod

    original = store_mod.Writer._contract

    def fail_for_bis(self, notice, crec, buyer):
        if notice.source_id == "17-1028-bis":
            raise ValueError("amount out of range")
        return original(self, notice, crec, buyer)

    monkeypatch.setattr(store_mod.Writer, "_contract", fail_for_bis)
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
