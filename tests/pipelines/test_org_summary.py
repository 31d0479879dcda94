"""The per-organisation contract totals the store maintains equal a live aggregation, after every change.

Real records: the 470 real DECP records of e-marchespublics, then a changed revision of one notice that
replaces its winner (the record is real; the change is the test's).
"""

from __future__ import annotations

import json

from samples import DECP_REAL
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.models import Notice, Organization, OrgContractSummary
from soustrace.models.summary import aggregate_select
from soustrace.parsers.payload import parse_payload
from soustrace.pipelines.ingest import iter_file
from soustrace.pipelines.store import Store

EMP = DECP_REAL / "decp-json_v1_e-marchespublics.json"
COLUMNS = ["org_id", "contracts_won", "subcontracts", "total_amount", "n_currencies", "currency_min",
           "currency_max", "first_award", "last_award"]


def snapshot(engine) -> tuple[dict, dict]:
    with Session(engine) as s:
        kept = {r.org_id: (tuple(getattr(r, c) for c in COLUMNS), sorted((r.buyer_ids or "").split(",")))
                for r in s.scalars(select(OrgContractSummary))}
        live = {r.org_id: (tuple(getattr(r, c) for c in COLUMNS), sorted((r.buyer_ids or "").split(",")))
                for r in s.execute(aggregate_select(engine.dialect.name))}
    return kept, live


def test_summary_matches_live_aggregation_through_revisions(engine) -> None:
    store = Store(engine, read_texts=False)
    store.add_all(iter_file(EMP))
    kept, live = snapshot(engine)
    assert kept == live and len(kept) > 100
    with Session(engine) as s:
        notice = s.scalars(select(Notice).order_by(Notice.id)).first()
        record = json.loads(notice.revisions[-1].raw)
        source_id, schema = notice.source_id, notice.schema_version
    old_winner = record["titulaires"][0]["id"].strip()
    before = summary_of(engine, old_winner)
    record["titulaires"] = [{"typeIdentifiant": "SIRET", "id": "82922038300022",  # EDITIONS KIRO's real SIRET
                             "denominationSociale": "EDITIONS KIRO"}]
    changed = parse_payload("decp", source_id, json.dumps(record, sort_keys=True).encode(), schema_version=schema)
    assert store.add_all([changed]).revised == 1
    kept, live = snapshot(engine)
    assert kept == live
    assert summary_of(engine, "82922038300022").contracts_won == 1
    after = summary_of(engine, old_winner)
    assert (after.contracts_won if after else 0) == before.contracts_won - 1


def summary_of(engine, siret: str) -> OrgContractSummary | None:
    with Session(engine) as s:
        return s.scalars(select(OrgContractSummary).join(Organization, Organization.id == OrgContractSummary.org_id)
                         .where(Organization.siren == siret[:9])).one_or_none()
