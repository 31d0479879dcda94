"""`soustrace query ...` through the real CLI entry point, on both backends.

Hosting edges in tests/answers_data.py are a TEST CONSTRUCTION joining real facts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from answers_data import build
from click.testing import CliRunner

from soustrace.cli import cli

YAHOO = "https://fr.news.yahoo.com/cnr-h%C3%A9berge-partie-site-internet-174224701.html"


def run(db_url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", db_url, "query", *args], catch_exceptions=False)


def test_uses_json(engine, db_url: str) -> None:
    build(engine)
    result = run(db_url, "uses", "aws", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["contractor"]: r for r in json.loads(result.stdout)}
    kiro = rows["EDITIONS KIRO (MANDATAIRE)"]
    assert (kiro["siren"], kiro["method"], kiro["evidence_url"], kiro["evidence_text"], kiro["total_amount"],
            kiro["first_award"], kiro["disagreement"]) == (
        "829220383", "nlp", YAHOO, "Amazon Web Services", 449350.0, "2024-10-16", "ovhcloud (dns)")


def test_uses_filters_and_formats(engine, db_url: str, tmp_path: Path) -> None:
    build(engine)
    result = run(db_url, "uses", "Amazon", "--buyer", "bordeaux", "--format", "csv")
    assert result.exit_code == 0
    assert list(pd.read_csv(io.StringIO(result.stdout))["contractor"]) == ["Moter"]
    out = tmp_path / "aws.parquet"
    result = run(db_url, "uses", "aws", "--current-only", "--role", "host", "-f", "parquet", "-o", str(out))
    assert result.exit_code == 0
    assert set(pd.read_parquet(out)["contractor"]) == {"EDITIONS KIRO (MANDATAIRE)", "Moter"}
    table = run(db_url, "uses", "aws")
    assert table.exit_code == 0 and "EDITIONS KIRO" in table.stdout and YAHOO[:40] in table.stdout


def test_unknown_provider_is_an_error_on_stderr(engine, db_url: str) -> None:
    build(engine)
    result = run(db_url, "uses", "amazn")
    assert result.exit_code == 1
    assert "unknown provider 'amazn'" in result.stderr and "Amazon" in result.stderr
    assert result.stdout == ""


def test_chain_tree_json_and_csv(engine, db_url: str) -> None:
    build(engine)
    tree = run(db_url, "chain", "ted:00000156-2025#LOT-0001")
    assert tree.exit_code == 0
    assert "EDITIONS KIRO" in tree.stdout and "Amazon Web Services (AWS)" in tree.stdout
    data = json.loads(run(db_url, "chain", "829220383", "--format", "json").stdout)
    assert data["kind"] == "organization" and data["contracts_total"] == 2
    flat = pd.read_csv(io.StringIO(run(db_url, "chain", "Moter", "-f", "csv").stdout))
    hosting = flat[flat["edge"] == "hosting"]
    assert list(hosting["to_id"]) == ["provider:aws"]
    bad = run(db_url, "chain", "12")
    assert bad.exit_code == 1 and "ambiguous" in bad.stderr


def test_providers_and_contracts(engine, db_url: str) -> None:
    build(engine)
    result = run(db_url, "providers", "--per", "jurisdiction", "--format", "json")
    assert result.exit_code == 0
    assert {r["jurisdiction"]: r["contractors"] for r in json.loads(result.stdout)} == {"non-EU": 4, "EU": 1}
    by_buyer = json.loads(run(db_url, "providers", "--by", "buyer", "-f", "json").stdout)
    assert {(r["provider_id"], r["buyer_siren"]) for r in by_buyer} >= {("aws", "130016512"), ("aws", None)}
    contracts = json.loads(run(db_url, "contracts", "--provider", "aws", "--buyer", "MINARM", "-f", "json").stdout)
    assert [c["lot"] for c in contracts] == ["LOT-0001", "LOT-0003"]
    missing = run(db_url, "contracts")
    assert missing.exit_code == 2 and "--provider" in missing.stderr


@pytest.mark.parametrize("command", ["uses", "chain", "providers", "contracts"])
def test_help_has_examples(command: str) -> None:
    result = CliRunner().invoke(cli, ["query", command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"soustrace query {command}" in result.stdout


def test_uses_fast_flags(engine, db_url: str) -> None:
    build(engine)
    rows = json.loads(run(db_url, "uses", "aws", "--no-contracts", "--direct-only", "-f", "json").stdout)
    assert {r["contractor"] for r in rows} == {"EDITIONS KIRO (MANDATAIRE)", "Moter", "MICROLYNX"}
    assert all(r["total_amount"] is None for r in rows)
