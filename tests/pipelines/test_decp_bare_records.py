"""The real 2024-format DECP records shipped as single bare records (one JSON object per file, no
`marches` wrapper) ingest like any DECP file; the subcontract act becomes a declared-subcontract edge."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.cli import cli
from soustrace.models import Evidence, Organization, Relation
from soustrace.pipelines.ingest import sniff
from tests.samples import SAMPLES

REAL_2024 = SAMPLES / "decp" / "real_2024"


def test_bare_records_are_recognised_as_decp() -> None:
    bare = sorted(p for p in REAL_2024.glob("decp2024_*.json"))
    assert len(bare) == 5
    assert {sniff(p) for p in bare} == {"decp"}


def test_ingest_real_2024_records(db_url: str, engine) -> None:
    out = CliRunner().invoke(cli, ["--db", db_url, "ingest", str(REAL_2024)])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    # six files, five distinct records: the flux file's record is the same as one bare file's
    assert summary["failed_files"] == 0 and summary["stored"] == 5 and summary["duplicates"] == 1
    with Session(engine) as s:
        sub = s.scalars(select(Relation).where(Relation.kind == "declared-subcontract")).one()
        assert s.get(Organization, sub.dst_org_id).siret == "44090956244090"
        assert s.get(Organization, sub.src_org_id).siret == "37890194600483"
        ev = s.scalars(select(Evidence).where(Evidence.relation_id == sub.id)).one()
        assert ev.path.endswith("actesSousTraitance[0]") and "283333.33" in ev.text
    again = CliRunner().invoke(cli, ["--db", db_url, "ingest", str(REAL_2024)])
    assert json.loads(again.output.strip().splitlines()[-1])["stored"] == 0
