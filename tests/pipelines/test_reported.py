"""Reported awards end to end, on the real chain excerpts: `ingest FILE --url --kind` stores them as
contracts of kind `reported` (never counted with notice-backed ones), and `query uses aws` lists their
contractors with the quote and URL, from the stored rows as from the live computation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.cli import cli
from soustrace.hosting.excerpts import read_excerpts
from soustrace.models import Contract, Evidence, Organization, OrgContractSummary, PartyRole
from soustrace.queries.uses import uses
from tests.samples import BOAMP, SAMPLES

CHAINS = SAMPLES / "chains"


def _ingest_excerpts(db_url: str, tmp_path: Path, prefix: str) -> list[dict]:
    out = []
    for i, ex in enumerate(read_excerpts(next(CHAINS.glob(f"{prefix}_*.txt")))):
        path = tmp_path / f"{prefix}-{i}.txt"
        path.write_text(ex.text, encoding="utf-8")
        res = CliRunner().invoke(cli, ["--db", db_url, "ingest", str(path), "--url", ex.url, "--kind", ex.kind])
        assert res.exit_code == 0, res.output
        out.append(json.loads(res.output.strip().splitlines()[-1]))
    return out


def test_reported_awards_stored_apart_and_answered(engine, db_url: str, tmp_path: Path) -> None:
    first = _ingest_excerpts(db_url, tmp_path, "01") + _ingest_excerpts(db_url, tmp_path, "06")
    assert [r["kind"] for r in first] == ["press", "court", "press", "press"]
    with Session(engine) as s:
        reported = s.scalars(select(Contract).where(Contract.kind == "reported")).all()
        assert reported and all(c.notice_id is None and c.confidence < 1.0 for c in reported)
        court = [c for c in reported if c.source_kind == "court"]
        assert court and "partenariat avec la société Doctolib" in court[0].extra["quote"]
        roles = s.scalars(select(PartyRole).where(PartyRole.role == "reported")).all()
        assert {s.get(Organization, r.org_id).name for r in roles} == {"Bluenove", "Doctolib"}
        ev = s.scalars(select(Evidence).where(Evidence.party_role_id == roles[0].id)).first()
        assert ev.document_id is not None and ev.source_url.startswith("https://") and ev.start is not None
        # never summed with notice-backed contracts: no contract totals for these organisations
        assert s.scalar(select(OrgContractSummary).where(OrgContractSummary.org_id.in_([r.org_id for r in roles]))
                        .where(OrgContractSummary.contracts_won > 0)) is None
    frame = uses(engine, "aws")  # without include_without_contracts
    rows = frame.set_index("contractor")
    assert {"Bluenove", "Doctolib"} <= set(rows.index)
    bluenove = rows.loc["Bluenove"]
    assert bluenove["contracts_won"] == 0 and bluenove["reported_contracts"] == 1
    assert bluenove["reported_buyers"] == "CNR" and "remporté l'appel d'offres" in bluenove["reported_quote"]
    assert bluenove["reported_url"].startswith("https://fr.news.yahoo.com/")
    doctolib = rows.loc[["Doctolib"]].iloc[0]
    assert doctolib["reported_contracts"] >= 1 and "AWS Sarl" in doctolib["evidence_text"]
    assert all(frame["evidence_url"].notna()) and all(frame["evidence_text"].notna())
    live = uses(engine, "aws", stored=False)
    pd.testing.assert_frame_equal(frame, live, check_dtype=False)
    again = _ingest_excerpts(db_url, tmp_path, "06")
    assert [len(r["reported_contracts"]) for r in again] == [len(r["reported_contracts"]) for r in first[1:]]
    with Session(engine) as s:
        assert len(s.scalars(select(Contract).where(Contract.kind == "reported")).all()) == len(reported)


def test_uses_on_boamp_only_database_answers_and_explains(db_url: str) -> None:
    res = CliRunner().invoke(cli, ["--db", db_url, "ingest", str(BOAMP)])
    assert res.exit_code == 0, res.output
    out = CliRunner().invoke(cli, ["--db", db_url, "query", "uses", "aws", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == []
    assert "no hosting edge points at aws" in out.stderr
    buyers = CliRunner().invoke(cli, ["--db", db_url, "query", "uses", "aws", "--buyers"])
    assert buyers.exit_code == 0, buyers.output
    stats = CliRunner().invoke(cli, ["--db", db_url, "query", "providers", "--format", "json"])
    assert stats.exit_code == 0, stats.output


def test_empty_answer_points_at_all_orgs(engine, db_url: str, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"  # a hosting statement about an organisation that holds no contract
    article.write_text("Le site de la société Exemple est hébergé par Amazon Web Services.", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--db", db_url, "ingest", str(article), "--url", "https://example.org/a",
                                   "--org", "Exemple"])
    assert res.exit_code == 0, res.output
    out = CliRunner().invoke(cli, ["--db", db_url, "query", "uses", "aws"])
    assert out.exit_code == 0
    assert "no contractor with a contract uses aws; 1 organisation without contracts does (add --all-orgs)" in (
        " ".join(out.stderr.split()))
