"""Stored `uses` rows: the same frame as the live answer, and never stale, whoever writes and however.

The database is tests/answers_data.py (real notices and disclosure texts; the hosting edges are a TEST
CONSTRUCTION, see there).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from answers_data import build
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from soustrace.db import make_engine
from soustrace.models import Base, DataGeneration, HostingAnswer, Organization
from soustrace.models.answers import DATA
from soustrace.pipelines.store import Writer
from soustrace.queries import answer_cache
from soustrace.queries.uses import uses
from soustrace.records import EvidenceRecord, OrgRef

CASES = [{}, {"current_only": True}, {"role": "host"}, {"role": "sub-processor"}, {"min_confidence": 0.85},
         {"follow_runs_on": False}, {"with_contracts": False}, {"include_without_contracts": True}]


@pytest.mark.parametrize("provider", ["aws", "OVH", "netlify"])
def test_stored_rows_give_the_live_frame(engine, provider: str) -> None:
    build(engine)
    for kwargs in CASES:
        pd.testing.assert_frame_equal(uses(engine, provider, **kwargs), uses(engine, provider, stored=False, **kwargs))


def test_answers_come_from_the_stored_rows_until_the_data_changes(engine) -> None:
    ids = build(engine)

    def kiro_name(**kwargs: object) -> str:
        return uses(engine, "aws", **kwargs).set_index("org_id").loc[ids.kiro, "contractor"]

    assert kiro_name() == "EDITIONS KIRO (MANDATAIRE)"
    with engine.begin() as conn:  # the stored rows are derived data: editing them bumps nothing
        conn.execute(text("UPDATE hosting_answer SET contractor = 'READ FROM THE STORED ROWS' WHERE org_id = :o"),
                     {"o": ids.kiro})
    assert kiro_name() == "READ FROM THE STORED ROWS"
    assert kiro_name(stored=False) == "EDITIONS KIRO (MANDATAIRE)"
    assert kiro_name(date_from="2000") == "EDITIONS KIRO (MANDATAIRE)"  # filtered answers are computed live
    with engine.begin() as conn:  # any write to a table an answer reads: the rows are rebuilt on next read
        conn.execute(text("UPDATE organization SET name = 'EDITIONS KIRO' WHERE id = :o"), {"o": ids.kiro})
    assert kiro_name() == "EDITIONS KIRO"


def test_every_kind_of_write_makes_the_rows_stale(engine) -> None:
    ids = build(engine)
    uses(engine, "aws")
    with Session(engine) as s, s.begin():  # the store adds an edge
        w = Writer(s)
        org = w.org(OrgRef(name="MICROLYNX", national_id="40300483100034", id_scheme="SIRET", country="FR"))
        rel = w.relation(kind="hosting", method="nlp", src=org, provider_id="ovhcloud", role="host")
        w.evidence(EvidenceRecord(text="TEST CONSTRUCTION", extractor="test-construction"), kind="nlp",
                   relation_id=rel.id)
        rel_id = rel.id
    with engine.connect() as conn:
        assert not answer_cache.is_fresh(conn)
    assert ids.microlynx in set(uses(engine, "ovhcloud")["org_id"])
    with engine.connect() as conn:
        assert answer_cache.is_fresh(conn)
    with engine.begin() as conn:  # a hand-run delete of evidence
        conn.execute(text("DELETE FROM evidence WHERE relation_id = :r"), {"r": rel_id})
    with engine.connect() as conn:
        assert not answer_cache.is_fresh(conn)
    row = uses(engine, "ovhcloud").set_index("relation_id").loc[rel_id]
    assert row["evidence_count"] == 0 and pd.isna(row["evidence_text"])


def test_a_rolled_back_write_leaves_the_rows_fresh(engine) -> None:
    build(engine)
    uses(engine, "aws")
    with engine.connect() as conn, conn.begin() as tx:
        conn.execute(text("UPDATE organization SET name = 'NOT COMMITTED'"))
        assert not answer_cache.is_fresh(conn)  # inside the writer's transaction, the generation has moved
        tx.rollback()
    with engine.connect() as conn:
        assert answer_cache.is_fresh(conn)


def test_without_generation_rows_answers_are_computed_live(engine) -> None:
    build(engine)
    expected = uses(engine, "aws")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM data_generation"))
        conn.execute(text("UPDATE hosting_answer SET contractor = 'STALE'"))
    assert answer_cache.refresh(engine) is False
    pd.testing.assert_frame_equal(uses(engine, "aws"), expected)


def test_a_schema_made_without_migrations_counts_changes_too(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    Base.metadata.create_all(engine)
    Base.metadata.create_all(engine)  # again: nothing to create, nothing seeded twice
    with engine.begin() as conn:
        before = conn.scalar(select(DataGeneration.generation).where(DataGeneration.name == DATA))
        conn.execute(Organization.__table__.insert().values(org_key="NAME:TEST", kind="company"))
        assert conn.scalar(select(DataGeneration.generation).where(DataGeneration.name == DATA)) == before + 1
        assert conn.scalar(select(func.count()).select_from(HostingAnswer)) == 0
    engine.dispose()


def test_provider_spellings_with_quotes_and_percent_signs_are_read_safely(engine) -> None:
    ids = build(engine)
    name = "L'Hébergeur 100% Local"  # TEST CONSTRUCTION: a provider outside the catalog, as written
    with Session(engine) as s, s.begin():
        w = Writer(s)
        moter = w.org(OrgRef(name="Moter"))
        rel = w.relation(kind="hosting", method="nlp", src=moter, provider_name=name, role="host", confidence=0.6)
        w.evidence(EvidenceRecord(text="TEST CONSTRUCTION", extractor="test-construction"), kind="nlp",
                   relation_id=rel.id)
    frame = uses(engine, name)
    assert list(frame["org_id"]) == [ids.moter] and frame.loc[0, "provider"] == name
    pd.testing.assert_frame_equal(frame, uses(engine, name, stored=False))


def test_a_read_only_database_with_stale_rows_is_answered_live(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    ids = build(engine)
    uses(engine, "aws")
    with engine.begin() as conn:  # the data moves on; nobody has rebuilt the stored rows since
        conn.execute(text("UPDATE organization SET name = 'EDITIONS KIRO' WHERE id = :o"), {"o": ids.kiro})
    engine.dispose()
    read_only = make_engine(f"sqlite:///file:{tmp_path / 'shared.db'}?mode=ro&uri=true")
    frame = uses(read_only, "aws")  # cannot rebuild them: computed live, not stale, not an error
    assert frame.set_index("org_id").loc[ids.kiro, "contractor"] == "EDITIONS KIRO"
    with read_only.connect() as conn:
        assert not answer_cache.is_fresh(conn)
    read_only.dispose()


def test_concurrent_rebuilds_leave_one_set_of_rows(engine) -> None:
    build(engine)
    with engine.connect() as conn:
        edges = conn.scalar(text("SELECT count(*) FROM relation WHERE kind = 'hosting' AND status <> 'negated'"))
    with ThreadPoolExecutor(max_workers=3) as pool:  # three readers find the rows stale at once
        results = list(pool.map(lambda _: answer_cache.refresh(engine, force=True), range(3)))
    assert results == [True, True, True]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(HostingAnswer)) == edges
        assert conn.scalar(select(func.count(func.distinct(HostingAnswer.relation_id)))) == edges
        assert answer_cache.is_fresh(conn)
