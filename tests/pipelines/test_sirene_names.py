"""DECP 2024 records carry identifiers only: `ingest --sirene` names the organisations in bulk.

The DECP file is the official 2024 example (FICTITIOUS data, see fixtures/decp/SOURCES.md); the SIRENE
stock file is a SYNTHETIC two-line extract in INSEE's StockUniteLegale column layout, written by the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from soustrace.cli import cli
from soustrace.models import Organization

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "decp" / "official_examples_fictitious" / "marches_concessions.json"


def test_sirene_stock_names_unnamed_organisations(engine, db_url, tmp_path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db_url, "-q", "ingest", str(EXAMPLE)]).exit_code == 0
    stock = tmp_path / "StockUniteLegale_synthetic.csv"
    stock.write_text("siren,denominationUniteLegale,nomUniteLegale,prenomUsuelUniteLegale,sigleUniteLegale\n"
                     "552045999,SYNTHETIC NAME A,,,\n"
                     "999999999,NOT IN THE DATABASE,,,\n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", db_url, "ingest", "--sirene", str(stock)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["organizations_named"] == 1
    with Session(engine) as s:
        org = s.scalars(select(Organization).where(Organization.siren == "552045999")).one()
        assert org.name == "SYNTHETIC NAME A" and [a.name for a in org.aliases] == ["SYNTHETIC NAME A"]
        other = s.scalars(select(Organization).where(Organization.siren == "381031285")).one()
        assert other.name is None  # not in the stock file: left unnamed, not guessed
