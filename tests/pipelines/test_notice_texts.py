"""Hosting named in a notice's free text becomes an NLP relation of the lot's winners, with evidence.

The negative case runs on real records: the 470 real DECP records of e-marchespublics include objects
that say "hébergement" (of software, of journalists, in holiday camps) and "Saint-Cloud" (a town), and
none names a host. The positive case puts a real disclosure sentence (dev-007 of the hosting samples) into
the free text of a record built from the real notice 17-1028: a test construction, not a real finding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from samples import DECP_REAL
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_store import notice_17_1028

from soustrace.models import Evidence, Organization, Relation
from soustrace.pipelines.ingest import iter_file
from soustrace.pipelines.store import Store

ROOT = Path(__file__).parents[2]
EMP = DECP_REAL / "decp-json_v1_e-marchespublics.json"


def test_real_objects_that_mention_hebergement_make_no_hosting_edge(engine) -> None:
    Store(engine).add_all(iter_file(EMP))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Relation).where(Relation.kind == "hosting")) == 0


def test_hosting_sentence_in_an_award_text_links_the_winner(engine) -> None:
    dev = {json.loads(line)["id"]: json.loads(line) for line in (ROOT / "data/samples/hosting/dev.jsonl").open()}
    sentence = dev["dev-007"]["text"]
    record = notice_17_1028()
    record.texts = {"object": record.contracts[0].title, "description": sentence}
    Store(engine).add_all([record])
    with Session(engine) as s:
        rel = s.scalars(select(Relation).where(Relation.kind == "hosting")).one()
        assert rel.provider_id == "scaleway" and rel.role == "host" and rel.method == "nlp"
        assert s.get(Organization, rel.src_org_id).name == "Moter" and rel.contract_id is not None
        ev = s.scalars(select(Evidence).where(Evidence.relation_id == rel.id)).one()
        assert ev.path.startswith("texts/description[") and sentence[ev.start:ev.end] == "Scaleway SAS"
        assert ev.kind == "nlp" and ev.extractor == "soustrace.extraction"
    assert Store(engine).add_all([record]).duplicates == 1  # idempotent


def test_texts_read_in_a_parse_process_make_the_same_edge(engine, tmp_path) -> None:
    """`ingest --jobs N` reads awards' texts in the parse processes: the writer stores the same edge."""
    from soustrace.pipelines.ingest import _read_texts
    from soustrace.pipelines.store.batch import Prepared

    dev = {json.loads(line)["id"]: json.loads(line) for line in (ROOT / "data/samples/hosting/dev.jsonl").open()}
    record = notice_17_1028()
    record.texts = {"object": record.contracts[0].title, "description": dev["dev-007"]["text"]}
    parsed = [(tmp_path / "17-1028.xml", [record], None)]
    _read_texts(parsed)
    prepared = parsed[0][1][0]
    assert isinstance(prepared, Prepared) and set(prepared.found) == {"object", "description"}
    store = Store(engine)
    store.find_texts = lambda texts: pytest.fail(f"the writer read {len(texts)} texts itself")
    store.add_all([prepared])
    with Session(engine) as s:
        rel = s.scalars(select(Relation).where(Relation.kind == "hosting")).one()
        assert rel.provider_id == "scaleway" and rel.method == "nlp"
        ev = s.scalars(select(Evidence).where(Evidence.relation_id == rel.id)).one()
        assert ev.path.startswith("texts/description[") and ev.text  # the findings seam locates the span
